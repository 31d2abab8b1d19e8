//! The queue's boundaries, without a network: full, empty, partial reads,
//! a final state while full, failure mid-batch, cancel while the producer
//! waits, poller tokens across many streams, and the wake-up protocol under
//! a race for each way of waiting (stream fd, poller fd, blocking read).

use super::notice::{Notice, NoticeKind};
use super::poller::Poller;
use super::queue::{Local, Outbox, Queue, ReadState};
use super::response::Response;
use super::stream::Delivered;
use super::wakeup::readable;
use crate::error::{Error, ErrorKind};
use crate::parser::{Event, Text};
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

const NOW: Option<Duration> = Some(Duration::ZERO);
const LONG: Option<Duration> = Some(Duration::from_secs(5));

fn event(i: u64) -> Delivered {
    Delivered {
        event: Event {
            data: Text::from(i.to_string()),
            ..Event::default()
        },
        at_ns: i,
    }
}

fn outbox(range: std::ops::Range<u64>) -> Outbox {
    let mut out = Outbox::default();
    for i in range {
        out.add(event(i));
    }
    out
}

fn response() -> Response {
    Response {
        url: "http://127.0.0.1/".into(),
        status: 200,
        version: http::Version::HTTP_11,
        headers: Vec::new(),
        is_event_stream: true,
        remote_addr: None,
        remote_ip: Box::default(),
    }
}

/// Counts wake-ups of the producer.
#[derive(Default)]
struct Wakes(AtomicUsize);

