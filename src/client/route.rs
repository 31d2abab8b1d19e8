//! Where a request goes: the URL's target, the address we dial after host
//! overrides, the proxy, the TLS configuration and the pool key. Computed
//! synchronously in `Client::start`, so option errors surface at once.

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
    pub tls: Option<TlsOptions>,
    pub version: HttpVersionPref,
}

pub(crate) struct Route {
    pub target: Target,
    /// Host override from `hosts`: dial this instead of resolving.
    pub dial: Option<SocketAddr>,
    pub proxy: Option<ProxyTarget>,
    pub tls: Option<(Arc<rustls::ClientConfig>, ServerName<'static>)>,
    pub deny_ips: Vec<IpNet>,
    pub deny_hosts: Vec<String>,
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

fn host_override(opts: &Options, target: &Target) -> Result<Option<SocketAddr>, Error> {
    let Some(hosts) = &opts.hosts else {
        return Ok(None);
    };
    let Some((name, value)) = hosts
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(&target.host))
    else {
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

/// `*.example.com` matches any subdomain of example.com; other patterns
/// match the host exactly (case-insensitive).
pub(crate) fn host_denied(patterns: &[String], host: &str) -> Option<String> {
    for p in patterns {
        let p_l = p.trim().to_ascii_lowercase();
        let hit = match p_l.strip_prefix("*.") {
            Some(suffix) => host.len() > suffix.len() + 1 && host.ends_with(&format!(".{suffix}")),
            None => host == p_l,
        };
        if hit {
            return Some(p.clone());
        }
    }
    None
}

fn env_any(names: &[&str]) -> Option<String> {
    names
        .iter()
        .find_map(|n| std::env::var(n).ok().filter(|v| !v.trim().is_empty()))
}

/// NO_PROXY: comma list of hosts, `.suffix` / `suffix` for domains, `*` for all.
fn no_proxy_matches(list: &str, host: &str) -> bool {
    list.split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .any(|e| {
            if e == "*" {
                return true;
            }
            let e = e.split(':').next().unwrap_or(e).to_ascii_lowercase();
            let e = e.trim_start_matches("*.").trim_start_matches('.');
            host == e || host.ends_with(&format!(".{e}"))
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
            let url = if target.https {
                env_any(&["HTTPS_PROXY", "https_proxy"])
            } else {
                env_any(&["HTTP_PROXY", "http_proxy"])
            };
            let Some(url) = url else { return Ok(None) };
            if let Some(np) = env_any(&["NO_PROXY", "no_proxy"]) {
                if no_proxy_matches(&np, &target.host) {
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
        tls: target.https.then_some(tls_opts),
        version,
    };
    Ok(Route {
        target,
        dial,
        proxy,
        tls,
        deny_ips: parse_deny_ips(opts)?,
        deny_hosts: opts.deny_hosts.clone().unwrap_or_default(),
        version,
        key,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcard_deny_matches_subdomains_only() {
        let p = vec!["*.example.com".to_string(), "exact.org".to_string()];
        assert!(host_denied(&p, "a.example.com").is_some());
        assert!(host_denied(&p, "example.com").is_none());
        assert!(host_denied(&p, "exact.org").is_some());
        assert!(host_denied(&p, "x.exact.org").is_none());
    }

    #[test]
    fn no_proxy_suffixes() {
        assert!(no_proxy_matches("localhost, .corp.net", "a.corp.net"));
        assert!(no_proxy_matches("corp.net", "corp.net"));
        assert!(!no_proxy_matches("corp.net", "notcorp.net"));
        assert!(no_proxy_matches("*", "x"));
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
