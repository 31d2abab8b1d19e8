//! Where a request goes: the URL's target, the address we dial after host
//! overrides, the proxy, the TLS configuration and the pool key. Computed
//! synchronously in `Client::start`, so option errors surface at once.

use super::host_pattern::{most_specific, HostPattern};
use super::options::{HttpVersionPref, Options, ProxySetting, TlsOptions};
use crate::error::{Error, ErrorKind};
use ipnet::IpNet;
use rustls::pki_types::ServerName;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

/// The origin a request is for.
#[derive(Clone, Debug)]
pub(crate) struct Target {
    pub https: bool,
    /// Host without IPv6 brackets, lowercase.
    pub host: String,
    pub port: u16,
    /// `host[:port]` as the `Host` header wants it (port only when not default).
    pub authority: String,
    pub uri: http::Uri,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct ProxyTarget {
    pub host: String,
    pub port: u16,
    /// Value for `Proxy-Authorization`, from the proxy URL's user info.
    pub authorization: Option<String>,
}

/// What identifies a reusable connection.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct PoolKey {
    pub https: bool,
    pub host: String,
    pub port: u16,
    pub dial: Option<SocketAddr>,
    pub proxy: Option<ProxyTarget>,
    /// Identity of the client's cached TLS configuration (one per distinct
    /// `tls` options + ALPN choice, never evicted, so the address is a
    /// stable id), instead of a copy of the options with their PEM text.
    pub tls: Option<usize>,
    pub version: HttpVersionPref,
}

pub(crate) struct Route {
    pub target: Target,
    /// Host override from `hosts`: dial this instead of resolving.
    pub dial: Option<SocketAddr>,
    pub proxy: Option<ProxyTarget>,
    pub tls: Option<(Arc<rustls::ClientConfig>, ServerName<'static>)>,
    pub deny_ips: Vec<IpNet>,
    pub deny_hosts: Vec<HostPattern>,
    pub version: HttpVersionPref,
    pub key: PoolKey,
}

pub(crate) fn strip_brackets(host: &str) -> &str {
    host.strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host)
}

pub(crate) fn parse_target(url: &str) -> Result<Target, Error> {
    let uri: http::Uri = url
        .parse()
        .map_err(|e| Error::invalid(format!("url {url:?}: {e}")))?;
    let https = match uri.scheme_str() {
        Some("http") => false,
        Some("https") => true,
        Some(other) => {
            return Err(Error::invalid(format!(
                "url {url:?}: scheme {other:?} is not supported (use http or https)"
            )))
        }
        None => {
            return Err(Error::invalid(format!(
                "url {url:?}: missing http:// or https://"
            )))
        }
    };
    let raw_host = uri
        .host()
        .ok_or_else(|| Error::invalid(format!("url {url:?}: missing host")))?;
    let host = strip_brackets(raw_host).to_ascii_lowercase();
    let default_port = if https { 443 } else { 80 };
    let port = uri.port_u16().unwrap_or(default_port);
    let authority = if port == default_port {
        raw_host.to_ascii_lowercase()
    } else {
        format!("{}:{port}", raw_host.to_ascii_lowercase())
    };
    Ok(Target {
        https,
        host,
        port,
        authority,
        uri,
    })
}

/// The `hosts` entry for `target`: keys are host patterns, optionally with
/// a port (`name:port`, as k6 allows), values `ip` or `ip:port`. As in k6,
/// keys naming the target's port are tried before keys without a port, and
/// within each the most specific pattern wins.
fn host_override(opts: &Options, target: &Target) -> Result<Option<SocketAddr>, Error> {
    let Some(hosts) = &opts.hosts else {
        return Ok(None);
    };
    let keys: Vec<(Option<u16>, HostPattern, &String, &String)> = hosts
        .iter()
        .map(|(key, value)| {
            let (name, port) = split_key_port(key);
            (port, HostPattern::parse(name), key, value)
        })
        .collect();
    let with_port = keys.iter().filter(|k| k.0 == Some(target.port));
    let without_port = keys.iter().filter(|k| k.0.is_none());
    let found = most_specific(&target.host, with_port.map(|k| (&k.1, (k.2, k.3))))
        .or_else(|| most_specific(&target.host, without_port.map(|k| (&k.1, (k.2, k.3)))));
    let Some((name, value)) = found else {
        return Ok(None);
    };
    let v = value.trim();
    if let Ok(sa) = v.parse::<SocketAddr>() {
        return Ok(Some(sa));
    }
    if let Ok(ip) = strip_brackets(v).parse::<IpAddr>() {
        return Ok(Some(SocketAddr::new(ip, target.port)));
    }
    Err(Error::invalid(format!(
        "hosts[{name:?}]: {value:?} is not an IP or IP:port"
    )))
}

