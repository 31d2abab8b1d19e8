//! `sse-testserver` command line. See `docs/testserver.md`.

use std::io::Write;
use std::process::ExitCode;

use sse_testserver::{bind, calibrate, rlimit, Config};
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::watch;

const USAGE: &str = "usage: sse-testserver [--host 127.0.0.1] [--port 0] [--tls] [--cert-out PATH]
                      [--truth-log PATH] [--threads N] [--model NAME] [--seed N]
                      [--ttft-ms MS] [--ttft-per-prompt-token-us US]
                      [--token-interval-ms MS] [--jitter-ms MS]
Prints `listening on URL` once ready; stops on SIGINT/SIGTERM.
       sse-testserver calibrate --help   (compare a client's figures with a truth log)";

struct Cli {
    config: Config,
    threads: usize,
}

fn parse_args(args: impl Iterator<Item = String>) -> Result<Option<Cli>, String> {
    let mut config = Config::default();
    let mut threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let mut args = args.peekable();
    while let Some(flag) = args.next() {
        // `--flag=value` and `--flag value` both work.
        let (name, inline) = match flag.split_once('=') {
            Some((n, v)) => (n.to_string(), Some(v.to_string())),
            None => (flag.clone(), None),
        };
        let mut value = || -> Result<String, String> {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        fn num<T: std::str::FromStr>(name: &str, v: String) -> Result<T, String> {
            v.parse().map_err(|_| format!("{name}: cannot parse {v:?}"))
        }
        match name.as_str() {
            "-h" | "--help" => return Ok(None),
            "--host" => config.host = num(&name, value()?)?,
            "--port" => config.port = num(&name, value()?)?,
            "--tls" => config.tls = true,
            "--cert-out" => config.cert_out = Some(value()?.into()),
            "--truth-log" => config.truth_log = Some(value()?.into()),
            "--threads" => threads = num::<usize>(&name, value()?)?.max(1),
            "--model" => config.llm.model = value()?,
            "--seed" => config.llm.seed = num(&name, value()?)?,
            "--ttft-ms" => config.llm.ttft_ms = non_negative(&name, value()?)?,
            "--ttft-per-prompt-token-us" => {
                config.llm.ttft_per_prompt_token_us = non_negative(&name, value()?)?
            }
            "--token-interval-ms" => config.llm.token_interval_ms = non_negative(&name, value()?)?,
            "--jitter-ms" => config.llm.jitter_ms = non_negative(&name, value()?)?,
            _ => return Err(format!("unknown argument {flag:?}")),
        }
    }
    config.worker_threads = threads;
    Ok(Some(Cli { config, threads }))
}

fn non_negative(name: &str, v: String) -> Result<f64, String> {
    match v.parse::<f64>() {
        Ok(x) if x.is_finite() && x >= 0.0 => Ok(x),
        _ => Err(format!("{name}: expected a number >= 0, got {v:?}")),
    }
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1).peekable();
    if args.peek().map(String::as_str) == Some("calibrate") {
        return calibrate(args.skip(1));
    }
    let cli = match parse_args(args) {
        Ok(Some(c)) => c,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("sse-testserver: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    rlimit::raise_nofile();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(cli.threads)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("sse-testserver: cannot start runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        let bound = bind(cli.config).map_err(|e| format!("cannot start: {e}"))?;
        // Handlers first: a signal sent right after the line is printed must stop us cleanly.
        let mut term = signal(SignalKind::terminate()).map_err(|e| e.to_string())?;
        let mut int = signal(SignalKind::interrupt()).map_err(|e| e.to_string())?;
        let mut out = std::io::stdout().lock();
        writeln!(out, "listening on {}", bound.url()).map_err(|e| e.to_string())?;
        out.flush().map_err(|e| e.to_string())?;
        drop(out);
        let (tx, rx) = watch::channel(false);
        let server = tokio::spawn(bound.run(rx));
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
        let _ = tx.send(true);
        let _ = tokio::time::timeout(std::time::Duration::from_secs(2), server).await;
        Ok::<(), String>(())
    });
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sse-testserver: {e}");
            ExitCode::FAILURE
        }
    }
}

fn calibrate(args: impl Iterator<Item = String>) -> ExitCode {
    let args: Vec<String> = args.collect();
    if args.iter().any(|a| a == "-h" || a == "--help") {
        println!("{}", calibrate::USAGE);
        return ExitCode::SUCCESS;
    }
    match calibrate::run(args.into_iter()) {
        Ok(out) => {
            println!("{}", out.trim_end());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("sse-testserver calibrate: {e}\n{}", calibrate::USAGE);
            ExitCode::from(2)
        }
    }
}
