/*
 * What every C program under tests/c shares, the checked tests, the soak
 * and the benchmarks alike: a sleep, the process's CPU time, and an open
 * that says why it failed. The includer defines _POSIX_C_SOURCE
 * (nanosleep, getrusage) before any include.
 */
#ifndef SSE_TEST_SHARED_H
#define SSE_TEST_SHARED_H

#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "sse.h"

static inline void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

/* The process's CPU time so far, user + system, in seconds. */
static inline double cpu_s(void) {
  struct rusage u;
  getrusage(RUSAGE_SELF, &u);
  return (double)(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         (double)(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

/* Opens the request `json` with sse_open (`blocking`) or sse_start; NULL
 * when it did not open, with the error's message printed to stderr as
 * "<prefix>open <what>: <message>" and the error freed. */
static inline sse_stream *open_or_report(sse_client *c, const char *json, int blocking,
                                         const char *prefix, const char *what) {
  sse_stream *s = NULL;
  sse_error *e = NULL;
  sse_result r = blocking ? sse_open(c, (const uint8_t *)json, strlen(json), &s, &e)
                          : sse_start(c, (const uint8_t *)json, strlen(json), &s, &e);
  if (r != SSE_OK) {
    char msg[256];
    sse_error_message(e, msg, sizeof msg);
    fprintf(stderr, "%sopen %s: %s\n", prefix, what, msg);
    sse_error_free(e);
    return NULL;
  }
  return s;
}

#endif