/// `name:port` → (`name`, port); a key without a port, or an IPv6 address,
/// is all name.
fn split_key_port(key: &str) -> (&str, Option<u16>) {
    if let Some((name, port)) = key.rsplit_once(':') {
        if !name.contains(':') || name.starts_with('[') {
            if let Ok(port) = port.parse::<u16>() {
                return (strip_brackets(name), Some(port));
            }
        }
    }
    (key, None)
}

fn parse_deny_ips(opts: &Options) -> Result<Vec<IpNet>, Error> {
    let mut out = Vec::new();
    for s in opts.deny_ips.iter().flatten() {
        let s = s.trim();
        let net = s
            .parse::<IpNet>()
            .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
            .map_err(|_| Error::invalid(format!("deny_ips: {s:?} is not an IP or CIDR")))?;
        out.push(net);
    }
    Ok(out)
}

/// The first `deny_hosts` pattern matching `host`, if any.
pub(crate) fn host_denied<'a>(patterns: &'a [HostPattern], host: &str) -> Option<&'a HostPattern> {
    patterns.iter().find(|p| p.matches(host))
}

fn env_any(names: &[&str]) -> Option<String> {
    names
        .iter()
        .find_map(|n| std::env::var(n).ok().filter(|v| !v.trim().is_empty()))
}

/// `NO_PROXY`, with the rules of Go's `http.ProxyFromEnvironment` (what
/// xk6-sse and k6 use): a comma list of entries; `*` alone exempts every
/// host; `example.com` exempts it and its subdomains; `.example.com` and
/// `*.example.com` its subdomains only; an entry may end in `:port`, then
/// only that port is exempt.
fn no_proxy_matches(list: &str, host: &str, port: u16) -> bool {
    list.split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .any(|entry| {
            if entry == "*" {
                return true;
            }
            let (name, entry_port) = split_key_port(entry);
            if entry_port.is_some_and(|p| p != port) {
                return false;
            }
            let name = name.strip_prefix('*').unwrap_or(name);
            let subdomains = HostPattern::parse(&format!("*.{}", name.trim_start_matches('.')));
            subdomains.matches(host)
                || (!name.starts_with('.') && HostPattern::parse(name).matches(host))
        })
}

fn parse_proxy(url: &str) -> Result<ProxyTarget, Error> {
    let with_scheme = if url.contains("://") {
        url.to_string()
    } else {
        format!("http://{url}")
    };
    let uri: http::Uri = with_scheme
        .parse()
        .map_err(|e| Error::invalid(format!("proxy {url:?}: {e}")))?;
    if uri.scheme_str() != Some("http") {
        return Err(Error::invalid(format!(
            "proxy {url:?}: only http:// proxies are supported"
        )));
    }
    let auth = uri
        .authority()
        .ok_or_else(|| Error::invalid(format!("proxy {url:?}: missing host")))?;
    let authorization = auth.as_str().rsplit_once('@').map(|(userinfo, _)| {
        use base64::Engine;
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(userinfo)
        )
    });
    Ok(ProxyTarget {
        host: strip_brackets(auth.host()).to_ascii_lowercase(),
        port: auth.port_u16().unwrap_or(80),
        authorization,
    })
}

fn proxy_for(opts: &Options, target: &Target) -> Result<Option<ProxyTarget>, Error> {
    match opts.proxy.clone().unwrap_or_default() {
        ProxySetting::None => Ok(None),
        ProxySetting::Url(u) => parse_proxy(&u).map(Some),
        ProxySetting::FromEnv => {
            // Like Go's ProxyFromEnvironment: loopback is never proxied.
            let loopback = target.host == "localhost"
                || target
                    .host
                    .parse::<IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback());
            if loopback {
                return Ok(None);
            }
            let url = if target.https {
                env_any(&["HTTPS_PROXY", "https_proxy"])
            } else {
                env_any(&["HTTP_PROXY", "http_proxy"])
            };
            let Some(url) = url else { return Ok(None) };
            if let Some(np) = env_any(&["NO_PROXY", "no_proxy"]) {
                if no_proxy_matches(&np, &target.host, target.port) {
                    return Ok(None);
                }
            }
            parse_proxy(&url).map(Some)
        }
    }
}

pub(crate) fn plan(
    opts: &Options,
    tls_config: impl Fn(&TlsOptions, HttpVersionPref) -> Result<Arc<rustls::ClientConfig>, Error>,
) -> Result<Route, Error> {
    let url = opts
        .url
        .as_deref()
        .ok_or_else(|| Error::invalid("options: `url` is required"))?;
    plan_url(opts, url, tls_config)
}

