//! Opening a new connection: deny rules, DNS, TCP, proxy tunnel, TLS, then
//! the HTTP handshake. Each step stamps its timing.

use super::io::{BoxIo, ConnCounters, CountingIo};
use super::options::HttpVersionPref;
use super::pool::{ReqBody, Sender};
use super::route::{host_denied, Route};
use crate::error::{Error, ErrorKind};
use crate::timing::TimingCells;
use hyper_util::rt::{TokioExecutor, TokioIo};
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A fresh connection, ready for requests.
pub(crate) struct Connected {
    pub sender: Sender,
    pub counters: Arc<ConnCounters>,
    /// HTTP/2 only: the server's current concurrent-stream limit.
    pub h2_max_streams: Option<Arc<AtomicUsize>>,
}

/// Refuse before DNS when the host matches `deny_hosts`.
pub(crate) fn check_host(route: &Route) -> Result<(), Error> {
    if let Some(p) = host_denied(&route.deny_hosts, &route.target.host) {
        return Err(Error::new(
            ErrorKind::Denied,
            format!(
                "host {} is denied by deny_hosts pattern \"{p}\"",
                route.target.host
            ),
        ));
    }
    Ok(())
}

fn check_ip(route: &Route, ip: IpAddr) -> Result<(), Error> {
    // Compare IPv4-mapped IPv6 addresses as the IPv4 address they carry.
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    };
    if let Some(net) = route.deny_ips.iter().find(|n| n.contains(&ip)) {
        return Err(Error::new(
            ErrorKind::Denied,
            format!(
                "{} resolves to {ip}, which deny_ips entry {net} refuses",
                route.target.host
            ),
        ));
    }
    Ok(())
}

async fn resolve(route: &Route) -> Result<Vec<SocketAddr>, Error> {
    if let Some(p) = &route.proxy {
        // Through a proxy the proxy resolves the target; we resolve the proxy.
        if let Ok(ip) = route.target.host.parse::<IpAddr>() {
            check_ip(route, ip)?;
        }
        return lookup(&p.host, p.port).await;
    }
    let addrs = match route.dial {
        Some(sa) => vec![sa],
        None => lookup(&route.target.host, route.target.port).await?,
    };
    for a in &addrs {
        check_ip(route, a.ip())?;
    }
    Ok(addrs)
}

async fn lookup(host: &str, port: u16) -> Result<Vec<SocketAddr>, Error> {
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    // tokio runs getaddrinfo on its blocking pool: no worker blocks.
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
        .await
        .map_err(|e| Error::new(ErrorKind::Dns, format!("DNS: cannot resolve {host}: {e}")))?
        .collect();
    if addrs.is_empty() {
        return Err(Error::new(
            ErrorKind::Dns,
            format!("DNS: {host} has no addresses"),
        ));
    }
    Ok(addrs)
}

/// The connected socket and the address it reached.
async fn tcp(addrs: &[SocketAddr]) -> Result<(TcpStream, SocketAddr), Error> {
    let mut last = None;
    for a in addrs {
        match TcpStream::connect(a).await {
            Ok(s) => {
                // SSE events are small; never let Nagle hold the request.
                let _ = s.set_nodelay(true);
                return Ok((s, *a));
            }
            Err(e) => last = Some((a, e)),
        }
    }
    let message = match last {
        Some((a, e)) => format!("connect to {a} failed: {e}"),
        None => "no address to connect to".to_string(),
    };
    Err(Error::new(ErrorKind::Connect, message))
}

