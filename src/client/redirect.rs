//! Following redirects while a stream opens, as Go's `net/http` client —
//! and so k6 and xk6-sse — does:
//!
//! - 301, 302, 303: a method other than GET or HEAD becomes GET; the body
//!   and the headers that describe it (`Content-Type`, `Content-Encoding`,
//!   `Content-Language`, `Content-Location`) are dropped, for this hop and
//!   every later one;
//! - 307, 308: method and body are sent again;
//! - any other status, a 3xx without `Location`, or a redirect past
//!   `max_redirects` (default 10, as k6; 0 = follow none): that response is
//!   the answer, and its error message says why it was not followed;
//! - `Authorization`, `Cookie` and the other credentials headers are
//!   dropped once a hop leaves the first request's host and its
//!   subdomains, and stay dropped;
//! - `Referer` is set to the previous URL (none from https to http) unless
//!   the caller set one; a caller's `Host` header survives only relative
//!   `Location`s.
//!
//! Each hop plans its route afresh, so `hosts`, the deny rules, the proxy
//! and TLS apply to the new host. The rest of a 3xx body is read (at most
//! 2 KiB for at most 1 s, as Go reads 2 KiB) so that its HTTP/1.1
//! connection can go back to the pool; otherwise it is closed. Timeouts:
//! `header_timeout_ms` applies to each hop, `total_timeout_ms` to all.

use super::h2bytes;
use super::host_pattern::HostPattern;
use super::options::Options;
use super::pool::{Checkout, Sender};
use super::request::RequestTemplate;
use super::route::{self, Target};
use super::task::{header_has_token, Task};
use crate::error::{Error, ErrorKind};
use bytes::Bytes;
use http::header::{self, HeaderName, HeaderValue};
use http::{HeaderMap, Method, StatusCode};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use std::time::Duration;

/// Redirects followed when the options name no `max_redirects` (k6's default).
pub(crate) const DEFAULT_MAX_REDIRECTS: u64 = 10;
/// How much of a 3xx body is read so its connection can be reused.
const HOP_BODY_MAX: usize = 2 << 10;
/// How long reading it may take before the connection is closed instead.
const HOP_BODY_WAIT: Duration = Duration::from_secs(1);

/// Headers that carry credentials: never sent to another host.
const SENSITIVE: [HeaderName; 6] = [
    header::AUTHORIZATION,
    header::WWW_AUTHENTICATE,
    header::COOKIE,
    HeaderName::from_static("cookie2"),
    header::PROXY_AUTHORIZATION,
    header::PROXY_AUTHENTICATE,
];
/// Headers that describe the body: dropped with it.
const BODY_HEADERS: [HeaderName; 4] = [
    header::CONTENT_TYPE,
    header::CONTENT_ENCODING,
    header::CONTENT_LANGUAGE,
    header::CONTENT_LOCATION,
];

/// A stream's redirect state, from `Client::start` until the answer is in.
pub(crate) struct Redirects {
    /// The stream's options: each hop plans its route from them.
    opts: Options,
    max: u64,
    followed: u64,
    /// Set at the first hop: the first request's host, and whether its
    /// caller set a `Referer`.
    first: Option<(String, bool)>,
    /// Credentials were dropped (they stay dropped, as in Go).
    stripped: bool,
}

/// What to do with a response.
enum Step {
    /// It is the answer; for an unfollowed redirect, why.
    Answer(Option<String>),
    /// The request now describes the next hop.
    Follow,
}

/// The final response of the open phase.
pub(crate) struct Answer {
    pub conn: Checkout,
    pub response: http::Response<Incoming>,
    /// How its wire bytes are counted.
    pub bytes: h2bytes::ExchangeBytes,
    /// Wire bytes (read, written) of the redirect hops before it.
    pub earlier: (u64, u64),
    /// Why a 3xx answer was not followed.
    pub unfollowed: Option<String>,
}

