/*
 * Soak through the C ABI: many stream lifecycles, then one long stream
 * under back-pressure; open fds and RSS at the start and the end.
 *
 *   soak BASE_URL CYCLES EVENTS
 *
 * 1. CYCLES lifecycles on one client and one poller, three kinds in turn:
 *    read to the end (the connection goes back to the pool and is reused),
 *    cancel mid-stream (the connection is dropped), close before the
 *    response (cancel before the open). Every stream is attached to the
 *    poller. fds and RSS are taken after the first 1% (warm-up) and after
 *    the last cycle (fds once the closing connections settled).
 * 2. One stream of EVENTS 16-byte events with queue_capacity 16, read in
 *    batches of 8 with sse_stream_read: the producer outpaces the reader
 *    and waits on the full queue. Every event is checked in order; RSS is
 *    taken after 10% of the events and at the end.
 *
 * Exits non-zero when an event is lost or out of order, or when the fds
 * did not come back to where they started (+8 for a pooled connection and
 * the runtime). RSS is reported, not judged (tests/c/run.sh runs a small
 * soak under valgrind, which judges leaks). Linux: /proc/self.
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "shared.h"
#include "sse.h"

static long open_fds(void) {
  DIR *d = opendir("/proc/self/fd");
  long n = 0;
  if (!d) return -1;
  while (readdir(d)) n++;
  closedir(d);
  return n - 3; /* ".", "..", and the directory's own fd */
}

