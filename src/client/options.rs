//! `Options`: the JSON schema shared by client defaults and requests.
//!
//! Every key is optional here; a request's options are merged over the
//! client's key by key (`headers`, `hosts` and `tls` merge entry by entry,
//! the request winning; deny lists are joined). Unknown keys and ill-typed
//! values are rejected with a message naming the key.

use crate::error::Error;
use serde::de::{self, Deserializer};
use serde::Deserialize;
use std::collections::BTreeMap;

/// A header value as JSON: one string or several.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum HeaderValues {
    One(String),
    Many(Vec<String>),
}

/// Headers as JSON: `{name: value | [values]}` or `[[name, value], …]`.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum HeadersJson {
    Map(BTreeMap<String, HeaderValues>),
    List(Vec<(String, String)>),
}

impl HeadersJson {
    /// Flatten to ordered `(name, value)` pairs.
    pub fn pairs(&self) -> Vec<(String, String)> {
        match self {
            HeadersJson::List(l) => l.clone(),
            HeadersJson::Map(m) => {
                let mut out = Vec::new();
                for (k, v) in m {
                    match v {
                        HeaderValues::One(s) => out.push((k.clone(), s.clone())),
                        HeaderValues::Many(vs) => {
                            out.extend(vs.iter().map(|s| (k.clone(), s.clone())))
                        }
                    }
                }
                out
            }
        }
    }
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq, Hash, Default)]
#[serde(rename_all = "lowercase")]
pub enum HttpVersionPref {
    /// ALPN over TLS, HTTP/1.1 in clear.
    #[default]
    Auto,
    Http1,
    Http2,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TlsVersion {
    #[serde(rename = "1.2")]
    V1_2,
    #[serde(rename = "1.3")]
    V1_3,
}

/// The `tls` object.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq, Hash)]
#[serde(deny_unknown_fields)]
pub struct TlsOptions {
    pub ca_pem: Option<String>,
    pub client_cert_pem: Option<String>,
    pub client_key_pem: Option<String>,
    pub insecure_skip_verify: Option<bool>,
    pub min_version: Option<TlsVersion>,
    pub max_version: Option<TlsVersion>,
    pub server_name: Option<String>,
}

impl TlsOptions {
    fn merged_over(&self, base: &TlsOptions) -> TlsOptions {
        TlsOptions {
            ca_pem: self.ca_pem.clone().or_else(|| base.ca_pem.clone()),
            client_cert_pem: self
                .client_cert_pem
                .clone()
                .or_else(|| base.client_cert_pem.clone()),
            client_key_pem: self
                .client_key_pem
                .clone()
                .or_else(|| base.client_key_pem.clone()),
            insecure_skip_verify: self.insecure_skip_verify.or(base.insecure_skip_verify),
            min_version: self.min_version.or(base.min_version),
            max_version: self.max_version.or(base.max_version),
            server_name: self
                .server_name
                .clone()
                .or_else(|| base.server_name.clone()),
        }
    }
}

/// `proxy`: absent = from the environment, `null` = none, string = that proxy.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum ProxySetting {
    #[default]
    FromEnv,
    None,
    Url(String),
}

fn proxy_setting<'de, D: Deserializer<'de>>(d: D) -> Result<Option<ProxySetting>, D::Error> {
    let v: Option<String> = Option::deserialize(d)?;
    Ok(Some(match v {
        None => ProxySetting::None,
        Some(s) => ProxySetting::Url(s),
    }))
}

/// `reconnect`: `true` (every default), `false` (off, overriding a client
/// default) or an object of [`ReconnectOptions`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReconnectSetting {
    Off,
    On(ReconnectOptions),
}

/// The `reconnect` object; every field optional (defaults in
/// `client/reconnect.rs`).
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ReconnectOptions {
    /// Failed attempts in a row before the stream fails; none = no limit.
    #[serde(default, deserialize_with = "positive_u64")]
    pub max_attempts: Option<u64>,
    /// The wait before an attempt until the stream sends `retry`.
    pub default_retry_ms: Option<u64>,
    /// The longest wait, whatever the stream's `retry` says.
    pub max_retry_ms: Option<u64>,
    /// Each wait is lengthened by a random amount up to this.
    pub jitter_ms: Option<u64>,
}

