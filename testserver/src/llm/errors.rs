//! API error bodies, status 400, in the shape of the endpoint's API:
//! OpenAI `{"error":{"message":…,"type":"invalid_request_error","param":…,"code":…}}`,
//! Anthropic `{"type":"error","error":{"type":"invalid_request_error","message":…}}`.

use http::{Response, StatusCode};
use serde_json::json;

use super::format::Format;
use crate::body::{json as json_resp, RespBody};

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
    pub param: Option<&'static str>,
    pub code: Option<&'static str>,
}

impl ApiError {
    pub fn invalid(
        message: impl Into<String>,
        param: Option<&'static str>,
        code: Option<&'static str>,
    ) -> ApiError {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
            param,
            code,
        }
    }

    pub fn missing(param: &'static str) -> ApiError {
        ApiError::invalid(
            format!("Missing required parameter: '{param}'."),
            Some(param),
            Some("missing_required_parameter"),
        )
    }

    pub fn wrong_type(param: &'static str, expected: &str) -> ApiError {
        ApiError::invalid(
            format!("Invalid type for '{param}': expected {expected}."),
            Some(param),
            Some("invalid_type"),
        )
    }

    pub fn into_response(self, format: Format) -> Response<RespBody> {
        let body = match format {
            Format::Anthropic => json!({
                "type": "error",
                "error": {"type": "invalid_request_error", "message": self.message},
            }),
            _ => json!({
                "error": {
                    "message": self.message,
                    "type": "invalid_request_error",
                    "param": self.param,
                    "code": self.code,
                }
            }),
        };
        json_resp(self.status, &body)
    }
}
