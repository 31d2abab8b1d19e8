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
use crate::clock::{mono_ns, wall_ns};
use crate::config::Config;
use crate::conn::ConnCtl;
use crate::events::{Cut, EventsBody, EventsSpec, ResetState, RESET_DELAY};
use crate::faults::{BadChunked, EndlessLine, Trickle};
use crate::query::Query;
use crate::truth::{Received, TruthLog, TruthStream};
use crate::{echo, llm};

/// Largest request body read (bigger ones get 413).
const MAX_REQUEST_BODY: usize = 16 * 1024 * 1024;

/// How long `/fault/stall` holds a stream before ending it, by default.
const STALL_HOLD: Duration = Duration::from_secs(600);

/// State shared by every connection of one server.
pub struct ServerCtx {
    pub config: Config,
    pub truth: Option<TruthLog>,
    next_stream: AtomicU64,
    /// Mixed into LLM response ids so that ids stay unique in a truth log
    /// that several runs of the server appended to.
    pub id_nonce: u64,
}

impl ServerCtx {
    pub fn new(config: Config, truth: Option<TruthLog>) -> ServerCtx {
        ServerCtx {
            config,
            truth,
            next_stream: AtomicU64::new(1),
            id_nonce: wall_ns().rotate_left(29),
        }
    }

    /// A fresh stream id (the `x-stream-id` header).
    pub fn next_stream_id(&self) -> u64 {
        self.next_stream.fetch_add(1, Ordering::Relaxed)
    }

    /// Stream `id`'s truth-log view (its request line written), when logging.
    /// `llm` is the format name and the id the client sees.
    pub fn truth_stream(
        &self,
        id: u64,
        received: &Received,
        llm: Option<(&str, &str)>,
    ) -> Option<TruthStream> {
        self.truth.as_ref().map(|t| t.stream(id, received, llm))
    }

    /// A fresh stream id and its truth-log view, for non-LLM streams.
    pub fn new_stream(&self, received: &Received) -> (u64, Option<TruthStream>) {
        let id = self.next_stream_id();
        (id, self.truth_stream(id, received, None))
    }
}

pub async fn handle(
    req: Request<Incoming>,
    ctx: Arc<ServerCtx>,
    conn: Arc<ConnCtl>,
) -> Result<Response<RespBody>, Infallible> {
    let head_mono_ns = mono_ns();
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
    let received = Received::body_done(head_mono_ns);
    let query = Query::parse(parts.uri.query());
    let path = parts.uri.path();
    let resp = match route(&parts, path, &query, body, &received, &ctx, conn).await {
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
    received: &Received,
    ctx: &Arc<ServerCtx>,
    conn: Arc<ConnCtl>,
) -> Result<Response<RespBody>, String> {
    let m = &parts.method;
    let stream_method = *m == Method::GET || *m == Method::POST;
    let rx = received;
    Ok(match path {
        "/events" if stream_method => events(parts, query, Cut::None, rx, ctx)?,
        "/echo" => {
            let (id, mut truth) = ctx.new_stream(rx);
            if let Some(t) = truth.as_mut() {
                t.record(3);
            }
            event_stream(full(echo::render(m.as_str(), &parts.headers, &body)), id)
        }
        "/v1/chat/completions" if *m == Method::POST => {
            llm::handle(llm::Format::Chat, parts, query, &body, rx, ctx).await
        }
        "/v1/completions" if *m == Method::POST => {
            llm::handle(llm::Format::Completions, parts, query, &body, rx, ctx).await
        }
        "/v1/responses" if *m == Method::POST => {
            llm::handle(llm::Format::Responses, parts, query, &body, rx, ctx).await
        }
        "/v1/messages" if *m == Method::POST => {
            llm::handle(llm::Format::Anthropic, parts, query, &body, rx, ctx).await
        }
        "/v1/models" if *m == Method::GET => llm::models::handle(ctx),
        // vLLM's liveness probe; benchmark clients (guidellm) call it first.
        "/health" if *m == Method::GET => text(StatusCode::OK, ""),
        "/fault/endless-line" => {
            let (id, _) = ctx.new_stream(rx);
            event_stream(box_body(EndlessLine::new(query.opt("bytes")?)), id)
        }
        "/fault/stall" => {
            let after = query.num("after", 3)?;
            let hold_ms: u64 = query.num("hold_ms", STALL_HOLD.as_millis() as u64)?;
            let hold = Box::pin(tokio::time::sleep(Duration::from_millis(hold_ms)));
            events(parts, query, Cut::Stall { after, hold }, rx, ctx)?
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
                rx,
                ctx,
            )?
        }
        "/fault/bad-chunked" => {
            let (id, _) = ctx.new_stream(rx);
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
            let (id, _) = ctx.new_stream(rx);
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
    received: &Received,
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
    let (id, truth) = ctx.new_stream(received);
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
POST /v1/chat/completions /v1/completions /v1/responses /v1/messages, GET /v1/models /health\n\
/fault/endless-line /fault/stall?after=N /fault/reset?after=N&reset_ms=MS /fault/bad-chunked\n\
/fault/content-type /fault/trickle /status/CODE?body=TEXT\n";
