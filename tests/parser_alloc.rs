//! "No heap allocation per single-line event", counted with a counting
//! global allocator (its own test binary, since it replaces the allocator).
//!
//! The stream is cut into 1,460 B chunks (one TCP segment) of one shared
//! buffer, like hyper hands them over; events are 30–60 B single-line
//! `data:` events, some with `id:` and `event:` lines. Allocations are
//! counted on this thread only, while feeding.

use bytes::Bytes;
use sse::parser::{Limits, Parser};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

struct CountingAllocator;

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

// SAFETY: every call is forwarded unchanged to the system allocator; the
// counter is a const-initialised thread-local `Cell`, which never allocates.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
        // SAFETY: same contract as our caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as our caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
        // SAFETY: same contract as our caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

fn allocations() -> u64 {
    ALLOCATIONS.with(|n| n.get())
}

/// `count` token events of 30–60 B; every `id_every`-th also has an `id:`
/// and an `event:` line (0 = never).
fn token_stream(count: usize, id_every: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for i in 0..count {
        if id_every > 0 && i % id_every == 0 {
            out.extend_from_slice(format!("id: {i}\nevent: token\n").as_bytes());
        }
        let pad = "x".repeat(i % 24);
        out.extend_from_slice(format!("data: {{\"t\":\"tok{i}{pad}\"}}\n\n").as_bytes());
    }
    out
}

/// Feeds `stream` in 1,460 B slices of one shared buffer; returns the
/// events seen and the allocations made while feeding.
fn feed_counting(stream: Vec<u8>) -> (usize, u64) {
    let stream = Bytes::from(stream);
    // Slicing promotes the shared buffer once; do it before counting.
    let chunks: Vec<Bytes> = (0..stream.len())
        .step_by(1460)
        .map(|at| stream.slice(at..stream.len().min(at + 1460)))
        .collect();
    let mut parser = Parser::new(Limits::default());
    let mut events = 0usize;
    let mut data_bytes = 0usize;
    let before = allocations();
    for chunk in &chunks {
        parser
            .feed(chunk.clone(), |e| {
                events += 1;
                data_bytes += e.data.len();
            })
            .unwrap();
    }
    let during = allocations() - before;
    assert!(data_bytes > events * 10);
    (events, during)
}

#[test]
fn no_heap_allocation_per_single_line_event() {
    // Lines cut by a chunk boundary are copied into one buffer whose
    // allocation is reclaimed once the event is dropped: a constant handful
    // of allocations however many events.
    for count in [10_000, 80_000] {
        let (events, during) = feed_counting(token_stream(count, 0));
        assert_eq!(events, count);
        assert!(during <= 8, "{during} allocations for {count} events");
    }
}

#[test]
fn id_and_type_lines_cut_by_a_chunk_boundary_are_the_only_copies() {
    // An `id:` line cut by a chunk boundary is copied, and the last-event-ID
    // keeps that copy alive, so the line buffer allocates anew: at most one
    // allocation per such line, still far below one per event.
    let count = 80_000;
    let (events, during) = feed_counting(token_stream(count, 50));
    assert_eq!(events, count);
    assert!(
        (during as usize) * 1000 <= count,
        "{during} allocations for {count} events"
    );
}

#[test]
fn multi_line_events_reuse_the_join_buffer() {
    let mut input = Vec::new();
    for i in 0..5_000 {
        input.extend_from_slice(
            format!("data: line one {i}\ndata: line two\n: c1\n: c2\n\n").as_bytes(),
        );
    }
    let stream = Bytes::from(input);
    let chunks: Vec<Bytes> = (0..stream.len())
        .step_by(1460)
        .map(|at| stream.slice(at..stream.len().min(at + 1460)))
        .collect();
    let mut parser = Parser::new(Limits::default());
    let mut events = 0usize;
    let before = allocations();
    for chunk in &chunks {
        parser
            .feed(chunk.clone(), |e| {
                assert!(e.data.ends_with("\nline two"));
                assert_eq!(e.comment, "c1\nc2");
                events += 1;
            })
            .unwrap();
    }
    let during = allocations() - before;
    assert_eq!(events, 5_000);
    assert!(
        during <= 16,
        "{during} allocations for {events} multi-line events"
    );
}
