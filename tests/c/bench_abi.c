/*
 * Cost per event across the C ABI, on a pre-filled queue.
 *
 *   bench_abi BASE_URL [EVENTS] [RUNS]
 *
 * For each read mode the stream /events?count=EVENTS&size=16&batch=1 is
 * opened with a queue large enough for every event, and the clock starts
 * only once the engine has parsed all of them (sse_stream_timings), so the
 * figure is the consumer side alone: the ABI call, the queue pop, filling
 * the views and freeing the previous event. The engine's own cost (socket
 * read + parse + enqueue) is reported separately from its timings.
 * Prints the minimum and the median of RUNS runs per mode, in ns per event
 * (on a shared machine the minimum is the better estimate of the cost).
 * Streams are short (EVENTS, default 20,000) so the queued events stay
 * mostly in cache, as they do when a consumer keeps up with a stream.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sse.h"

enum mode { BLOCKING, TRY, BATCH };
static const char *mode_name[] = {"sse_next_event (blocking)", "sse_try_next_event",
                                  "sse_next_events (batch 256)"};

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* One run: returns ns per event on the consumer side; *engine_ns gets the
 * engine's ns per event (first byte to last event parsed). */
static double run(sse_client *c, const char *base, long events, enum mode m, double *engine_ns) {
  char json[512];
  snprintf(json, sizeof json,
           "{\"url\": \"%s/events?count=%ld&size=16&batch=1\", \"queue_capacity\": %ld}", base,
           events, events + 16);
  sse_stream *s = NULL;
  sse_error *e = NULL;
  if (sse_open(c, (const uint8_t *)json, strlen(json), &s, &e) != SSE_OK) {
    char msg[256];
    sse_error_message(e, msg, sizeof msg);
    fprintf(stderr, "bench_abi: open: %s\n", msg);
    sse_error_free(e);
    exit(1);
  }
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
  }
  uint64_t t1 = sse_now_ns();
  if (got != events || r != SSE_END) {
    fprintf(stderr, "bench_abi: %s read %ld events, ended with %d\n", mode_name[m], got, (int)r);
    exit(1);
  }
  sse_close(s);
  return (double)(t1 - t0) / events;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: bench_abi BASE_URL [EVENTS] [RUNS]\n");
    return 2;
  }
  long events = argc > 2 ? atol(argv[2]) : 20000;
  int runs = argc > 3 ? atoi(argv[3]) : 21;
  if (events <= 0 || runs <= 0 || runs > 50) return 2;
  sse_client *c = NULL;
  if (sse_client_new(NULL, 0, &c, NULL) != SSE_OK) return 1;
  printf("C ABI: %ld events of 16 B per run, %d runs, consumer side on a pre-filled queue\n",
         events, runs);
  printf("%-30s %8s %8s   %s\n", "mode", "min", "median", "(engine: read+parse+enqueue, median)");
  for (int m = BLOCKING; m <= BATCH; m++) {
    double ns[50], engine[50];
    for (int i = 0; i < runs; i++) ns[i] = run(c, argv[1], events, (enum mode)m, &engine[i]);
    qsort(ns, (size_t)runs, sizeof ns[0], cmp_double);
    qsort(engine, (size_t)runs, sizeof engine[0], cmp_double);
    printf("%-30s %8.1f %8.1f   (%.1f) ns/event\n", mode_name[m], ns[0], ns[runs / 2],
           engine[runs / 2]);
  }
  sse_client_free(c);
  return 0;
}
