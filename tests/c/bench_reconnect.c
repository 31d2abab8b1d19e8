/*
 * The reconnect benchmark, libsse side: one stream whose connection the
 * server resets every few events; the client reconnects with
 * Last-Event-ID (the server's `retry` sets the wait). Prints one line:
 * events, reconnects, lost and duplicated events (by ID), elapsed time,
 * the gap between the last event before each kill and the first after it
 * (median, p99), and the process's CPU time. benches/reconnect/run.sh runs
 * it next to the same client in Node (npm `eventsource`).
 *
 *   bench_reconnect URL COUNT      (URL's events carry ids 1..COUNT)
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared.h"
#include "sse.h"

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: bench_reconnect URL COUNT\n");
    return 2;
  }
  long count = atol(argv[2]);
  char json[1024];
  snprintf(json, sizeof json, "{\"url\": \"%s\", \"reconnect\": true}", argv[1]);
  sse_client *c = NULL;
  sse_stream *s = NULL;
  if (sse_client_new(NULL, 0, &c, NULL) != SSE_OK) return 1;
  uint64_t started = sse_now_ns();
  if (sse_open(c, (const uint8_t *)json, strlen(json), &s, NULL) != SSE_OK) return 1;
  uint64_t *gaps = calloc((size_t)count + 1, sizeof *gaps);
  if (!gaps) return 1;
  long last = 0, lost = 0, dup = 0, events = 0, reconnects = 0, ngaps = 0;
  uint64_t last_at = 0;
  int after_kill = 0;
  sse_event evs[64];
  size_t n;
  sse_result r = SSE_OK;
  while (last < count && (r == SSE_OK || r == SSE_TIMEOUT || r == SSE_NOTICE)) {
    r = sse_stream_read(s, 10000, evs, 64, &n);
    for (size_t i = 0; i < n; i++) {
      char id[32];
      sse_bytes_copy(evs[i].id, id, sizeof id);
      long v = atol(id);
      events++;
      if (v <= last) dup++;
      if (v > last + 1) lost += v - last - 1;
      if (v > last) last = v;
      if (after_kill && ngaps <= count) gaps[ngaps++] = evs[i].time_ns - last_at;
      after_kill = 0;
      last_at = evs[i].time_ns;
    }
    sse_notice nt;
    if (r == SSE_NOTICE && sse_stream_notice(s, &nt) == SSE_OK &&
        nt.kind == SSE_NOTICE_RECONNECTED) {
      reconnects++;
      after_kill = 1;
    }
  }
  double elapsed_ms = (sse_now_ns() - started) / 1e6;
  sse_close(s);
  sse_client_free(c);
  qsort(gaps, (size_t)ngaps, sizeof *gaps, cmp_u64);
  double p50 = ngaps ? gaps[ngaps / 2] / 1e6 : 0, p99 = ngaps ? gaps[ngaps * 99 / 100] / 1e6 : 0;
  printf("libsse: events=%ld reconnects=%ld lost=%ld dup=%ld elapsed_ms=%.0f gap_p50_ms=%.2f "
         "gap_p99_ms=%.2f cpu_ms=%.0f\n",
         events, reconnects, lost, dup, elapsed_ms, p50, p99, cpu_s() * 1e3);
  free(gaps);
  return last == count ? 0 : 1;
}