impl Redirects {
    /// `None` when `max_redirects` is 0.
    pub fn new(opts: Options) -> Option<Box<Redirects>> {
        let max = opts.max_redirects.unwrap_or(DEFAULT_MAX_REDIRECTS);
        (max > 0).then(|| {
            Box::new(Redirects {
                opts,
                max,
                followed: 0,
                first: None,
                stripped: false,
            })
        })
    }

    /// Decides on a response to `request` (sent to `target`); to follow
    /// it, rewrites `request` for the next hop.
    fn step(
        &mut self,
        status: StatusCode,
        headers: &HeaderMap,
        request: &mut RequestTemplate,
        target: &Target,
    ) -> Result<Step, Error> {
        let Some(keeps_body) = followed_status(status) else {
            return Ok(Step::Answer(None));
        };
        let Some(location) = headers.get(header::LOCATION) else {
            return Ok(Step::Answer(Some(
                "the response has no Location header".to_string(),
            )));
        };
        if self.followed >= self.max {
            return Ok(Step::Answer(Some(format!(
                "stopped after {} redirects; raise max_redirects to follow more",
                self.max
            ))));
        }
        let url = resolve(&target.uri, location.as_bytes());
        let next = route::parse_target(&url).map_err(|e| {
            Error::new(
                ErrorKind::Protocol,
                format!("redirect from {} to {url:?}: {}", request.url, e.message),
            )
        })?;
        self.followed += 1;
        let (first_host, caller_referer) = self
            .first
            .get_or_insert_with(|| {
                (
                    target.host.clone(),
                    request.headers.contains_key(header::REFERER),
                )
            })
            .clone();
        let headers = &mut request.headers;
        if !keeps_body {
            if request.method != Method::GET && request.method != Method::HEAD {
                request.method = Method::GET;
            }
            request.body = Bytes::new();
            for name in &BODY_HEADERS {
                headers.remove(name);
            }
        }
        if !same_site(&next.host, &first_host) {
            self.stripped = true;
        }
        if self.stripped {
            for name in &SENSITIVE {
                headers.remove(name);
            }
        }
        if is_absolute(location.as_bytes()) {
            headers.remove(header::HOST);
        }
        if !caller_referer {
            if target.https && !next.https {
                headers.remove(header::REFERER);
            } else if let Ok(v) = HeaderValue::from_str(&referer(target)) {
                headers.insert(header::REFERER, v);
            }
        }
        request.url = url;
        Ok(Step::Follow)
    }
}

/// For a status that is followed: whether method and body are kept.
fn followed_status(status: StatusCode) -> Option<bool> {
    match status.as_u16() {
        301..=303 => Some(false),
        307 | 308 => Some(true),
        _ => None,
    }
}

/// `host` is `first` or one of its subdomains (Go's rule for sending
/// credentials on).
fn same_site(host: &str, first: &str) -> bool {
    host == first
        || (!host.contains(':') && HostPattern::parse(&format!("*.{first}")).matches(host))
}

/// The URL a hop came from, without user info, for `Referer`.
fn referer(target: &Target) -> String {
    let scheme = if target.https { "https" } else { "http" };
    let path = target.uri.path_and_query().map_or("/", |pq| pq.as_str());
    format!("{scheme}://{}{path}", target.authority)
}

/// A `Location` with a scheme or an authority (not relative to the host).
fn is_absolute(location: &[u8]) -> bool {
    location.starts_with(b"//") || scheme_len(location).is_some()
}

/// Length of a leading `scheme:`, colon excluded.
fn scheme_len(s: &[u8]) -> Option<usize> {
    let colon = s.iter().position(|&b| b == b':')?;
    let scheme = &s[..colon];
    let valid = scheme.first().is_some_and(u8::is_ascii_alphabetic)
        && scheme
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
    valid.then_some(colon)
}

