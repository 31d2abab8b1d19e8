//! The `reconnect` option: after a clean end or a connection failure, wait
//! the stream's `retry` (capped, plus jitter), then open a new connection
//! that sends `Last-Event-ID`, as browsers do for `EventSource`. The
//! consumer learns of each step from notices queued in order among the
//! events (`notice.rs`).
//!
//! What stops it, as in browsers: a non-2xx answer, a 204, a 2xx without
//! `text/event-stream`, an error no retry can fix (a parser cap, a deny
//! rule), `total_timeout_ms` (which bounds the whole stream), cancel (which
//! aborts the task, a wait included) and, beyond browsers, `max_attempts`
//! failed attempts in a row.

use super::notice::{Notice, NoticeKind};
use super::options::Options;
use super::options::ReconnectSetting;
use super::queue::Outbox;
use super::redirect::Redirects;
use super::request::RequestTemplate;
use super::response::Response;
use super::route;
use super::task::Task;
use crate::error::{Error, ErrorKind};
use crate::parser::{Parser, Text};
use crate::timing::now_ns;
use http::header::{HeaderName, HeaderValue};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

/// The wait before an attempt while the stream has sent no `retry` (about
/// what browsers use).
pub(crate) const DEFAULT_RETRY_MS: u64 = 3_000;
/// The longest wait, whatever the stream's `retry` says.
pub(crate) const DEFAULT_MAX_RETRY_MS: u64 = 60_000;

/// The option's values with defaults applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Policy {
    /// Failed attempts in a row before giving up; `None` = never give up.
    pub max_attempts: Option<u64>,
    pub default_retry_ms: u64,
    pub max_retry_ms: u64,
    pub jitter_ms: u64,
}

impl Policy {
    /// `None` unless the option asks for reconnects.
    pub fn from_setting(setting: Option<&ReconnectSetting>) -> Option<Policy> {
        match setting? {
            ReconnectSetting::Off => None,
            ReconnectSetting::On(o) => Some(Policy {
                max_attempts: o.max_attempts,
                default_retry_ms: o.default_retry_ms.unwrap_or(DEFAULT_RETRY_MS),
                max_retry_ms: o.max_retry_ms.unwrap_or(DEFAULT_MAX_RETRY_MS),
                jitter_ms: o.jitter_ms.unwrap_or(0),
            }),
        }
    }

    /// The wait before the next attempt: the stream's last `retry` (else
    /// the default), capped, plus up to `jitter_ms`.
    fn wait(&self, retry_ms: Option<u64>, rng: &mut u64) -> Duration {
        let base = retry_ms
            .unwrap_or(self.default_retry_ms)
            .min(self.max_retry_ms);
        let jitter = match self.jitter_ms {
            0 => 0,
            j => splitmix64(rng) % (j + 1),
        };
        Duration::from_millis(base.saturating_add(jitter))
    }

    fn gives_up_before(&self, attempt: u32) -> bool {
        self.max_attempts.is_some_and(|m| u64::from(attempt) > m)
    }
}

/// A failure another attempt may fix: the network, the server going away,
/// one attempt's timeout. Not: the answer (status, content type), the
/// request or a deny rule (the same again), a parser cap (the same event
/// again), the total timeout, cancel, a bug.
pub(crate) fn retryable(kind: ErrorKind) -> bool {
    matches!(
        kind,
        ErrorKind::Dns
            | ErrorKind::Connect
            | ErrorKind::Tls
            | ErrorKind::ConnectTimeout
            | ErrorKind::HeaderTimeout
            | ErrorKind::IdleTimeout
            | ErrorKind::Protocol
            | ErrorKind::Io
    )
}

/// A time without a connection.
struct Outage {
    /// When it began (`now_ns`).
    since_ns: u64,
    /// What began it (`None`: the server ended the stream cleanly).
    cause: Option<Error>,
    /// The attempt being made, from 1.
    attempt: u32,
    /// The `Last-Event-ID` that attempt sends.
    last_event_id: Text,
}

/// The policy and what the loop carries from one connection to the next.
pub(crate) struct Reconnect {
    policy: Policy,
    /// Set while no connection is open after a loss; `drive` announces the
    /// next open with a `Reconnected` notice.
    outage: Option<Outage>,
    /// Bytes read and written by the connections before the current one.
    pub carried: (u64, u64),
    rng: u64,
    /// The request as given and its options: each attempt starts from
    /// them, following redirects afresh (as browsers reconnect to the
    /// `EventSource`'s URL).
    origin: (RequestTemplate, Options),
    /// The request's own `Last-Event-ID`, sent until the stream sets an ID.
    own_last_event_id: Option<HeaderValue>,
    /// The stream has set an ID: from then on the header follows it (an
    /// ID set back to empty sends none, as in browsers).
    ids_seen: bool,
}

