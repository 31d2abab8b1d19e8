//! The binary: prints `listening on URL`, serves, writes the CA PEM, and
//! stops cleanly on SIGTERM and SIGINT.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn start(args: &[&str]) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sse-testserver"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("binary starts");
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("first line");
    let url = line
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .trim()
        .to_owned();
    (child, url)
}

/// Sends `sig` and waits (bounded) for a clean exit.
fn stop(mut child: Child, sig: libc::c_int) -> std::process::ExitStatus {
    // SAFETY: plain kill(2) on our own child's pid.
    let rc = unsafe { libc::kill(child.id() as libc::pid_t, sig) };
    assert_eq!(rc, 0);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("server did not stop on signal {sig}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[tokio::test]
async fn prints_url_serves_and_stops_on_sigterm() {
    let (child, url) = start(&["--port", "0", "--token-interval-ms", "0"]);
    let addr: std::net::SocketAddr = url.strip_prefix("http://").unwrap().parse().unwrap();
    assert!(addr.ip().is_loopback());
    assert_ne!(addr.port(), 0);
    let r = common::get(addr, "/events?count=2").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.text().matches("data: ").count(), 2);
    let status = stop(child, libc::SIGTERM);
    assert!(status.success(), "{status:?}");
}

#[tokio::test]
async fn tls_writes_the_ca_and_stops_on_sigint() {
    let dir = std::env::temp_dir().join(format!("sse-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cert = dir.join("ca.pem");
    let (child, url) = start(&["--tls", "--port", "0", "--cert-out", cert.to_str().unwrap()]);
    assert!(url.starts_with("https://127.0.0.1:"));
    let pem = std::fs::read_to_string(&cert).unwrap();
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"));
    let status = stop(child, libc::SIGINT);
    assert!(status.success(), "{status:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_arguments_exit_2_with_usage() {
    let out = Command::new(env!("CARGO_BIN_EXE_sse-testserver"))
        .args(["--port", "notaport"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("usage:"));
}