impl ReconnectOptions {
    fn merged_over(&self, base: &ReconnectOptions) -> ReconnectOptions {
        ReconnectOptions {
            max_attempts: self.max_attempts.or(base.max_attempts),
            default_retry_ms: self.default_retry_ms.or(base.default_retry_ms),
            max_retry_ms: self.max_retry_ms.or(base.max_retry_ms),
            jitter_ms: self.jitter_ms.or(base.jitter_ms),
        }
    }
}

fn reconnect_setting<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<ReconnectSetting>, D::Error> {
    match serde_json::Value::deserialize(d)? {
        serde_json::Value::Bool(false) => Ok(Some(ReconnectSetting::Off)),
        serde_json::Value::Bool(true) => {
            Ok(Some(ReconnectSetting::On(ReconnectOptions::default())))
        }
        v @ serde_json::Value::Object(_) => serde_json::from_value(v)
            .map(|o| Some(ReconnectSetting::On(o)))
            .map_err(|e| de::Error::custom(format!("key `reconnect`: {e}"))),
        _ => Err(de::Error::custom(
            "key `reconnect` must be true, false or an object",
        )),
    }
}

fn positive_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    let v = u64::deserialize(d)?;
    if v == 0 {
        return Err(de::Error::custom("must be a positive integer"));
    }
    Ok(Some(v))
}

/// serde's message for an ill-typed value gives a line and column, not the
/// key: find the key by checking each top-level entry on its own.
fn describe_error(json: &[u8], err: &serde_json::Error) -> String {
    if let Ok(serde_json::Value::Object(map)) = serde_json::from_slice::<serde_json::Value>(json) {
        for (key, value) in map {
            let mut one = serde_json::Map::new();
            one.insert(key.clone(), value);
            if let Err(e) = serde_json::from_value::<Options>(serde_json::Value::Object(one)) {
                let msg = e.to_string();
                if msg.contains(&format!("`{key}`")) {
                    return format!("options: {msg}");
                }
                return format!("options: key `{key}`: {msg}");
            }
        }
    } else if serde_json::from_slice::<serde_json::Value>(json).is_ok() {
        return "options: must be a JSON object".to_string();
    }
    format!("options: {err}")
}

/// Client defaults or request options (see docs/architecture.md for the table).
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Options {
    pub url: Option<String>,
    pub method: Option<String>,
    pub headers: Option<HeadersJson>,
    pub body: Option<String>,
    pub body_base64: Option<String>,
    #[serde(default, deserialize_with = "positive_u64")]
    pub connect_timeout_ms: Option<u64>,
    #[serde(default, deserialize_with = "positive_u64")]
    pub header_timeout_ms: Option<u64>,
    #[serde(default, deserialize_with = "positive_u64")]
    pub idle_timeout_ms: Option<u64>,
    #[serde(default, deserialize_with = "positive_u64")]
    pub total_timeout_ms: Option<u64>,
    pub http_version: Option<HttpVersionPref>,
    pub tls: Option<TlsOptions>,
    pub hosts: Option<BTreeMap<String, String>>,
    pub deny_ips: Option<Vec<String>>,
    pub deny_hosts: Option<Vec<String>>,
    #[serde(default, deserialize_with = "proxy_setting")]
    pub proxy: Option<ProxySetting>,
    pub no_connection_reuse: Option<bool>,
    pub decompress: Option<bool>,
    #[serde(default, deserialize_with = "positive_u64")]
    pub max_line_bytes: Option<u64>,
    #[serde(default, deserialize_with = "positive_u64")]
    pub max_event_bytes: Option<u64>,
    #[serde(default, deserialize_with = "positive_u64")]
    pub queue_capacity: Option<u64>,
    pub error_body_bytes: Option<u64>,
    /// Redirects followed before a 3xx is the answer; 0 = none.
    pub max_redirects: Option<u64>,
    /// Reconnect after the stream ends or its connection fails.
    #[serde(default, deserialize_with = "reconnect_setting")]
    pub reconnect: Option<ReconnectSetting>,
}

