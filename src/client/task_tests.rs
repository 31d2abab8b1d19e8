//! A panic inside a stream task reaches the stream's callers as an
//! `Internal` error, not as a hang and not as an I/O error.

use super::queue::Queue;
use super::stream::{Next, Stream};
use super::task::{Settings, Task};
use super::{route, Client, Options};
use crate::error::ErrorKind;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

#[test]
fn a_panicking_stream_task_fails_its_stream_as_internal() {
    let client = Client::new(Options::default());
    let opts = Options::url("http://127.0.0.1:1/").merged_over(client.defaults());
    let route = route::plan(&opts, |t, v| client.inner.tls_config(t, v)).unwrap();
    let queue = Arc::new(Queue::new(8));
    let task = Task {
        shared: queue.clone(),
        client: client.inner.clone(),
        route,
        request: None,
        redirects: None,
        settings: Settings {
            connect_timeout: None,
            header_timeout: None,
            idle_timeout: None,
            total_deadline: None,
            reuse: true,
            decompress: true,
            max_line: 1024,
            max_event: 1024,
            error_body_bytes: 0,
        },
        reconnect: None,
    };
    let handle = crate::runtime::handle().unwrap().spawn(async move {
        let _task = task;
        if std::hint::black_box(true) {
            panic!("a bug in a stream task (this panic is the test)");
        }
    });
    let stream = Stream::new(queue, handle);
    match stream.wait_open(Some(Duration::from_secs(10))) {
        Poll::Ready(Err(e)) => assert_eq!(e.kind, ErrorKind::Internal, "{e}"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(stream.next(Some(Duration::ZERO)), Next::Failed));
    let e = stream.error().unwrap();
    assert_eq!(e.kind, ErrorKind::Internal);
    assert!(e.message.contains("internal error"), "{}", e.message);
}