static long rss_kib(void) {
  long pages = 0, resident = 0;
  FILE *f = fopen("/proc/self/statm", "r");
  if (!f) return -1;
  if (fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = -1;
  fclose(f);
  return resident < 0 ? -1 : resident * (sysconf(_SC_PAGESIZE) / 1024);
}

static double now_s(void) { return (double)sse_now_ns() / 1e9; }

static sse_stream *start(sse_client *c, const char *json, int blocking) {
  return open_or_report(c, json, blocking, "soak: ", json);
}

/* One lifecycle of kind i % 3; returns 0 on success. */
static int cycle(sse_client *c, sse_poller *p, const char *base, long i) {
  char json[512];
  sse_event evs[8];
  size_t n;
  sse_result r;
  switch (i % 3) {
    case 0: { /* read to the end */
      snprintf(json, sizeof json, "{\"url\": \"%s/events?count=3&size=16\"}", base);
      sse_stream *s = start(c, json, 1);
      if (!s) return 1;
      sse_stream_attach(s, p, (uint64_t)i);
      size_t got = 0;
      int reads = 0;
      do {
        r = sse_stream_read(s, 5000, evs, 8, &n);
        got += n;
      } while ((r == SSE_OK || r == SSE_TIMEOUT) && ++reads < 10);
      sse_close(s);
      if (r != SSE_END || got != 3) {
        fprintf(stderr, "soak: cycle %ld: %zu events, result %d\n", i, got, (int)r);
        return 1;
      }
      return 0;
    }
    case 1: { /* cancel mid-stream */
      snprintf(json, sizeof json, "{\"url\": \"%s/events?count=0&size=16&interval_ms=1\"}", base);
      sse_stream *s = start(c, json, 1);
      if (!s) return 1;
      sse_stream_attach(s, p, (uint64_t)i);
      r = sse_stream_read(s, 5000, evs, 8, &n);
      sse_cancel(s);
      sse_close(s);
      if (n == 0) {
        fprintf(stderr, "soak: cycle %ld: no event before the cancel (%d)\n", i, (int)r);
        return 1;
      }
      return 0;
    }
    default: { /* close before the response */
      snprintf(json, sizeof json, "{\"url\": \"%s/events?count=1\"}", base);
      sse_stream *s = start(c, json, 0);
      if (!s) return 1;
      sse_stream_attach(s, p, (uint64_t)i);
      sse_close(s);
      return 0;
    }
  }
}

/* Drops the tokens the cycles queued (streams already closed withdrew
 * theirs, so normally none are left). */
static void drain_tokens(sse_poller *p) {
  uint64_t tokens[64];
  size_t n;
  while (sse_poller_wait(p, 0, tokens, 64, &n) == SSE_OK) {
  }
}

static int lifecycles(sse_client *c, const char *base, long cycles) {
  sse_poller *p = NULL;
  if (sse_poller_new(&p) != SSE_OK) return 1;
  if (sse_poller_fd(p) < 0) return 1;
  long warm = cycles / 100 < 3 ? 3 : cycles / 100;
  long fds0 = 0, rss0 = 0;
  double t0 = 0;
  int failed = 0;
  for (long i = 0; i < warm + cycles && !failed; i++) {
    if (i == warm) {
      drain_tokens(p);
      sleep_ms(200); /* closing connections settle */
      fds0 = open_fds();
      rss0 = rss_kib();
      t0 = now_s();
    }
    failed = cycle(c, p, base, i);
  }
  double secs = now_s() - t0;
  drain_tokens(p);
  long fds1 = open_fds();
  for (int i = 0; i < 200 && fds1 > fds0 + 8; i++) { /* bounded: 10 s */
    sleep_ms(50);
    fds1 = open_fds();
  }
  long rss1 = rss_kib();
  printf("lifecycles: %ld in %.1f s (%.0f/s); fds %ld -> %ld; RSS %ld -> %ld KiB\n", cycles,
         secs, cycles / secs, fds0, fds1, rss0, rss1);
  sse_poller_free(p);
  if (failed) return 1;
  if (fds1 > fds0 + 8) {
    fprintf(stderr, "soak: fds grew from %ld to %ld\n", fds0, fds1);
    return 1;
  }
  return 0;
}

static int long_stream(sse_client *c, const char *base, long events) {
  char json[512];
  snprintf(json, sizeof json,
           "{\"url\": \"%s/events?count=%ld&size=16&batch=1\", \"queue_capacity\": 16}", base,
           events);
  long fds0 = open_fds(), rss_start = rss_kib();
  long rss[10]; /* after each tenth of the events */
  int tenth = 0;
  sse_stream *s = start(c, json, 1);
  if (!s) return 1;
  sse_event evs[8];
  size_t n;
  sse_result r;
  long got = 0, calls = 0;
  int in_order = 1;
  double t0 = now_s();
  do {
    r = sse_stream_read(s, 10000, evs, 8, &n);
    calls++;
    for (size_t k = 0; k < n; k++) {
      char want[32];
      int len = snprintf(want, sizeof want, "%ld:", got + 1);
      if (evs[k].data.len < (size_t)len || memcmp(evs[k].data.ptr, want, (size_t)len) != 0) {
        in_order = 0;
      }
      got++;
    }
    if (tenth < 10 && got >= events / 10 * (tenth + 1)) rss[tenth++] = rss_kib();
  } while ((r == SSE_OK || (r == SSE_TIMEOUT && n > 0)) && calls <= events);
  double secs = now_s() - t0;
  long rss_end = rss_kib(), fds1 = open_fds();
  sse_close(s);
  printf("long stream: %ld events in %.1f s (%.2f M/s, %.1f per read); fds %ld -> %ld; "
         "RSS KiB at start %ld, after each tenth",
         got, secs, got / secs / 1e6, (double)got / (double)calls, fds0, fds1, rss_start);
  for (int i = 0; i < tenth; i++) printf(" %ld", rss[i]);
  printf(", at the end %ld\n", rss_end);
  if (r != SSE_END || got != events || !in_order) {
    fprintf(stderr, "soak: long stream: %ld of %ld events, in order %d, result %d\n", got, events,
            in_order, (int)r);
    return 1;
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: soak BASE_URL CYCLES EVENTS\n");
    return 2;
  }
  long cycles = atol(argv[2]), events = atol(argv[3]);
  if (cycles < 3 || events < 10) return 2;
  sse_client *c = NULL;
  if (sse_client_new(NULL, 0, &c, NULL) != SSE_OK) return 1;
  int failed = lifecycles(c, argv[1], cycles);
  if (!failed) failed = long_stream(c, argv[1], events);
  sse_client_free(c);
  printf("soak: %s\n", failed ? "FAILED" : "passed");
  return failed;
}