/// HTTP CONNECT through the proxy for https targets.
async fn tunnel(io: &mut CountingIo<TcpStream>, route: &Route) -> Result<(), Error> {
    let t = &route.target;
    let authority = if t.host.contains(':') {
        format!("[{}]:{}", t.host, t.port)
    } else {
        format!("{}:{}", t.host, t.port)
    };
    let mut req = format!("CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n");
    if let Some(auth) = route.proxy.as_ref().and_then(|p| p.authorization.as_ref()) {
        req.push_str(&format!("Proxy-Authorization: {auth}\r\n"));
    }
    req.push_str("\r\n");
    let proxy_err = |m: String| Error::new(ErrorKind::Connect, format!("proxy: {m}"));
    io.write_all(req.as_bytes())
        .await
        .map_err(|e| proxy_err(format!("sending CONNECT failed: {e}")))?;
    // Read the proxy's answer byte by byte so no TLS byte after it is eaten.
    let mut head = Vec::with_capacity(256);
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if head.len() > 16 * 1024 {
            return Err(proxy_err("CONNECT answer headers too large".into()));
        }
        let n = io
            .read(&mut byte)
            .await
            .map_err(|e| proxy_err(format!("reading CONNECT answer failed: {e}")))?;
        if n == 0 {
            return Err(proxy_err("closed the connection during CONNECT".into()));
        }
        head.push(byte[0]);
    }
    let line = String::from_utf8_lossy(head.split(|b| *b == b'\n').next().unwrap_or(&[]));
    let ok = line
        .split_whitespace()
        .nth(1)
        .is_some_and(|code| code.starts_with('2'));
    if !ok {
        return Err(proxy_err(format!(
            "CONNECT to {authority} refused: {}",
            line.trim()
        )));
    }
    Ok(())
}

/// DNS + TCP + (tunnel) + TLS + HTTP handshake.
pub(crate) async fn connect(route: &Route, timings: &TimingCells) -> Result<Connected, Error> {
    check_host(route)?;
    let addrs = resolve(route).await?;
    TimingCells::mark(&timings.dns_done);
    let (tcp, remote_addr) = tcp(&addrs).await?;
    TimingCells::mark(&timings.connect_done);
    let counters = Arc::new(ConnCounters {
        remote_addr: Some(remote_addr),
        ..ConnCounters::default()
    });
    let mut io = CountingIo::new(tcp, counters.clone());
    if route.proxy.is_some() && route.target.https {
        tunnel(&mut io, route).await?;
    }
    let (io, h2): (BoxIo, bool) = match &route.tls {
        None => (Box::new(io), false),
        Some((config, name)) => {
            let connector = tokio_rustls::TlsConnector::from(config.clone());
            let tls = connector
                .connect(name.clone(), io)
                .await
                .map_err(|e| super::tls::handshake_error(&e, &route.target.host))?;
            TimingCells::mark(&timings.tls_done);
            let h2 = tls.get_ref().1.alpn_protocol() == Some(b"h2");
            (Box::new(tls), h2)
        }
    };
    if route.version == HttpVersionPref::Http2 && !h2 {
        return Err(Error::new(
            ErrorKind::Protocol,
            "HTTP/2 was required but the server did not agree to h2 in ALPN",
        ));
    }
    let (sender, h2_max_streams) = handshake(io, h2).await?;
    Ok(Connected {
        sender,
        counters,
        h2_max_streams,
    })
}

async fn handshake(io: BoxIo, h2: bool) -> Result<(Sender, Option<Arc<AtomicUsize>>), Error> {
    let io = TokioIo::new(io);
    let hs_err =
        |e: hyper::Error| Error::new(ErrorKind::Protocol, format!("HTTP handshake failed: {e}"));
    if h2 {
        let (sender, conn) = hyper::client::conn::http2::Builder::new(TokioExecutor::new())
            // Bound what one stream may buffer before we read it: the window
            // is the back-pressure limit per stream on a shared connection.
            .initial_stream_window_size(256 * 1024)
            .initial_connection_window_size(4 * 1024 * 1024)
            .handshake::<_, ReqBody>(io)
            .await
            .map_err(hs_err)?;
        // The server's SETTINGS_MAX_CONCURRENT_STREAMS, refreshed whenever
        // the connection is polled, so the pool never queues a stream
        // behind the limit. 100 is hyper's assumption before SETTINGS.
        let max_streams = Arc::new(AtomicUsize::new(100));
        let published = max_streams.clone();
        let mut conn = conn;
        tokio::spawn(std::future::poll_fn(move |cx| {
            // The connection ends when every sender is gone or the peer
            // closes; its error, if any, reaches the streams through their bodies.
            let r = Pin::new(&mut conn).poll(cx);
            published.store(conn.current_max_send_streams(), Ordering::Relaxed);
            r.map(|_| ())
        }));
        Ok((Sender::H2(sender), Some(max_streams)))
    } else {
        let (sender, conn) = hyper::client::conn::http1::Builder::new()
            .max_buf_size(1024 * 1024)
            .handshake::<_, ReqBody>(io)
            .await
            .map_err(hs_err)?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        Ok((Sender::H1(sender), None))
    }
}
