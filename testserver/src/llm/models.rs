//! `GET /v1/models`: the one model this server is configured with.

use http::{Response, StatusCode};
use serde_json::json;

use crate::body::{json, RespBody};
use crate::router::ServerCtx;

pub fn handle(ctx: &ServerCtx) -> Response<RespBody> {
    let body = json!({
        "object": "list",
        "data": [{
            "id": ctx.config.llm.model,
            "object": "model",
            "created": 0,
            "owned_by": "sse-testserver",
        }],
    });
    json(StatusCode::OK, &body)
}