impl Options {
    /// Parse JSON; the error names the offending key (serde's message does).
    pub fn from_json(json: &[u8]) -> Result<Options, Error> {
        if json.iter().all(|b| b.is_ascii_whitespace()) {
            return Ok(Options::default());
        }
        serde_json::from_slice(json).map_err(|e| Error::invalid(describe_error(json, &e)))
    }

    /// Options with only `url` set: handy for Rust callers and tests.
    pub fn url(url: impl Into<String>) -> Options {
        Options {
            url: Some(url.into()),
            ..Options::default()
        }
    }

    /// `self` (a request) over `base` (client defaults).
    pub fn merged_over(&self, base: &Options) -> Options {
        fn pick<T: Clone>(a: &Option<T>, b: &Option<T>) -> Option<T> {
            a.clone().or_else(|| b.clone())
        }
        let headers = match (&base.headers, &self.headers) {
            (Some(b), Some(r)) => {
                let req = r.pairs();
                let mut out: Vec<(String, String)> = b
                    .pairs()
                    .into_iter()
                    .filter(|(n, _)| !req.iter().any(|(rn, _)| rn.eq_ignore_ascii_case(n)))
                    .collect();
                out.extend(req);
                Some(HeadersJson::List(out))
            }
            (b, r) => pick(r, b),
        };
        let hosts = match (&base.hosts, &self.hosts) {
            (Some(b), Some(r)) => {
                let mut m = b.clone();
                m.extend(r.iter().map(|(k, v)| (k.clone(), v.clone())));
                Some(m)
            }
            (b, r) => pick(r, b),
        };
        let join = |b: &Option<Vec<String>>, r: &Option<Vec<String>>| match (b, r) {
            (Some(b), Some(r)) => Some(b.iter().chain(r.iter()).cloned().collect()),
            (b, r) => pick(r, b),
        };
        let tls = match (&base.tls, &self.tls) {
            (Some(b), Some(r)) => Some(r.merged_over(b)),
            (b, r) => pick(r, b),
        };
        // `body` and `body_base64` are one setting: a request giving either
        // replaces the client's.
        let (body, body_base64) = if self.body.is_some() || self.body_base64.is_some() {
            (self.body.clone(), self.body_base64.clone())
        } else {
            (base.body.clone(), base.body_base64.clone())
        };
        // Two objects merge field by field (the request winning); `false`
        // or `true` replaces what the client has.
        let reconnect = match (&base.reconnect, &self.reconnect) {
            (Some(ReconnectSetting::On(b)), Some(ReconnectSetting::On(r))) => {
                Some(ReconnectSetting::On(r.merged_over(b)))
            }
            (b, r) => pick(r, b),
        };
        Options {
            url: pick(&self.url, &base.url),
            method: pick(&self.method, &base.method),
            headers,
            body,
            body_base64,
            connect_timeout_ms: pick(&self.connect_timeout_ms, &base.connect_timeout_ms),
            header_timeout_ms: pick(&self.header_timeout_ms, &base.header_timeout_ms),
            idle_timeout_ms: pick(&self.idle_timeout_ms, &base.idle_timeout_ms),
            total_timeout_ms: pick(&self.total_timeout_ms, &base.total_timeout_ms),
            http_version: pick(&self.http_version, &base.http_version),
            tls,
            hosts,
            deny_ips: join(&base.deny_ips, &self.deny_ips),
            deny_hosts: join(&base.deny_hosts, &self.deny_hosts),
            proxy: pick(&self.proxy, &base.proxy),
            no_connection_reuse: pick(&self.no_connection_reuse, &base.no_connection_reuse),
            decompress: pick(&self.decompress, &base.decompress),
            max_line_bytes: pick(&self.max_line_bytes, &base.max_line_bytes),
            max_event_bytes: pick(&self.max_event_bytes, &base.max_event_bytes),
            queue_capacity: pick(&self.queue_capacity, &base.queue_capacity),
            error_body_bytes: pick(&self.error_body_bytes, &base.error_body_bytes),
            max_redirects: pick(&self.max_redirects, &base.max_redirects),
            reconnect,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_key_is_named() {
        let e = Options::from_json(br#"{"url":"http://x","bogus":1}"#).unwrap_err();
        assert!(e.message.contains("bogus"), "{}", e.message);
    }

    #[test]
    fn ill_typed_value_is_named() {
        let e = Options::from_json(br#"{"idle_timeout_ms":"soon"}"#).unwrap_err();
        assert!(e.message.contains("idle_timeout_ms"), "{}", e.message);
    }

    #[test]
    fn proxy_null_differs_from_absent() {
        let a = Options::from_json(br#"{"proxy":null}"#).unwrap();
        assert_eq!(a.proxy, Some(ProxySetting::None));
        let b = Options::from_json(br#"{}"#).unwrap();
        assert_eq!(b.proxy, None);
    }

    #[test]
    fn reconnect_forms() {
        let on = Options::from_json(br#"{"reconnect":true}"#).unwrap();
        assert_eq!(
            on.reconnect,
            Some(ReconnectSetting::On(ReconnectOptions::default()))
        );
        let off = Options::from_json(br#"{"reconnect":false}"#).unwrap();
        assert_eq!(off.reconnect, Some(ReconnectSetting::Off));
        let some = Options::from_json(br#"{"reconnect":{"max_attempts":3,"jitter_ms":10}}"#)
            .unwrap()
            .reconnect;
        let Some(ReconnectSetting::On(o)) = some else {
            panic!("{some:?}")
        };
        assert_eq!(
            (o.max_attempts, o.jitter_ms, o.max_retry_ms),
            (Some(3), Some(10), None)
        );
        for bad in [
            &br#"{"reconnect":{"bogus":1}}"#[..],
            br#"{"reconnect":{"max_attempts":0}}"#,
            br#"{"reconnect":3}"#,
        ] {
            let e = Options::from_json(bad).unwrap_err();
            assert!(e.message.contains("reconnect"), "{}", e.message);
        }
        let e = Options::from_json(br#"{"reconnect":{"bogus":1}}"#).unwrap_err();
        assert!(e.message.contains("bogus"), "{}", e.message);
    }

    #[test]
    fn reconnect_merges_field_by_field() {
        let client =
            Options::from_json(br#"{"reconnect":{"max_attempts":3,"default_retry_ms":5}}"#)
                .unwrap();
        let req = Options::from_json(br#"{"reconnect":{"default_retry_ms":7}}"#).unwrap();
        let Some(ReconnectSetting::On(o)) = req.merged_over(&client).reconnect else {
            panic!("reconnect is on")
        };
        assert_eq!((o.max_attempts, o.default_retry_ms), (Some(3), Some(7)));
        let off = Options::from_json(br#"{"reconnect":false}"#).unwrap();
        assert_eq!(
            off.merged_over(&client).reconnect,
            Some(ReconnectSetting::Off)
        );
        let none = Options::default();
        assert_eq!(none.merged_over(&client).reconnect, client.reconnect);
    }

    #[test]
    fn request_headers_win_by_name() {
        let client = Options::from_json(br#"{"headers":{"X-A":"1","Accept":"a/b"}}"#).unwrap();
        let req =
            Options::from_json(br#"{"headers":[["accept","c/d"]],"url":"http://h"}"#).unwrap();
        let m = req.merged_over(&client);
        let pairs = m.headers.unwrap().pairs();
        assert_eq!(
            pairs,
            vec![
                ("X-A".to_string(), "1".to_string()),
                ("accept".to_string(), "c/d".to_string())
            ]
        );
        assert_eq!(m.url.as_deref(), Some("http://h"));
    }
}