impl Reconnect {
    pub fn new(
        policy: Policy,
        seed: u64,
        request: &RequestTemplate,
        opts: &Options,
    ) -> Box<Reconnect> {
        Box::new(Reconnect {
            policy,
            outage: None,
            carried: (0, 0),
            rng: seed,
            origin: (request.clone(), opts.clone()),
            own_last_event_id: request.headers.get(LAST_EVENT_ID).cloned(),
            ids_seen: false,
        })
    }
}

/// A small, good-enough generator for jitter (no crate for this).
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

const LAST_EVENT_ID: HeaderName = HeaderName::from_static("last-event-id");

impl Task {
    /// Connections one after another until one ends the stream for good.
    pub(super) async fn drive_reconnecting(&mut self, parser: &mut Parser) -> Result<(), Error> {
        loop {
            let lost = match self.drive(parser).await {
                Ok(end) => {
                    let again = end.may_reconnect;
                    self.put_back(end);
                    if !again {
                        return Ok(());
                    }
                    None
                }
                Err(e) if retryable(e.kind) => Some(e),
                Err(e) => return Err(e),
            };
            // Drop what the connection left half-parsed; the last event ID
            // and `retry` stay.
            let _ = parser.finish(|_| {});
            let t = &self.shared.timings;
            let carried = (
                t.bytes_read.load(Ordering::Relaxed),
                t.bytes_written.load(Ordering::Relaxed),
            );
            let sent = self.prepare_attempt(parser.last_event_id_text())?;
            let Some(rc) = self.reconnect.as_mut() else {
                return lost.map_or(Ok(()), Err);
            };
            rc.carried = carried;
            let now = now_ns();
            let (since_ns, cause, attempt) = match rc.outage.take() {
                // The connection had opened: a new outage.
                None => (now, lost.clone(), 1),
                Some(o) => (o.since_ns, o.cause, o.attempt.saturating_add(1)),
            };
            if rc.policy.gives_up_before(attempt) {
                let e = lost.unwrap_or_else(|| Error::new(ErrorKind::Io, "the connection ended"));
                return Err(Error {
                    message: format!(
                        "{} (gave up after {} reconnect attempts in a row)",
                        e.message,
                        attempt - 1
                    ),
                    ..e
                });
            }
            let wait = rc.policy.wait(parser.reconnection_time(), &mut rc.rng);
            rc.outage = Some(Outage {
                since_ns,
                cause,
                attempt,
                last_event_id: sent.clone(),
            });
            let mut out = Outbox::default();
            out.add_notice(Notice {
                kind: NoticeKind::Reconnecting,
                reason: lost,
                attempt,
                wait,
                since_ns,
                at_ns: now,
                last_event_id: sent,
                response: None,
            });
            out.flush(&self.shared).await?;
            // A zero wait goes at once (a timer would round it up to its
            // next tick, about a millisecond).
            if !wait.is_zero() {
                tokio::time::sleep(wait).await;
            }
        }
    }

    /// The next attempt: the request as given (redirects are followed
    /// afresh), carrying the last event ID (until the stream sets one: the
    /// request's own `Last-Event-ID`, if it had one), which is returned;
    /// the timings of the previous connection are cleared.
    fn prepare_attempt(&mut self, last_event_id: &Text) -> Result<Text, Error> {
        let Some(rc) = self.reconnect.as_mut() else {
            return Err(Error::new(
                ErrorKind::Internal,
                "internal error: a reconnect without its settings",
            ));
        };
        rc.ids_seen |= !last_event_id.is_empty();
        let own = (!rc.ids_seen)
            .then(|| rc.own_last_event_id.clone())
            .flatten();
        let (first, opts) = &rc.origin;
        let redirected = self.request.as_ref().is_none_or(|r| r.url != first.url);
        if redirected {
            self.route = route::plan(opts, |t, v| self.client.tls_config(t, v))?;
        }
        self.redirects = Redirects::new(opts.clone());
        let request = self.request.insert(first.clone());
        // An ID is valid UTF-8 without NUL, CR or LF; one with another
        // control character cannot go in a header (browsers' fetch refuses
        // it too): then no header is sent.
        let value = if last_event_id.is_empty() {
            own
        } else {
            HeaderValue::from_bytes(last_event_id.as_bytes()).ok()
        };
        let sent = match value {
            Some(v) => {
                let text = Text::from(String::from_utf8_lossy(v.as_bytes()).into_owned());
                request.headers.insert(LAST_EVENT_ID, v);
                text
            }
            None => {
                request.headers.remove(LAST_EVENT_ID);
                Text::new()
            }
        };
        self.shared.timings.clear_connection();
        Ok(sent)
    }

