//! Request routing: one function from (request, server, connection) to a response.

use std::convert::Infallible;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;

use crate::body::{event_stream, full, text, with_type, RespBody};
use crate::config::Config;
use crate::conn::ConnCtl;
use crate::events::{Cut, EventsBody, EventsSpec, ResetState, RESET_DELAY};
use crate::faults::{BadChunked, EndlessLine, Trickle};
use crate::query::Query;
use crate::truth::{TruthLog, TruthStream};
use crate::{echo, openai};

/// Largest request body read (bigger ones get 413).
const MAX_REQUEST_BODY: usize = 16 * 1024 * 1024;

/// How long `/fault/stall` holds a stream before ending it, by default.
const STALL_HOLD: Duration = Duration::from_secs(600);

/// State shared by every connection of one server.
pub struct ServerCtx {
    pub config: Config,
    pub truth: Option<TruthLog>,
    next_stream: AtomicU64,
}

impl ServerCtx {
    pub fn new(config: Config, truth: Option<TruthLog>) -> ServerCtx {
        ServerCtx {
            config,
            truth,
            next_stream: AtomicU64::new(1),
        }
    }

    /// A fresh stream id (the `x-stream-id` header) and its truth-log view.
    pub fn new_stream(&self) -> (u64, Option<TruthStream>) {
        let id = self.next_stream.fetch_add(1, Ordering::Relaxed);
        (id, self.truth.as_ref().map(|t| t.stream(id)))
    }
}

pub async fn handle(
    req: Request<Incoming>,
    ctx: Arc<ServerCtx>,
    conn: Arc<ConnCtl>,
) -> Result<Response<RespBody>, Infallible> {
    let (parts, body) = req.into_parts();
    // Read the whole body first so the connection stays reusable.
    let body = match Limited::new(body, MAX_REQUEST_BODY).collect().await {
        Ok(b) => b.to_bytes(),
        Err(e) => {
            let status = if e.is::<http_body_util::LengthLimitError>() {
                StatusCode::PAYLOAD_TOO_LARGE
            } else {
                StatusCode::BAD_REQUEST
            };
            return Ok(text(status, format!("cannot read request body: {e}\n")));
        }
    };
    let query = Query::parse(parts.uri.query());
    let path = parts.uri.path();
    let resp = match route(&parts, path, &query, body, &ctx, conn).await {
        Ok(r) => r,
        Err(msg) => text(StatusCode::BAD_REQUEST, format!("{msg}\n")),
    };
    Ok(resp)
}

async fn route(
    parts: &http::request::Parts,
    path: &str,
    query: &Query,
    body: Bytes,
    ctx: &Arc<ServerCtx>,
    conn: Arc<ConnCtl>,
) -> Result<Response<RespBody>, String> {
    let m = &parts.method;
    let stream_method = *m == Method::GET || *m == Method::POST;
    Ok(match path {
        "/events" if stream_method => events(parts, query, Cut::None, ctx)?,
        "/echo" => {
            let (id, mut truth) = ctx.new_stream();
            if let Some(t) = truth.as_mut() {
                t.record(3);
            }
            event_stream(full(echo::render(m.as_str(), &parts.headers, &body)), id)
        }
        "/v1/chat/completions" if *m == Method::POST => {
            openai::chat::handle(parts, query, &body, ctx).await
        }
        "/v1/models" if *m == Method::GET => openai::models::handle(ctx),
        "/fault/endless-line" => {
            let (id, _) = ctx.new_stream();
            event_stream(box_body(EndlessLine::new(query.opt("bytes")?)), id)
        }
        "/fault/stall" => {
            let after = query.num("after", 3)?;
            let hold_ms: u64 = query.num("hold_ms", STALL_HOLD.as_millis() as u64)?;
            let hold = Box::pin(tokio::time::sleep(Duration::from_millis(hold_ms)));
            events(parts, query, Cut::Stall { after, hold }, ctx)?
        }
        "/fault/reset" => {
            let after = query.num("after", 3)?;
            let reset_ms: f64 = query.num("reset_ms", RESET_DELAY.as_secs_f64() * 1000.0)?;
            if !(reset_ms.is_finite() && reset_ms >= 0.0) {
                return Err("query parameter `reset_ms` must be >= 0".into());
            }
            let state = ResetState::Streaming;
            events(
                parts,
                query,
                Cut::Reset {
                    after,
                    ctl: conn,
                    delay: Duration::from_secs_f64(reset_ms / 1000.0),
                    state,
                },
                ctx,
            )?
        }
        "/fault/bad-chunked" => {
            let (id, _) = ctx.new_stream();
            event_stream(box_body(BadChunked::new(conn)), id)
        }
        "/fault/content-type" => with_type(
            StatusCode::OK,
            "text/plain; charset=utf-8",
            full(Bytes::from_static(b"data: not an event stream\n\n")),
        ),
        "/fault/trickle" => {
            let mut spec = EventsSpec::from_query(query)?;
            if query.get("count").is_none() {
                spec.count = Some(3);
            }
            if spec.count.is_none() {
                return Err("`/fault/trickle` needs a finite count".into());
            }
            let every: f64 = query.num("interval_ms", 1.0)?;
            let every = Duration::from_secs_f64(every.max(0.0) / 1000.0);
            let (id, _) = ctx.new_stream();
            event_stream(box_body(Trickle::new(spec.render_all(), every)), id)
        }
        p if p.starts_with("/status/") => status(&p["/status/".len()..], query)?,
        "/" => text(StatusCode::OK, INDEX),
        _ => text(StatusCode::NOT_FOUND, format!("no route for {m} {path}\n")),
    })
}

fn events(
    parts: &http::request::Parts,
    query: &Query,
    cut: Cut,
    ctx: &ServerCtx,
) -> Result<Response<RespBody>, String> {
    let mut spec = EventsSpec::from_query(query)?;
    if spec.ids {
        // A reconnecting client resumes after the last id it saw.
        let last = parts
            .headers
            .get("last-event-id")
            .and_then(|v| v.to_str().ok());
        if let Some(n) = last.and_then(|v| v.trim().parse::<u64>().ok()) {
            spec.first = n.saturating_add(1);
        }
    }
    if !matches!(cut, Cut::None) && query.get("count").is_none() {
        // The fault decides where the stream stops.
        spec.count = None;
    }
    let (id, truth) = ctx.new_stream();
    Ok(event_stream(
        box_body(EventsBody::new(spec, cut, truth)),
        id,
    ))
}

fn status(code: &str, query: &Query) -> Result<Response<RespBody>, String> {
    let code: u16 = code
        .parse()
        .map_err(|_| format!("`/status/{code}`: not a status code"))?;
    let status = StatusCode::from_u16(code)
        .ok()
        .filter(|s| !s.is_informational())
        .ok_or_else(|| format!("`/status/{code}`: status must be 200..=999"))?;
    Ok(text(status, query.get("body").unwrap_or("").to_owned()))
}

fn box_body<B>(b: B) -> RespBody
where
    B: http_body::Body<Data = Bytes, Error = crate::body::BoxError> + Send + Sync + 'static,
{
    BodyExt::boxed(b)
}

const INDEX: &str = "sse-testserver: see docs/testserver.md\n\
GET|POST /events?count&interval_ms&size&lines&event&ids&retry&comment_every&comment_block&eol&batch\n\
ANY /echo\n\
POST /v1/chat/completions, GET /v1/models\n\
/fault/endless-line /fault/stall?after=N /fault/reset?after=N&reset_ms=MS /fault/bad-chunked\n\
/fault/content-type /fault/trickle /status/CODE?body=TEXT\n";