/// Percent-encodes the bytes a URL may not carry as they are (spaces,
/// controls, non-ASCII, `"<>\^`{|}`), as Go's URL parser does.
fn escape(location: &[u8]) -> String {
    let mut out = String::with_capacity(location.len());
    for &b in location {
        let plain = b.is_ascii_graphic()
            && !matches!(
                b,
                b'"' | b'<' | b'>' | b'\\' | b'^' | b'`' | b'{' | b'|' | b'}'
            );
        if plain {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Resolves a `Location` against the URL it answered (RFC 3986 §5.2). The
/// fragment is dropped: it is never sent.
pub(crate) fn resolve(base: &http::Uri, location: &[u8]) -> String {
    let reference = escape(location);
    let reference = reference.split('#').next().unwrap_or("");
    let base_scheme = base.scheme_str().unwrap_or("http");
    let base_authority = base.authority().map_or("", |a| a.as_str());
    if let Some(n) = scheme_len(reference.as_bytes()) {
        let (scheme, rest) = (&reference[..n], &reference[n + 1..]);
        let (authority, path, query) = split_rest(rest);
        return join(scheme, authority.unwrap_or(""), &remove_dots(path), query);
    }
    let (authority, path, query) = split_rest(reference);
    if let Some(authority) = authority {
        return join(base_scheme, authority, &remove_dots(path), query);
    }
    let base_path = base.path();
    let (path, query) = if path.is_empty() {
        (base_path.to_string(), query.or(base.query()))
    } else if path.starts_with('/') {
        (remove_dots(path), query)
    } else {
        let dir = base_path.rfind('/').map_or("/", |i| &base_path[..=i]);
        (remove_dots(&format!("{dir}{path}")), query)
    };
    join(base_scheme, base_authority, &path, query)
}

/// `//authority/path?query` or `/path?query` → its parts.
fn split_rest(s: &str) -> (Option<&str>, &str, Option<&str>) {
    let (authority, rest) = match s.strip_prefix("//") {
        Some(after) => {
            let end = after.find(['/', '?']).unwrap_or(after.len());
            (Some(&after[..end]), &after[end..])
        }
        None => (None, s),
    };
    match rest.split_once('?') {
        Some((path, query)) => (authority, path, Some(query)),
        None => (authority, rest, None),
    }
}

fn join(scheme: &str, authority: &str, path: &str, query: Option<&str>) -> String {
    let path = if path.is_empty() { "/" } else { path };
    match query {
        Some(q) => format!("{scheme}://{authority}{path}?{q}"),
        None => format!("{scheme}://{authority}{path}"),
    }
}

/// RFC 3986 §5.2.4: removes `.` and `..` segments.
fn remove_dots(path: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    let segments: Vec<&str> = path.split('/').collect();
    for (i, seg) in segments.iter().enumerate() {
        let last = i + 1 == segments.len();
        match *seg {
            "." => {
                if last {
                    out.push("");
                }
            }
            ".." => {
                if out.len() > 1 {
                    out.pop();
                }
                if last {
                    out.push("");
                }
            }
            s => out.push(s),
        }
    }
    let joined = out.join("/");
    if path.starts_with('/') && !joined.starts_with('/') {
        format!("/{joined}")
    } else {
        joined
    }
}

/// Reads a hop's body to its end (up to `HOP_BODY_MAX`), counting each
/// frame in `bytes`; whether it ended.
async fn drain(body: &mut Incoming, bytes: &h2bytes::ExchangeBytes) -> bool {
    let mut read = 0;
    while read <= HOP_BODY_MAX {
        match body.frame().await {
            None => return true,
            Some(Ok(frame)) => {
                let len = frame.data_ref().map_or(0, Bytes::len);
                bytes.data(len);
                read += len;
            }
            Some(Err(_)) => return false,
        }
    }
    false
}

/// Why a 3xx that is the answer was not followed, as the error says it.
pub(crate) fn unfollowed_error(status: u16, reason: &str, why: &str, body: Bytes) -> Error {
    let mut e = Error::http_status(status, reason, body);
    e.message = format!("HTTP {status} {reason}: redirect not followed: {why}");
    e
}

impl Task {
    /// Sends the request, following redirects; returns the answer.
    pub(crate) async fn exchange_following_redirects(&mut self) -> Result<Answer, Error> {
        let mut earlier = (0, 0);
        loop {
            let (conn, (response, base)) = self.exchange().await?;
            // Its request as sent, before `step` rewrites it for the next hop.
            let bytes = h2bytes::ExchangeBytes::new(
                &conn,
                self.request.as_ref(),
                &self.route.target,
                response.headers(),
                base,
            );
            let step = match (self.redirects.as_deref_mut(), self.request.as_mut()) {
                (Some(redirects), Some(request)) => redirects.step(
                    response.status(),
                    response.headers(),
                    request,
                    &self.route.target,
                )?,
                _ => Step::Answer(
                    (followed_status(response.status()).is_some()
                        && response.headers().contains_key(header::LOCATION))
                    .then(|| "max_redirects is 0".to_string()),
                ),
            };
            match step {
                Step::Answer(unfollowed) => {
                    self.redirects = None;
                    return Ok(Answer {
                        conn,
                        response,
                        bytes,
                        earlier,
                        unfollowed,
                    });
                }
                Step::Follow => {
                    let hop = self.end_hop(conn, response, bytes).await;
                    earlier = (earlier.0 + hop.0, earlier.1 + hop.1);
                    self.route = self.next_route()?;
                }
            }
        }
    }

    /// The route of the hop `self.request` now describes.
    fn next_route(&self) -> Result<route::Route, Error> {
        let (Some(redirects), Some(request)) = (self.redirects.as_deref(), self.request.as_ref())
        else {
            return Err(Error::new(
                ErrorKind::Io,
                "internal error: a redirect without its request",
            ));
        };
        route::plan_url(&redirects.opts, &request.url, |t, v| {
            self.client.tls_config(t, v)
        })
        .map_err(|mut e| {
            e.message = format!("redirect to {}: {}", request.url, e.message);
            e
        })
    }

    /// Ends a redirect hop: reads the rest of its body so an HTTP/1.1
    /// connection can go back to the pool (else it is closed); returns the
    /// hop's wire bytes (read, written), counted as `bytes` says.
    async fn end_hop(
        &self,
        conn: Checkout,
        response: http::Response<Incoming>,
        bytes: h2bytes::ExchangeBytes,
    ) -> (u64, u64) {
        let keep_alive = !header_has_token(response.headers(), "close");
        let mut body = response.into_body();
        let ended = tokio::time::timeout(HOP_BODY_WAIT, drain(&mut body, &bytes))
            .await
            .unwrap_or(false);
        drop(body);
        let Checkout {
            sender,
            counters,
            slot,
        } = conn;
        let bytes = bytes.so_far(&counters);
        drop(slot);
        if let Sender::H1(sender) = sender {
            if ended && keep_alive && self.settings.reuse {
                self.client.pool.put_h1(&self.route.key, sender, counters);
            }
        }
        bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn location_resolution_table() {
        let base: http::Uri = "http://a.example/b/c/d;p?q".parse().unwrap();
        // RFC 3986 §5.4 examples (fragments dropped), plus redirect cases.
        let rows: &[(&str, &str)] = &[
            ("g", "http://a.example/b/c/g"),
            ("./g", "http://a.example/b/c/g"),
            ("g/", "http://a.example/b/c/g/"),
            ("/g", "http://a.example/g"),
            ("//g", "http://g/"),
            ("?y", "http://a.example/b/c/d;p?y"),
            ("g?y", "http://a.example/b/c/g?y"),
            ("#s", "http://a.example/b/c/d;p?q"),
            ("g#s", "http://a.example/b/c/g"),
            ("", "http://a.example/b/c/d;p?q"),
            (".", "http://a.example/b/c/"),
            ("..", "http://a.example/b/"),
            ("../g", "http://a.example/b/g"),
            ("../..", "http://a.example/"),
            ("../../../g", "http://a.example/g"),
            ("/./g", "http://a.example/g"),
            ("g/../h", "http://a.example/b/c/h"),
            (
                "https://b.example:8443/x?y=1",
                "https://b.example:8443/x?y=1",
            ),
            ("HTTPS://b.example", "HTTPS://b.example/"),
            ("//c.example:81/z", "http://c.example:81/z"),
            ("/a b/é", "http://a.example/a%20b/%C3%A9"),
        ];
        for &(location, want) in rows {
            assert_eq!(resolve(&base, location.as_bytes()), want, "{location:?}");
        }
    }

    #[test]
    fn only_301_302_303_307_308_are_followed() {
        for (code, keeps) in [(301, Some(false)), (302, Some(false)), (303, Some(false))] {
            assert_eq!(followed_status(StatusCode::from_u16(code).unwrap()), keeps);
        }
        for code in [307, 308] {
            assert_eq!(
                followed_status(StatusCode::from_u16(code).unwrap()),
                Some(true)
            );
        }
        for code in [200, 300, 304, 305, 306, 400] {
            assert_eq!(followed_status(StatusCode::from_u16(code).unwrap()), None);
        }
    }

    #[test]
    fn credentials_go_to_the_same_host_and_its_subdomains_only() {
        assert!(same_site("api.example.com", "api.example.com"));
        assert!(same_site("v1.api.example.com", "api.example.com"));
        assert!(!same_site("example.com", "api.example.com"));
        assert!(!same_site("evilapi.example.com", "api.example.com"));
        assert!(!same_site("::1", "1"));
    }

    fn template(method: &str, headers: &[(&str, &str)], body: &str) -> RequestTemplate {
        let mut opts = Options::url("https://api.example.com/v1/stream");
        opts.method = Some(method.into());
        opts.body = Some(body.into());
        opts.headers = Some(super::super::options::HeadersJson::List(
            headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
        ));
        RequestTemplate::from_options(&opts).unwrap()
    }

    fn hop(
        r: &mut Redirects,
        req: &mut RequestTemplate,
        code: u16,
        location: &str,
    ) -> Result<Step, Error> {
        let target = route::parse_target(&req.url).unwrap();
        let mut h = HeaderMap::new();
        h.insert(header::LOCATION, HeaderValue::from_str(location).unwrap());
        r.step(StatusCode::from_u16(code).unwrap(), &h, req, &target)
    }

    /// A hop that must be followed.
    fn follow(r: &mut Redirects, req: &mut RequestTemplate, code: u16, location: &str) {
        match hop(r, req, code, location) {
            Ok(Step::Follow) => {}
            Ok(Step::Answer(why)) => panic!("{code} to {location} not followed: {why:?}"),
            Err(e) => panic!("{code} to {location}: {e}"),
        }
    }

    #[test]
    fn a_303_turns_post_into_get_without_body_and_a_307_keeps_them() {
        let headers = [("Content-Type", "application/json"), ("X-Keep", "1")];
        let mut req = template("POST", &headers, "{}");
        let mut r = Redirects::new(Options::default()).unwrap();
        follow(&mut r, &mut req, 307, "/v2/stream");
        assert_eq!(req.method, Method::POST);
        assert_eq!(&req.body[..], b"{}");
        assert!(req.headers.contains_key(header::CONTENT_TYPE));
        follow(&mut r, &mut req, 303, "/v3/stream");
        assert_eq!(req.url, "https://api.example.com/v3/stream");
        assert_eq!(req.method, Method::GET);
        assert!(req.body.is_empty());
        assert!(!req.headers.contains_key(header::CONTENT_TYPE));
        assert_eq!(req.headers["x-keep"], "1");
        // Once dropped, the body is not sent again by a later 308.
        follow(&mut r, &mut req, 308, "/v4");
        assert!(req.body.is_empty());
        // PUT on a 301 becomes GET too (Go's rule); HEAD stays HEAD.
        let mut put = template("PUT", &[], "x");
        follow(&mut r, &mut put, 301, "/p");
        assert_eq!(put.method, Method::GET);
        let mut head = template("HEAD", &[], "");
        follow(&mut r, &mut head, 302, "/h");
        assert_eq!(head.method, Method::HEAD);
    }

    #[test]
    fn credentials_are_dropped_when_the_host_changes_and_stay_dropped() {
        let headers = [
            ("Authorization", "Bearer t"),
            ("Cookie", "a=1"),
            ("X-Other", "o"),
        ];
        let mut req = template("GET", &headers, "");
        let mut r = Redirects::new(Options::default()).unwrap();
        follow(&mut r, &mut req, 302, "https://v1.api.example.com:8443/x");
        assert_eq!(
            req.headers["authorization"], "Bearer t",
            "a subdomain keeps them"
        );
        follow(&mut r, &mut req, 302, "https://other.example.net/x");
        assert!(!req.headers.contains_key(header::AUTHORIZATION));
        assert!(!req.headers.contains_key(header::COOKIE));
        assert_eq!(req.headers["x-other"], "o");
        follow(&mut r, &mut req, 302, "https://api.example.com/back");
        assert!(
            !req.headers.contains_key(header::AUTHORIZATION),
            "stays dropped"
        );
    }

    #[test]
    fn referer_is_the_previous_url_except_from_https_to_http_or_when_set() {
        let mut req = template("GET", &[], "");
        let mut r = Redirects::new(Options::default()).unwrap();
        follow(&mut r, &mut req, 302, "/next?a=1");
        assert_eq!(req.headers["referer"], "https://api.example.com/v1/stream");
        follow(&mut r, &mut req, 302, "http://plain.example/");
        assert!(!req.headers.contains_key(header::REFERER));
        let mut own = template("GET", &[("Referer", "mine")], "");
        let mut r = Redirects::new(Options::default()).unwrap();
        follow(&mut r, &mut own, 302, "/x");
        assert_eq!(own.headers["referer"], "mine");
    }

    #[test]
    fn a_caller_host_header_survives_relative_locations_only() {
        let mut req = template("GET", &[("Host", "virtual.example")], "");
        let mut r = Redirects::new(Options::default()).unwrap();
        follow(&mut r, &mut req, 302, "/rel");
        assert_eq!(req.headers["host"], "virtual.example");
        follow(&mut r, &mut req, 302, "https://api.example.com/abs");
        assert!(!req.headers.contains_key(header::HOST));
    }

    #[test]
    fn max_redirects_missing_location_and_bad_targets() {
        let mut r = Redirects::new(Options {
            max_redirects: Some(2),
            ..Options::default()
        })
        .unwrap();
        let mut req = template("GET", &[], "");
        follow(&mut r, &mut req, 302, "/1");
        follow(&mut r, &mut req, 302, "/2");
        match hop(&mut r, &mut req, 302, "/3") {
            Ok(Step::Answer(Some(why))) => assert!(why.contains("stopped after 2"), "{why}"),
            _ => panic!("the third redirect must be the answer"),
        }
        let target = route::parse_target(&req.url).unwrap();
        let no_location = r.step(StatusCode::FOUND, &HeaderMap::new(), &mut req, &target);
        assert!(matches!(no_location, Ok(Step::Answer(Some(ref why))) if why.contains("Location")));
        let mut r = Redirects::new(Options::default()).unwrap();
        let e = hop(&mut r, &mut req, 302, "ftp://files.example/x")
            .err()
            .unwrap();
        assert_eq!(e.kind, ErrorKind::Protocol);
        assert!(e.message.contains("ftp://files.example/x"), "{}", e.message);
        assert!(Redirects::new(Options {
            max_redirects: Some(0),
            ..Options::default()
        })
        .is_none());
    }
}