    /// Browsers' rules for a 2xx answer to a reconnecting stream: `true`
    /// for a 204 (the stream ends without reconnecting), `Err` when it is
    /// not `text/event-stream`.
    pub(super) fn no_content(
        &self,
        status: http::StatusCode,
        resp: &Response,
    ) -> Result<bool, Error> {
        if status == http::StatusCode::NO_CONTENT {
            return Ok(true);
        }
        if !resp.is_event_stream {
            let got = resp.header("content-type").unwrap_or("none");
            return Err(Error::new(
                ErrorKind::ContentType,
                format!(
                    "the answer's Content-Type is {got:?}, not text/event-stream: \
                     a reconnecting stream stops on it, as browsers do"
                ),
            ));
        }
        Ok(false)
    }

    /// A connection opened: after an outage, tell the consumer with a
    /// `Reconnected` notice before the connection's events.
    pub(super) async fn announce(&mut self, resp: Arc<Response>) -> Result<(), Error> {
        let Some(outage) = self.reconnect.as_mut().and_then(|rc| rc.outage.take()) else {
            return Ok(());
        };
        let mut out = Outbox::default();
        out.add_notice(Notice {
            kind: NoticeKind::Reconnected,
            reason: outage.cause,
            attempt: outage.attempt,
            wait: Duration::ZERO,
            since_ns: outage.since_ns,
            at_ns: self.shared.timings.headers.load(Ordering::Relaxed),
            last_event_id: outage.last_event_id,
            response: Some(resp),
        });
        out.flush(&self.shared).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::options::ReconnectOptions;

    fn policy(json: &str) -> Option<Policy> {
        let o = crate::client::Options::from_json(json.as_bytes()).unwrap();
        Policy::from_setting(o.reconnect.as_ref())
    }

    #[test]
    fn defaults_and_off() {
        assert_eq!(policy("{}"), None);
        assert_eq!(policy(r#"{"reconnect":false}"#), None);
        assert_eq!(
            policy(r#"{"reconnect":true}"#),
            Some(Policy {
                max_attempts: None,
                default_retry_ms: DEFAULT_RETRY_MS,
                max_retry_ms: DEFAULT_MAX_RETRY_MS,
                jitter_ms: 0,
            })
        );
        let on = ReconnectSetting::On(ReconnectOptions {
            max_attempts: Some(2),
            ..ReconnectOptions::default()
        });
        let p = Policy::from_setting(Some(&on)).unwrap();
        assert!(!p.gives_up_before(2));
        assert!(p.gives_up_before(3));
    }

    #[test]
    fn wait_is_retry_capped_plus_jitter() {
        let p = policy(r#"{"reconnect":{"default_retry_ms":50,"max_retry_ms":200}}"#).unwrap();
        let mut rng = 1;
        assert_eq!(p.wait(None, &mut rng), Duration::from_millis(50));
        assert_eq!(p.wait(Some(120), &mut rng), Duration::from_millis(120));
        assert_eq!(p.wait(Some(5_000), &mut rng), Duration::from_millis(200));
        let j = policy(r#"{"reconnect":{"default_retry_ms":100,"jitter_ms":10}}"#).unwrap();
        let waits: Vec<u128> = (0..200)
            .map(|_| j.wait(None, &mut rng).as_millis())
            .collect();
        assert!(waits.iter().all(|w| (100..=110).contains(w)), "{waits:?}");
        // Spread out: not all the same.
        assert!(waits.iter().any(|&w| w != waits[0]), "{waits:?}");
    }

    #[test]
    fn only_network_failures_are_retried() {
        for kind in [ErrorKind::Connect, ErrorKind::Io, ErrorKind::IdleTimeout] {
            assert!(retryable(kind), "{kind:?}");
        }
        for kind in [
            ErrorKind::HttpStatus,
            ErrorKind::ContentType,
            ErrorKind::LimitExceeded,
            ErrorKind::TotalTimeout,
            ErrorKind::Cancelled,
            ErrorKind::Denied,
            ErrorKind::InvalidRequest,
            ErrorKind::Internal,
        ] {
            assert!(!retryable(kind), "{kind:?}");
        }
    }
}