impl Wake for Wakes {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// Polls `out.flush(q)` once with a counting waker.
fn push_once(q: &Queue, out: &mut Outbox, wakes: &Arc<Wakes>) -> Poll<Result<(), Error>> {
    let waker = Waker::from(wakes.clone());
    let mut cx = Context::from_waker(&waker);
    let fut = std::pin::pin!(out.flush(q));
    fut.poll(&mut cx)
}

/// Reads once; returns the events' `at_ns` and the state.
fn read(
    q: &Queue,
    local: &mut Local,
    timeout: Option<Duration>,
    max: usize,
) -> (Vec<u64>, ReadState) {
    let (range, state) = q.read(local, timeout, max);
    let ids = local.items[range]
        .iter()
        .map(|e| e.event().expect("an event").at_ns)
        .collect();
    (ids, state)
}

#[test]
fn partial_reads_hand_out_every_event_once_in_order() {
    let q = Queue::new(100);
    let mut local = Local::default();
    assert!(push_once(&q, &mut outbox(0..10), &Arc::default()).is_ready());
    assert_eq!(
        read(&q, &mut local, NOW, 3),
        (vec![0, 1, 2], ReadState::More)
    );
    assert_eq!(
        read(&q, &mut local, NOW, 3),
        (vec![3, 4, 5], ReadState::More)
    );
    assert_eq!(
        read(&q, &mut local, NOW, 3),
        (vec![6, 7, 8], ReadState::More)
    );
    assert_eq!(read(&q, &mut local, NOW, 3), (vec![9], ReadState::More));
    assert_eq!(read(&q, &mut local, NOW, 3), (vec![], ReadState::Empty));
    assert_eq!(q.timings.events.load(Ordering::Relaxed), 10);
}

#[test]
fn a_read_that_empties_the_queue_says_so_and_rearms_the_fd() {
    let q = Queue::new(100);
    let fd = q.fd().unwrap();
    let mut local = Local::default();
    assert!(!readable(fd, 0), "nothing happened yet");
    assert!(push_once(&q, &mut outbox(0..5), &Arc::default()).is_ready());
    assert!(readable(fd, 0));
    assert_eq!(
        read(&q, &mut local, NOW, 10),
        (vec![0, 1, 2, 3, 4], ReadState::Empty)
    );
    assert!(!readable(fd, 0), "drained: quiet until the next event");
    assert!(push_once(&q, &mut outbox(5..6), &Arc::default()).is_ready());
    assert!(readable(fd, 0));
    assert_eq!(read(&q, &mut local, NOW, 1), (vec![5], ReadState::Empty));
    assert_eq!(read(&q, &mut local, NOW, 1), (vec![], ReadState::Empty));
    assert!(!readable(fd, 0));
}

fn notice(kind: NoticeKind, status: u16) -> Notice {
    Notice {
        kind,
        reason: None,
        attempt: 1,
        wait: Duration::ZERO,
        since_ns: 0,
        at_ns: 0,
        last_event_id: Text::new(),
        response: (status > 0).then(|| {
            Arc::new(Response {
                status,
                ..response()
            })
        }),
    }
}

#[test]
fn a_notice_ends_the_batch_before_it_and_comes_alone() {
    let q = Queue::new(64);
    let wakes = Arc::new(Wakes::default());
    q.set_response(Arc::new(response()));
    let mut out = outbox(0..3);
    out.add_notice(notice(NoticeKind::Reconnecting, 0));
    out.add_notice(notice(NoticeKind::Reconnected, 201));
    for i in 3..5 {
        out.add(event(i));
    }
    assert!(push_once(&q, &mut out, &wakes).is_ready());
    assert_eq!(q.timings.snapshot().events, 5, "notices are not events");
    let mut local = Local::default();
    assert_eq!(
        read(&q, &mut local, NOW, 64),
        (vec![0, 1, 2], ReadState::More)
    );
    assert_eq!(local.notice, None);
    // Each notice alone; the response changes with the Reconnected one.
    assert_eq!(read(&q, &mut local, NOW, 64), (vec![], ReadState::Notice));
    let first = local.notice.and_then(|i| local.items[i].notice().cloned());
    assert_eq!(first.map(|n| n.kind), Some(NoticeKind::Reconnecting));
    assert_eq!(q.response().unwrap().status, 200);
    assert_eq!(read(&q, &mut local, NOW, 64), (vec![], ReadState::Notice));
    assert_eq!(q.response().unwrap().status, 201);
    assert_eq!(read(&q, &mut local, NOW, 64), (vec![3, 4], ReadState::More));
    assert_eq!(local.notice, None, "a read forgets the notice");
    assert_eq!(read(&q, &mut local, NOW, 64), (vec![], ReadState::Empty));
}

#[test]
fn a_notice_at_the_end_of_a_refill_still_stops_the_read() {
    let q = Queue::new(64);
    let wakes = Arc::new(Wakes::default());
    let mut out = outbox(0..2);
    out.add_notice(notice(NoticeKind::Reconnecting, 0));
    assert!(push_once(&q, &mut out, &wakes).is_ready());
    q.set_failed(Error::new(ErrorKind::Connect, "refused"));
    let mut local = Local::default();
    // Not Failed yet: the notice comes first.
    assert_eq!(read(&q, &mut local, NOW, 1), (vec![0], ReadState::More));
    assert_eq!(read(&q, &mut local, NOW, 64), (vec![1], ReadState::More));
    assert_eq!(read(&q, &mut local, NOW, 64), (vec![], ReadState::Notice));
    assert_eq!(read(&q, &mut local, NOW, 64), (vec![], ReadState::Failed));
}

#[test]
fn a_full_queue_pauses_the_producer_until_reads_make_room() {
    let q = Queue::new(4);
    let mut local = Local::default();
    let wakes = Arc::new(Wakes::default());
    let mut out = outbox(0..10);
    assert!(
        push_once(&q, &mut out, &wakes).is_pending(),
        "4 fit, 6 wait"
    );
    assert_eq!(q.timings.events.load(Ordering::Relaxed), 4);
    assert!(push_once(&q, &mut out, &wakes).is_pending(), "still full");
    // The consumer takes the 4 but hands out 2: 2 remain counted.
    assert_eq!(read(&q, &mut local, NOW, 2), (vec![0, 1], ReadState::More));
    assert_eq!(wakes.0.load(Ordering::SeqCst), 1, "room for 2: woken once");
    assert!(push_once(&q, &mut out, &wakes).is_pending(), "2 more fit");
    assert_eq!(q.timings.events.load(Ordering::Relaxed), 6);
    assert_eq!(read(&q, &mut local, NOW, 2), (vec![2, 3], ReadState::More));
    assert_eq!(read(&q, &mut local, NOW, 8), (vec![4, 5], ReadState::Empty));
    assert_eq!(wakes.0.load(Ordering::SeqCst), 2);
    assert!(push_once(&q, &mut out, &wakes).is_ready(), "the last 4 fit");
    q.set_ended();
    assert_eq!(
        read(&q, &mut local, NOW, 8),
        (vec![6, 7, 8, 9], ReadState::End)
    );
    assert_eq!(q.timings.events.load(Ordering::Relaxed), 10);
}

#[test]
fn the_end_of_a_full_queue_comes_with_its_last_batch_and_sticks() {
    let q = Queue::new(4);
    let mut local = Local::default();
    let fd = q.fd().unwrap();
    assert!(push_once(&q, &mut outbox(0..4), &Arc::default()).is_ready());
    q.set_ended();
    q.set_failed(Error::new(ErrorKind::Io, "too late"));
    assert_eq!(
        read(&q, &mut local, LONG, 10),
        (vec![0, 1, 2, 3], ReadState::End)
    );
    assert_eq!(read(&q, &mut local, LONG, 10), (vec![], ReadState::End));
    assert!(q.error().is_none(), "the first final state wins");
    assert!(readable(fd, 0), "a finished stream stays readable");
    assert!(q.timings.end.load(Ordering::Relaxed) > 0);
}

#[test]
fn a_failure_mid_stream_comes_after_the_events_before_it() {
    let q = Queue::new(100);
    let mut local = Local::default();
    assert!(push_once(&q, &mut outbox(0..3), &Arc::default()).is_ready());
    q.set_failed(Error::new(ErrorKind::Protocol, "bad chunk"));
    assert_eq!(read(&q, &mut local, NOW, 2), (vec![0, 1], ReadState::More));
    assert_eq!(read(&q, &mut local, NOW, 2), (vec![2], ReadState::More));
    assert_eq!(read(&q, &mut local, NOW, 2), (vec![], ReadState::Failed));
    assert_eq!(q.error().map(|e| e.kind), Some(ErrorKind::Protocol));
}

#[test]
fn cancel_wakes_a_waiting_producer_and_wins_over_queued_events() {
    let q = Queue::new(2);
    let mut local = Local::default();
    let wakes = Arc::new(Wakes::default());
    let mut out = outbox(0..5);
    assert!(push_once(&q, &mut out, &wakes).is_pending());
    q.cancel();
    q.cancel();
    assert_eq!(wakes.0.load(Ordering::SeqCst), 1, "the producer is woken");
    match push_once(&q, &mut out, &wakes) {
        Poll::Ready(Err(e)) => assert_eq!(e.kind, ErrorKind::Cancelled),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        read(&q, &mut local, NOW, 10),
        (vec![], ReadState::Cancelled)
    );
    assert!(matches!(
        q.wait_open(NOW),
        Poll::Ready(Err(Error {
            kind: ErrorKind::Cancelled,
            ..
        }))
    ));
    assert!(q.is_finished());
}

#[test]
fn wait_open_tells_open_failure_and_timeout_apart() {
    let q = Queue::new(4);
    assert!(q.wait_open(Some(Duration::from_millis(10))).is_pending());
    q.set_response(Arc::new(response()));
    assert!(matches!(q.wait_open(NOW), Poll::Ready(Ok(()))));
    q.cancel();
    assert!(
        matches!(q.wait_open(NOW), Poll::Ready(Ok(()))),
        "opened before the cancel"
    );
    let q = Queue::new(4);
    q.set_failed(Error::new(ErrorKind::Connect, "refused"));
    match q.wait_open(None) {
        Poll::Ready(Err(e)) => assert_eq!(e.kind, ErrorKind::Connect),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_blocked_read_wakes_on_a_push_from_another_thread() {
    let q = Arc::new(Queue::new(8));
    let q2 = q.clone();
    let reader = std::thread::spawn(move || {
        let mut local = Local::default();
        read(&q2, &mut local, None, 8)
    });
    std::thread::sleep(Duration::from_millis(30));
    futures::executor::block_on(outbox(7..8).flush(&q)).unwrap();
    assert_eq!(reader.join().unwrap().0, vec![7]);
}

#[test]
fn a_read_times_out_when_nothing_comes() {
    let q = Queue::new(8);
    let mut local = Local::default();
    let t = std::time::Instant::now();
    assert_eq!(
        read(&q, &mut local, Some(Duration::from_millis(30)), 8),
        (vec![], ReadState::Empty)
    );
    assert!(t.elapsed() >= Duration::from_millis(30));
}

/// Bytes whose buffer reports the thread that drops it.
fn tracked(tx: std::sync::mpsc::Sender<std::thread::ThreadId>) -> Delivered {
    struct Owner(Vec<u8>, std::sync::mpsc::Sender<std::thread::ThreadId>);
    impl AsRef<[u8]> for Owner {
        fn as_ref(&self) -> &[u8] {
            &self.0
        }
    }
    impl Drop for Owner {
        fn drop(&mut self) {
            let _ = self.1.send(std::thread::current().id());
        }
    }
    let bytes = bytes::Bytes::from_owner(Owner(b"tracked".to_vec(), tx));
    Delivered {
        event: Event {
            data: Text::try_from(bytes).unwrap(),
            ..Event::default()
        },
        at_ns: 0,
    }
}

#[test]
fn spent_events_are_dropped_by_the_producer_not_the_reader() {
    let q = Queue::new(8);
    let (tx, rx) = std::sync::mpsc::channel();
    let mut out = Outbox::default();
    out.add(tracked(tx));
    assert!(push_once(&q, &mut out, &Arc::default()).is_ready());
    let reader = std::thread::scope(|s| {
        s.spawn(|| {
            let mut local = Local::default();
            assert_eq!(read(&q, &mut local, NOW, 8).0.len(), 1);
            // The next read gives the spent batch back.
            assert_eq!(read(&q, &mut local, NOW, 8).1, ReadState::Empty);
            std::thread::current().id()
        })
        .join()
        .unwrap()
    });
    assert!(rx.try_recv().is_err(), "still alive: the producer drops it");
    assert!(push_once(&q, &mut outbox(1..2), &Arc::default()).is_ready());
    let dropper = rx.recv_timeout(Duration::from_secs(1)).unwrap();
    assert_eq!(dropper, std::thread::current().id());
    assert_ne!(dropper, reader);
}

#[test]
fn poller_tokens_follow_readiness_across_many_streams() {
    const N: u64 = 1000;
    let poller = Poller::new();
    let fd = poller.fd().unwrap();
    let queues: Vec<Queue> = (0..N).map(|_| Queue::new(4)).collect();
    // Stream 0 is ready before it is attached: its token comes at once.
    assert!(push_once(&queues[0], &mut outbox(0..1), &Arc::default()).is_ready());
    for (i, q) in queues.iter().enumerate() {
        q.attach(Some((&poller, i as u64 * 10)));
    }
    assert_eq!(poller.ready_len(), 1);
    // Every third stream gets events, twice: one token each.
    for (i, q) in queues.iter().enumerate().skip(1).step_by(3) {
        for _ in 0..2 {
            assert!(push_once(q, &mut outbox(i as u64..i as u64 + 1), &Arc::default()).is_ready());
        }
    }
    let expected: Vec<u64> = std::iter::once(0)
        .chain((1..N).step_by(3).map(|i| i * 10))
        .collect();
    assert!(readable(fd, 0));
    let mut tokens = vec![0u64; 2 * N as usize];
    let n = poller.wait(NOW, &mut tokens);
    assert_eq!(
        &tokens[..n],
        &expected[..],
        "each ready stream once, in order"
    );
    assert!(!readable(fd, 0));
    // Not drained yet: more events queue no token.
    assert!(push_once(&queues[1], &mut outbox(0..1), &Arc::default()).is_ready());
    assert_eq!(poller.ready_len(), 0);
    // Drained, then an event: the token comes again.
    let mut local = Local::default();
    assert_eq!(read(&queues[1], &mut local, NOW, 10).1, ReadState::Empty);
    assert!(push_once(&queues[1], &mut outbox(0..1), &Arc::default()).is_ready());
    assert_eq!(poller.wait(NOW, &mut tokens), 1);
    assert_eq!(tokens[0], 10);
    // A final state queues the token of a drained stream too.
    let mut local = Local::default();
    assert_eq!(read(&queues[4], &mut local, NOW, 10).1, ReadState::Empty);
    queues[4].set_ended();
    queues[5].cancel();
    assert_eq!(poller.wait(NOW, &mut tokens), 2);
    assert_eq!(&tokens[..2], &[40, 50]);
    // Detaching withdraws a queued token; a dropped poller is harmless.
    queues[2].set_response(Arc::new(response()));
    assert_eq!(poller.ready_len(), 1);
    queues[2].attach(None);
    assert_eq!(poller.ready_len(), 0);
    assert!(!readable(fd, 0));
    drop(poller);
    queues[3].set_response(Arc::new(response()));
}

/// How the race test's consumer waits.
#[derive(Clone, Copy, Debug)]
enum Waiting {
    StreamFd,
    PollerFd,
    BlockingRead,
}

/// A producer pushing batches of every size into a small queue races a
/// consumer that waits whenever it finds nothing: every event must arrive
/// once, in order, and no wait may time out.
fn race(waiting: Waiting) {
    const N: u64 = 20_000;
    let q = Arc::new(Queue::new(16));
    let poller = Poller::new();
    q.attach(Some((&poller, 7)));
    let stream_fd = q.fd().unwrap();
    let poller_fd = poller.fd().unwrap();
    let q2 = q.clone();
    let producer = std::thread::spawn(move || {
        let mut next = 0;
        let mut size = 1;
        while next < N {
            let end = (next + size).min(N);
            futures::executor::block_on(outbox(next..end).flush(&q2)).unwrap();
            next = end;
            size = size % 37 + 1;
            if next % 97 == 0 {
                std::thread::yield_now();
            }
        }
        q2.set_ended();
    });
    let mut local = Local::default();
    let mut got = 0u64;
    let mut tokens = [0u64; 4];
    'outer: loop {
        let timeout = match waiting {
            Waiting::StreamFd => {
                assert!(readable(stream_fd, 5000), "lost wake-up after {got} events");
                NOW
            }
            Waiting::PollerFd => {
                assert!(readable(poller_fd, 5000), "lost wake-up after {got} events");
                assert_eq!(poller.wait(NOW, &mut tokens), 1);
                assert_eq!(tokens[0], 7);
                NOW
            }
            Waiting::BlockingRead => LONG,
        };
        loop {
            let (ids, state) = read(&q, &mut local, timeout, 13);
            let timed_out = ids.is_empty();
            for id in ids {
                assert_eq!(id, got, "out of order or repeated");
                got += 1;
            }
            match state {
                ReadState::More => {}
                ReadState::Empty if matches!(waiting, Waiting::BlockingRead) => {
                    assert!(!timed_out, "lost wake-up after {got} events");
                }
                ReadState::Empty => break,
                ReadState::End => break 'outer,
                other => panic!("{other:?}"),
            }
        }
    }
    producer.join().unwrap();
    assert_eq!(got, N);
}

#[test]
fn no_wakeup_is_lost_waiting_on_the_stream_fd() {
    race(Waiting::StreamFd);
}

#[test]
fn no_wakeup_is_lost_waiting_on_the_poller_fd() {
    race(Waiting::PollerFd);
}

#[test]
fn no_wakeup_is_lost_in_a_blocking_read() {
    race(Waiting::BlockingRead);
}
