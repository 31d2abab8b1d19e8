//! `--tls`: the generated CA verifies the server, ALPN picks h2 (or
//! http/1.1 when asked), and streams work over both.

mod common;

use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use http::Request;
use http_body_util::{BodyExt, Empty};
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;

fn tls_server() -> sse_testserver::ServerHandle {
    sse_testserver::spawn(sse_testserver::Config {
        tls: true,
        ..Default::default()
    })
}

async fn connect(
    s: &sse_testserver::ServerHandle,
    alpn: &[&[u8]],
    name: &str,
) -> TlsStream<TcpStream> {
    let pem = s.ca_pem().expect("a TLS server has a CA");
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_slice(pem.as_bytes()).expect("CA PEM parses"))
        .expect("CA accepted as root");
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut cfg = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    cfg.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    let tcp = TcpStream::connect(s.addr()).await.unwrap();
    let name = ServerName::try_from(name.to_owned()).unwrap();
    tokio::time::timeout(
        common::LIMIT,
        TlsConnector::from(Arc::new(cfg)).connect(name, tcp),
    )
    .await
    .expect("handshake in time")
    .expect("certificate verifies against the CA")
}

async fn read_all(body: hyper::body::Incoming) -> Bytes {
    let mut body = body;
    let mut out = BytesMut::new();
    while let Some(f) = body.frame().await {
        if let Ok(d) = f.expect("body frame").into_data() {
            out.extend_from_slice(&d);
        }
    }
    out.freeze()
}

#[tokio::test]
async fn h2_is_negotiated_and_streams() {
    let s = tls_server();
    assert!(s.url().starts_with("https://127.0.0.1:"));
    let tls = connect(&s, &[b"h2", b"http/1.1"], "127.0.0.1").await;
    assert_eq!(tls.get_ref().1.alpn_protocol(), Some(&b"h2"[..]));
    let (mut sender, conn) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(tls))
            .await
            .unwrap();
    tokio::spawn(conn);
    // Two concurrent streams on one connection.
    let mut tasks = Vec::new();
    for n in [3, 5] {
        let req = Request::get(format!("https://127.0.0.1/events?count={n}&ids=1"))
            .body(Empty::<Bytes>::new())
            .unwrap();
        let resp = sender.send_request(req);
        tasks.push(async move {
            let resp = resp.await.unwrap();
            assert_eq!(resp.version(), http::Version::HTTP_2);
            assert_eq!(resp.headers()["content-type"], "text/event-stream");
            (n, read_all(resp.into_body()).await)
        });
    }
    for t in tasks {
        let (n, body) = tokio::time::timeout(common::LIMIT, t).await.unwrap();
        let text = String::from_utf8(body.to_vec()).unwrap();
        assert_eq!(text.matches("\n\n").count(), n);
        assert!(text.contains(&format!("id: {n}\n")));
    }
}

#[tokio::test]
async fn http1_over_tls_when_asked_and_localhost_name_verifies() {
    let s = tls_server();
    let tls = connect(&s, &[b"http/1.1"], "localhost").await;
    assert_eq!(tls.get_ref().1.alpn_protocol(), Some(&b"http/1.1"[..]));
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tls))
        .await
        .unwrap();
    tokio::spawn(conn);
    let req = Request::post("/echo")
        .header("host", "localhost")
        .body(Empty::<Bytes>::new())
        .unwrap();
    let resp = sender.send_request(req).await.unwrap();
    assert_eq!(resp.version(), http::Version::HTTP_11);
    let body = read_all(resp.into_body()).await;
    assert!(String::from_utf8_lossy(&body).starts_with("event: method\ndata: POST\n\n"));
}

#[tokio::test]
async fn chat_completions_stream_over_h2() {
    let s = tls_server();
    let tls = connect(&s, &[b"h2"], "127.0.0.1").await;
    let (mut sender, conn) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(tls))
            .await
            .unwrap();
    tokio::spawn(conn);
    let body =
        r#"{"model":"m","messages":[{"role":"user","content":"hi"}],"stream":true,"max_tokens":4}"#;
    let req = Request::post("https://127.0.0.1/v1/chat/completions")
        .body(http_body_util::Full::new(Bytes::from_static(
            body.as_bytes(),
        )))
        .unwrap();
    let resp = tokio::time::timeout(common::LIMIT, sender.send_request(req))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(resp.status(), 200);
    let text = String::from_utf8(read_all(resp.into_body()).await.to_vec()).unwrap();
    let events = common::data_events(&text);
    // role + 4 tokens + finish + [DONE]
    assert_eq!(events.len(), 7);
    assert_eq!(events[6], "[DONE]");
}

#[tokio::test]
async fn cleartext_h2_with_prior_knowledge() {
    let s = common::server();
    let tcp = TcpStream::connect(s.addr()).await.unwrap();
    let (mut sender, conn) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(tcp))
            .await
            .unwrap();
    tokio::spawn(conn);
    let req = Request::get(format!("http://{}/events?count=4", s.addr()))
        .body(Empty::<Bytes>::new())
        .unwrap();
    let resp = tokio::time::timeout(common::LIMIT, sender.send_request(req))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(resp.version(), http::Version::HTTP_2);
    let body = read_all(resp.into_body()).await;
    assert_eq!(String::from_utf8_lossy(&body).matches("\n\n").count(), 4);
}
