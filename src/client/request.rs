//! The request as built once in `Client::start` (URL, method, headers,
//! body), turned into an `http::Request` per attempt; a redirect changes it
//! for the next hop (see `redirect.rs`).

use super::options::Options;
use super::pool::ReqBody;
use super::route::Route;
use crate::error::Error;
use bytes::Bytes;
use http::header::{HeaderName, HeaderValue, ACCEPT, ACCEPT_ENCODING, HOST, USER_AGENT};
use http::{HeaderMap, Method};

const DEFAULT_USER_AGENT: &str = concat!("libsse/", env!("CARGO_PKG_VERSION"));

#[derive(Clone, Debug)]
pub(crate) struct RequestTemplate {
    /// The URL this request goes to, as given (or as a redirect resolved it).
    pub url: String,
    pub method: Method,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl RequestTemplate {
    pub fn from_options(opts: &Options) -> Result<RequestTemplate, Error> {
        let method_str = opts.method.as_deref().unwrap_or("GET");
        let method = Method::from_bytes(method_str.as_bytes()).map_err(|_| {
            Error::invalid(format!("method {method_str:?} is not a valid HTTP method"))
        })?;
        let mut headers = HeaderMap::new();
        for (name, value) in opts.headers.as_ref().map(|h| h.pairs()).unwrap_or_default() {
            let n = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
                Error::invalid(format!("headers: {name:?} is not a valid header name"))
            })?;
            let v = HeaderValue::from_str(&value).map_err(|_| {
                Error::invalid(format!(
                    "headers[{name:?}]: the value contains invalid characters"
                ))
            })?;
            headers.append(n, v);
        }
        if !headers.contains_key(ACCEPT) {
            headers.insert(ACCEPT, HeaderValue::from_static("text/event-stream"));
        }
        if !headers.contains_key(USER_AGENT) {
            headers.insert(USER_AGENT, HeaderValue::from_static(DEFAULT_USER_AGENT));
        }
        if opts.decompress.unwrap_or(true) && !headers.contains_key(ACCEPT_ENCODING) {
            headers.insert(ACCEPT_ENCODING, HeaderValue::from_static("gzip"));
        }
        let body = match (&opts.body, &opts.body_base64) {
            (Some(_), Some(_)) => {
                return Err(Error::invalid(
                    "options: `body` and `body_base64` are exclusive; give one",
                ))
            }
            (Some(text), None) => Bytes::from(text.clone()),
            (None, Some(b64)) => {
                use base64::Engine;
                Bytes::from(
                    base64::engine::general_purpose::STANDARD
                        .decode(b64.trim())
                        .map_err(|e| Error::invalid(format!("body_base64: {e}")))?,
                )
            }
            (None, None) => Bytes::new(),
        };
        Ok(RequestTemplate {
            url: opts.url.clone().unwrap_or_default(),
            method,
            headers,
            body,
        })
    }

    /// Build one attempt. HTTP/2 wants the absolute URI; HTTP/1.1 the
    /// origin form, or the absolute form through a plain-http proxy.
    pub fn build(&self, route: &Route, h2: bool) -> Result<http::Request<ReqBody>, Error> {
        let target = &route.target;
        let via_http_proxy = route.proxy.is_some() && !target.https;
        let uri = if h2 || via_http_proxy {
            target.uri.clone()
        } else {
            let pq = target.uri.path_and_query().map_or("/", |pq| pq.as_str());
            pq.parse::<http::Uri>()
                .map_err(|e| Error::invalid(format!("url path {pq:?}: {e}")))?
        };
        let mut req = http::Request::new(http_body_util::Full::new(self.body.clone()));
        *req.method_mut() = self.method.clone();
        *req.uri_mut() = uri;
        let headers = req.headers_mut();
        *headers = self.headers.clone();
        if h2 {
            // HTTP/2 carries the authority in :authority.
            headers.remove(HOST);
        } else if !headers.contains_key(HOST) {
            let host = HeaderValue::from_str(&target.authority)
                .map_err(|_| Error::invalid("url host is not a valid Host header"))?;
            headers.insert(HOST, host);
        }
        if via_http_proxy {
            if let Some(auth) = route.proxy.as_ref().and_then(|p| p.authorization.as_ref()) {
                if let Ok(v) = HeaderValue::from_str(auth) {
                    headers.insert(http::header::PROXY_AUTHORIZATION, v);
                }
            }
        }
        if h2 {
            *req.version_mut() = http::Version::HTTP_2;
        }
        Ok(req)
    }
}
