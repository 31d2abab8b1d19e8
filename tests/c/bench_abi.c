/*
 * Cost per event across the C ABI, on a pre-filled queue, and of a live
 * stream end to end.
 *
 *   bench_abi BASE_URL [EVENTS] [RUNS] [LIVE_EVENTS]
 *
 * Pre-filled: for each read mode the stream
 * /events?count=EVENTS&size=16&batch=1 is opened with a queue large enough
 * for every event, and the clock starts only once the engine has parsed all
 * of them (sse_stream_timings), so the figure is the consumer side alone:
 * the ABI call, taking events from the queue and filling the views. A
 * second column adds sse_close, which frees every event the reads left
 * (libsse >= 0.1 with the batch queue frees spent events on the producer's
 * thread, or at close when the producer is gone; the older per-event queue
 * freed each one in the read that followed it). The engine's own cost
 * (socket read + parse + enqueue) is reported separately from its timings.
 * Prints the minimum and the median of RUNS runs per mode, in ns per event
 * (on a shared machine the minimum is the better estimate of the cost).
 * Streams are short (EVENTS, default 20,000) so the queued events stay
 * mostly in cache, as they do when a consumer keeps up with a stream.
 *
 * Live: one stream of LIVE_EVENTS (default 2,000,000) read as it arrives
 * with sse_next_events (batch 256): the process's CPU time (getrusage:
 * producer threads, consumer and kernel) per event, and events/s. The
 * server runs in its own process.
 *
 * sse_stream_read exists from the batch-queue change on: build with
 * -DBENCH_WITHOUT_STREAM_READ against an older header for a before/after.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "shared.h"
#include "sse.h"

enum mode { BLOCKING, TRY, BATCH, READ };
static const char *mode_name[] = {"sse_next_event (blocking)", "sse_try_next_event",
                                  "sse_next_events (batch 256)", "sse_stream_read (batch 256)"};
#ifdef BENCH_WITHOUT_STREAM_READ
#define LAST_MODE BATCH
#else
#define LAST_MODE READ
#endif

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* One run: returns ns per event on the consumer side; *with_close_ns the
 * same with sse_close; *engine_ns the engine's ns per event (first byte to
 * last event parsed). */
static double run(sse_client *c, const char *base, long events, enum mode m, double *with_close_ns,
                  double *engine_ns) {
  char json[512];
  snprintf(json, sizeof json,
           "{\"url\": \"%s/events?count=%ld&size=16&batch=1\", \"queue_capacity\": %ld}", base,
           events, events + 16);
  sse_stream *s = open_or_report(c, json, 1, "bench_abi: ", json);
  if (!s) exit(1);
  sse_timings t;
  for (int i = 0; i < 12000; i++) { /* up to 120 s */
    /* end_ns is set once the last event is queued */
    if (sse_stream_timings(s, &t) == SSE_OK && t.events >= (uint64_t)events && t.end_ns) break;
    sleep_ms(10);
  }
  if (t.events < (uint64_t)events || !t.end_ns) {
    fprintf(stderr, "bench_abi: only %llu of %ld events were queued\n",
            (unsigned long long)t.events, events);
    exit(1);
  }
  sse_stream_timings(s, &t);
  *engine_ns = (double)(t.end_ns > t.first_byte_ns ? t.end_ns - t.first_byte_ns : 0) / events;

  static sse_event evs[256];
  sse_event ev;
  long got = 0;
  size_t n;
  sse_result r = SSE_OK;
  uint64_t t0 = sse_now_ns();
  switch (m) {
    case BLOCKING:
      while ((r = sse_next_event(s, -1, &ev)) == SSE_OK) got++;
      break;
    case TRY:
      while ((r = sse_try_next_event(s, &ev)) == SSE_OK) got++;
      break;
    case BATCH:
      while ((r = sse_next_events(s, -1, evs, 256, &n)) == SSE_OK) got += (long)n;
      break;
    case READ:
#ifndef BENCH_WITHOUT_STREAM_READ
      do {
        r = sse_stream_read(s, -1, evs, 256, &n);
        got += (long)n;
      } while (r == SSE_OK || r == SSE_TIMEOUT);
#endif
      break;
  }
  uint64_t t1 = sse_now_ns();
  if (got != events || r != SSE_END) {
    fprintf(stderr, "bench_abi: %s read %ld events, ended with %d\n", mode_name[m], got, (int)r);
    exit(1);
  }
  sse_close(s);
  uint64_t t2 = sse_now_ns();
  *with_close_ns = (double)(t2 - t0) / events;
  return (double)(t1 - t0) / events;
}

/* A live stream read with sse_next_events: process CPU ns per event and
 * events per second. */
static void live(sse_client *c, const char *base, long events) {
  char json[512];
  snprintf(json, sizeof json, "{\"url\": \"%s/events?count=%ld&size=16&batch=1\"}", base, events);
  sse_stream *s = NULL;
  double c0 = cpu_s();
  uint64_t t0 = sse_now_ns();
  if (sse_open(c, (const uint8_t *)json, strlen(json), &s, NULL) != SSE_OK) {
    fprintf(stderr, "bench_abi: live open failed\n");
    exit(1);
  }
  static sse_event evs[256];
  size_t n;
  long got = 0;
  sse_result r;
  while ((r = sse_next_events(s, -1, evs, 256, &n)) == SSE_OK) got += (long)n;
  sse_close(s);
  double wall = (double)(sse_now_ns() - t0) / 1e9, cpu = cpu_s() - c0;
  if (got != events || r != SSE_END) {
    fprintf(stderr, "bench_abi: live read %ld events, ended with %d\n", got, (int)r);
    exit(1);
  }
  printf("live, sse_next_events (batch 256): %.1f ns CPU per event, %.2f M events/s, %.2f cores\n",
         cpu * 1e9 / events, events / wall / 1e6, cpu / wall);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: bench_abi BASE_URL [EVENTS] [RUNS]\n");
    return 2;
  }
  long events = argc > 2 ? atol(argv[2]) : 20000;
  int runs = argc > 3 ? atoi(argv[3]) : 21;
  long live_events = argc > 4 ? atol(argv[4]) : 2000000;
  if (events <= 0 || runs <= 0 || runs > 50 || live_events < 0) return 2;
  sse_client *c = NULL;
  if (sse_client_new(NULL, 0, &c, NULL) != SSE_OK) return 1;
  printf("C ABI: %ld events of 16 B per run, %d runs, consumer side on a pre-filled queue\n",
         events, runs);
  printf("%-30s %8s %8s   %-22s %s\n", "mode", "min", "median", "with sse_close min/med",
         "(engine: read+parse+enqueue, median)");
  for (int m = BLOCKING; m <= LAST_MODE; m++) {
    double ns[50], closed[50], engine[50];
    for (int i = 0; i < runs; i++) {
      ns[i] = run(c, argv[1], events, (enum mode)m, &closed[i], &engine[i]);
    }
    qsort(ns, (size_t)runs, sizeof ns[0], cmp_double);
    qsort(closed, (size_t)runs, sizeof closed[0], cmp_double);
    qsort(engine, (size_t)runs, sizeof engine[0], cmp_double);
    printf("%-30s %8.1f %8.1f   %8.1f %8.1f      (%.1f) ns/event\n", mode_name[m], ns[0],
           ns[runs / 2], closed[0], closed[runs / 2], engine[runs / 2]);
  }
  if (live_events > 0) live(c, argv[1], live_events);
  sse_client_free(c);
  return 0;
}