/// The route to `url` under `opts` (whose own `url` is not used): a
/// redirect's next hop.
pub(crate) fn plan_url(
    opts: &Options,
    url: &str,
    tls_config: impl Fn(&TlsOptions, HttpVersionPref) -> Result<Arc<rustls::ClientConfig>, Error>,
) -> Result<Route, Error> {
    let target = parse_target(url)?;
    let dial = host_override(opts, &target)?;
    let proxy = proxy_for(opts, &target)?;
    let version = opts.http_version.unwrap_or_default();
    if version == HttpVersionPref::Http2 && !target.https {
        return Err(Error::new(
            ErrorKind::InvalidRequest,
            "http_version \"http2\" needs an https:// URL (HTTP/2 is negotiated by TLS ALPN)",
        ));
    }
    let tls_opts = opts.tls.clone().unwrap_or_default();
    let tls = if target.https {
        let config = tls_config(&tls_opts, version)?;
        let name_str = tls_opts
            .server_name
            .clone()
            .unwrap_or_else(|| target.host.clone());
        let name = ServerName::try_from(name_str.clone())
            .map_err(|_| Error::invalid(format!("tls server name {name_str:?} is not valid")))?;
        Some((config, name))
    } else {
        None
    };
    let key = PoolKey {
        https: target.https,
        host: target.host.clone(),
        port: target.port,
        dial,
        proxy: proxy.clone(),
        tls: tls.as_ref().map(|(config, _)| Arc::as_ptr(config) as usize),
        version,
    };
    Ok(Route {
        target,
        dial,
        proxy,
        tls,
        deny_ips: parse_deny_ips(opts)?,
        deny_hosts: opts
            .deny_hosts
            .iter()
            .flatten()
            .map(|p| HostPattern::parse(p))
            .collect(),
        version,
        key,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcard_deny_matches_subdomains_only() {
        let p: Vec<HostPattern> = ["*.example.com", "exact.org"]
            .iter()
            .map(|s| HostPattern::parse(s))
            .collect();
        assert!(host_denied(&p, "a.example.com").is_some());
        assert!(host_denied(&p, "example.com").is_none());
        assert!(host_denied(&p, "exact.org").is_some());
        assert!(host_denied(&p, "x.exact.org").is_none());
    }

    #[test]
    fn no_proxy_follows_go_rules() {
        // (list, host, port, exempt)
        let rows: &[(&str, &str, u16, bool)] = &[
            ("localhost, .corp.net", "a.corp.net", 80, true),
            (".corp.net", "corp.net", 80, false),
            ("*.corp.net", "corp.net", 80, false),
            ("*.corp.net", "a.corp.net", 80, true),
            ("corp.net", "corp.net", 80, true),
            ("corp.net", "a.b.corp.net", 80, true),
            ("corp.net", "notcorp.net", 80, false),
            ("corp.net:8080", "corp.net", 8080, true),
            ("corp.net:8080", "corp.net", 80, false),
            ("*", "x", 1, true),
            ("10.0.0.1", "10.0.0.1", 80, true),
            ("10.0.0.1", "10.0.0.10", 80, false),
        ];
        for &(list, host, port, want) in rows {
            assert_eq!(
                no_proxy_matches(list, host, port),
                want,
                "NO_PROXY={list:?} host {host}:{port}"
            );
        }
    }

    fn hosts_target(url: &str, hosts: &[(&str, &str)]) -> Option<SocketAddr> {
        let opts = Options {
            hosts: Some(
                hosts
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            ),
            ..Options::default()
        };
        host_override(&opts, &parse_target(url).unwrap()).unwrap()
    }

    #[test]
    fn hosts_keys_are_patterns_with_an_optional_port() {
        let table = [
            ("*.example.com", "10.0.0.1"),
            ("api.example.com", "10.0.0.2"),
            ("api.example.com:8443", "10.0.0.3:9443"),
            ("*.v2.example.com", "10.0.0.4:81"),
            ("[::1]:8080", "10.0.0.5"),
        ];
        let at = |url| hosts_target(url, &table).map(|a| a.to_string());
        assert_eq!(at("http://www.example.com/"), Some("10.0.0.1:80".into()));
        assert_eq!(at("http://api.example.com/"), Some("10.0.0.2:80".into()));
        assert_eq!(
            at("https://api.example.com:8443/"),
            Some("10.0.0.3:9443".into())
        );
        assert_eq!(at("http://a.v2.example.com/"), Some("10.0.0.4:81".into()));
        assert_eq!(at("http://example.com/"), None);
        assert_eq!(at("http://[::1]:8080/"), Some("10.0.0.5:8080".into()));
        assert_eq!(at("http://[::1]:8081/"), None);
    }

    #[test]
    fn target_keeps_non_default_port_in_authority() {
        let t = parse_target("http://127.0.0.1:8080/x?y=1").unwrap();
        assert_eq!(t.authority, "127.0.0.1:8080");
        assert_eq!(t.port, 8080);
        let t = parse_target("https://[::1]/").unwrap();
        assert_eq!(t.host, "::1");
        assert_eq!(t.port, 443);
        assert!(parse_target("ftp://x/").is_err());
    }
}
