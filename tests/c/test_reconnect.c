/*
 * The `reconnect` option through the C ABI, against sse-testserver:
 * SSE_NOTICE and sse_stream_notice, Last-Event-ID resumes, `retry`, the
 * answers that stop it, max_attempts, cancel during the wait, the poller.
 *
 *   test_reconnect BASE_URL      (e.g. http://127.0.0.1:40123)
 *
 * Prints one line per failed check and ends with "N passed, N failed";
 * exits non-zero when a check failed. tests/c/run.sh runs it under valgrind.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sse.h"

/* The request JSON for base + path with a `reconnect` object. */
static const char *reconnecting(const char *path, const char *reconnect) {
  static char json[2048];
  snprintf(json, sizeof json, "{\"url\": \"%s%s\", \"reconnect\": %s}", base, path, reconnect);
  return json;
}

static sse_stream *open_reconnecting(sse_client *c, const char *path, const char *reconnect) {
  return open_checked(c, reconnecting(path, reconnect), path);
}

/* The response's x-stream-id header as a number, 0 when absent. */
static long stream_id(const sse_stream *s) {
  size_t count = sse_stream_header_count(s);
  for (size_t i = 0; i < count; i++) {
    sse_bytes name, value;
    if (sse_stream_header(s, i, &name, &value) == SSE_OK && bytes_eq(name, "x-stream-id")) {
      char text[32];
      sse_bytes_copy(value, text, sizeof text);
      return atol(text);
    }
  }
  return 0;
}

static long id_of(sse_event ev) {
  char text[32];
  sse_bytes_copy(ev.id, text, sizeof text);
  return atol(text);
}

/* A reset every 2 events: 6 events over 3 connections, two notices at
 * each change, the response following the events, the timings summed. */
static void test_reset_resumes_after_the_last_id(void) {
  sse_client *c = new_client();
  sse_stream *s = open_reconnecting(c, "/fault/reset?after=2&ids=1&count=6&reset_ms=5",
                                    "{\"default_retry_ms\": 5}");
  if (!s) {
    sse_client_free(c);
    return;
  }
  long ids[16];
  int nids = 0, notices = 0;
  long streams[4] = {stream_id(s), 0, 0, 0};
  sse_event evs[16];
  sse_notice nt;
  size_t n = 0;
  CHECK_EQ_INT(sse_stream_notice(s, &nt), SSE_ERR_STATE); /* no notice read yet */
  for (int round = 0; round < 200 && nids < 6; round++) {
    sse_result r = sse_stream_read(s, 10000, evs, 16, &n);
    for (size_t i = 0; i < n && nids < 16; i++) ids[nids++] = id_of(evs[i]);
    if (r == SSE_NOTICE) {
      CHECK_EQ_INT(n, 0);
      CHECK_EQ_INT(sse_stream_notice(s, &nt), SSE_OK);
      int change = notices / 2; /* 0 or 1: after event 2 or 4 */
      char want_id[16];
      snprintf(want_id, sizeof want_id, "%d", 2 * (change + 1));
      CHECK_BYTES(nt.last_event_id, want_id);
      CHECK_EQ_INT(nt.attempt, 1);
      CHECK(nt.reason == SSE_ERROR_IO || nt.reason == SSE_ERROR_PROTOCOL);
      CHECK(nt.message.len > 0);
      if (notices % 2 == 0) {
        CHECK_EQ_INT(nt.kind, SSE_NOTICE_RECONNECTING);
        CHECK_EQ_INT(nt.wait_ms, 5);
        CHECK_EQ_INT(nt.status, 0);
      } else {
        CHECK_EQ_INT(nt.kind, SSE_NOTICE_RECONNECTED);
        CHECK_EQ_INT(nt.status, 200);
        CHECK(nt.downtime_ns >= 5000000);
        CHECK(nt.time_ns > nt.since_ns);
        /* The response is the new connection's from this read on. */
        if (change + 1 < 4) streams[change + 1] = stream_id(s);
        CHECK_EQ_INT(sse_stream_status(s), 200);
      }
      notices++;
    } else {
      CHECK(r == SSE_OK || r == SSE_TIMEOUT);
      if (r != SSE_OK && r != SSE_TIMEOUT) break;
    }
  }
  CHECK_EQ_INT(nids, 6);
  for (int i = 0; i < nids; i++) CHECK_EQ_INT(ids[i], i + 1);
  CHECK_EQ_INT(notices, 4);
  CHECK(streams[0] > 0 && streams[1] > streams[0] && streams[2] > streams[1]);
  /* After a read that was not a notice, there is none to read. */
  CHECK_EQ_INT(sse_stream_notice(s, &nt), SSE_ERR_STATE);
  sse_timings t;
  CHECK_EQ_INT(sse_stream_timings(s, &t), SSE_OK);
  CHECK_EQ_INT(t.events, 6);
  CHECK(t.bytes_read > 0 && t.headers_ns > t.start_ns);
  sse_close(s);
  sse_client_free(c);
}

/* The stream's `retry` sets the wait; max_retry_ms caps it. */
static void test_retry_sets_the_wait(void) {
  sse_client *c = new_client();
  const struct {
    const char *path, *reconnect;
    uint64_t wait_ms;
  } cases[] = {
      {"/events?count=1&ids=1&retry=40", "{\"default_retry_ms\": 5000}", 40},
      {"/events?count=1&ids=1&retry=100000", "{\"max_retry_ms\": 30}", 30},
      {"/events?count=1&ids=1", "{\"default_retry_ms\": 20}", 20},
  };
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    sse_stream *s = open_reconnecting(c, cases[k].path, cases[k].reconnect);
    if (!s) continue;
    sse_event ev;
    sse_notice nt;
    CHECK_EQ_INT(sse_next_event(s, 10000, &ev), SSE_OK);
    CHECK_EQ_INT(sse_next_event(s, 10000, &ev), SSE_NOTICE);
    CHECK_EQ_INT(sse_stream_notice(s, &nt), SSE_OK);
    CHECK_EQ_INT(nt.kind, SSE_NOTICE_RECONNECTING);
    CHECK_EQ_INT(nt.reason, SSE_ERROR_NONE); /* the server ended cleanly */
    CHECK_EQ_INT(nt.message.len, 0);
    CHECK_EQ_INT(nt.wait_ms, cases[k].wait_ms);
    CHECK_BYTES(nt.last_event_id, "1");
    sse_close(s);
  }
  sse_client_free(c);
}

/* A non-2xx, a 204 and a wrong content type stop the stream at once. */
static void test_answers_that_stop_it(void) {
  sse_client *c = new_client();
  const char *on = "{\"default_retry_ms\": 1}";
  sse_event ev;
  sse_stream *s = open_reconnecting(c, "/status/500?body=down", on);
  if (s) {
    CHECK_EQ_INT(sse_stream_status(s), 500);
    CHECK_EQ_INT(sse_next_event(s, 10000, &ev), SSE_ERR_STREAM);
    CHECK_EQ_INT(sse_error_kind_of(sse_stream_error(s)), SSE_ERROR_HTTP_STATUS);
    sse_close(s);
  }
  s = open_reconnecting(c, "/status/204", on);
  if (s) {
    CHECK_EQ_INT(sse_next_event(s, 10000, &ev), SSE_END);
    CHECK(sse_stream_error(s) == NULL);
    sse_close(s);
  }
  s = open_reconnecting(c, "/fault/content-type", on);
  if (s) {
    CHECK_EQ_INT(sse_stream_status(s), 200);
    CHECK_EQ_INT(sse_next_event(s, 10000, &ev), SSE_ERR_STREAM);
    const sse_error *e = sse_stream_error(s);
    CHECK_EQ_INT(sse_error_kind_of(e), SSE_ERROR_CONTENT_TYPE);
    CHECK(strcmp(sse_error_kind_name(sse_error_kind_of(e)), "content_type") == 0);
    char msg[256];
    sse_error_message(e, msg, sizeof msg);
    CHECK(strstr(msg, "text/plain") != NULL);
    sse_close(s);
  }
  sse_client_free(c);
}

/* Nothing listens on port 1: the attempts fail, then the stream. */
static void test_max_attempts(void) {
  sse_client *c = new_client();
  const char *json =
      "{\"url\": \"http://127.0.0.1:1/\", \"reconnect\": {\"max_attempts\": 2,"
      " \"default_retry_ms\": 1}}";
  sse_stream *s = NULL;
  CHECK_EQ_INT(sse_start(c, (const uint8_t *)json, strlen(json), &s, NULL), SSE_OK);
  if (s) {
    sse_event ev;
    sse_notice nt;
    for (uint32_t attempt = 1; attempt <= 2; attempt++) {
      CHECK_EQ_INT(sse_next_event(s, 10000, &ev), SSE_NOTICE);
      CHECK_EQ_INT(sse_stream_notice(s, &nt), SSE_OK);
      CHECK_EQ_INT(nt.kind, SSE_NOTICE_RECONNECTING);
      CHECK_EQ_INT(nt.attempt, attempt);
      CHECK_EQ_INT(nt.reason, SSE_ERROR_CONNECT);
    }
    CHECK_EQ_INT(sse_next_event(s, 10000, &ev), SSE_ERR_STREAM);
    const sse_error *e = sse_stream_error(s);
    CHECK_EQ_INT(sse_error_kind_of(e), SSE_ERROR_CONNECT);
    char msg[256];
    sse_error_message(e, msg, sizeof msg);
    CHECK(strstr(msg, "gave up after 2") != NULL);
    CHECK_EQ_INT(sse_stream_wait_open(s, 0), SSE_ERR_OPEN);
    sse_close(s);
  }
  /* The blocking open waits through the attempts. */
  sse_error *err = NULL;
  CHECK_EQ_INT(sse_open(c, (const uint8_t *)json, strlen(json), &s, &err), SSE_ERR_OPEN);
  CHECK_EQ_INT(sse_error_kind_of(err), SSE_ERROR_CONNECT);
  sse_error_free(err);
  sse_client_free(c);
}

typedef struct {
  sse_stream *s;
  sse_result got;
} blocked_read;

static void *read_forever(void *arg) {
  blocked_read *b = arg;
  sse_event ev;
  b->got = sse_next_event(b->s, -1, &ev);
  return NULL;
}

/* Cancel from another thread during a 60 s wait: the blocked read returns
 * at once, and closing frees everything (valgrind). */
static void test_cancel_during_the_wait(void) {
  sse_client *c = new_client();
  sse_stream *s = open_reconnecting(c, "/events?count=1", "{\"default_retry_ms\": 60000}");
  if (s) {
    sse_event ev;
    sse_notice nt;
    CHECK_EQ_INT(sse_next_event(s, 10000, &ev), SSE_OK);
    CHECK_EQ_INT(sse_next_event(s, 10000, &ev), SSE_NOTICE);
    CHECK_EQ_INT(sse_stream_notice(s, &nt), SSE_OK);
    CHECK_EQ_INT(nt.wait_ms, 60000);
    blocked_read b = {s, SSE_OK};
    pthread_t t;
    CHECK_EQ_INT(pthread_create(&t, NULL, read_forever, &b), 0);
    sleep_ms(100);
    CHECK_EQ_INT(sse_cancel(s), SSE_OK);
    pthread_join(t, NULL);
    CHECK_EQ_INT(b.got, SSE_CANCELLED);
    sse_close(s);
  }
  sse_client_free(c);
}

/* A poller's token fires for notices too: one loop reads everything. */
static void test_poller_sees_notices(void) {
  sse_client *c = new_client();
  sse_poller *p = NULL;
  CHECK_EQ_INT(sse_poller_new(&p), SSE_OK);
  sse_stream *s = NULL;
  const char *json = reconnecting("/fault/reset?after=3&ids=1&count=6&reset_ms=5",
                                  "{\"default_retry_ms\": 5}");
  CHECK_EQ_INT(sse_start(c, (const uint8_t *)json, strlen(json), &s, NULL), SSE_OK);
  if (s && p) {
    CHECK_EQ_INT(sse_stream_attach(s, p, 7), SSE_OK);
    long last = 0;
    int notices = 0, bad = 0;
    sse_event evs[8];
    size_t n, nt;
    uint64_t tokens[4];
    for (int round = 0; round < 200 && last < 6; round++) {
      if (sse_poller_wait(p, 10000, tokens, 4, &nt) != SSE_OK) break;
      sse_result r;
      do {
        r = sse_stream_read(s, 0, evs, 8, &n);
        for (size_t i = 0; i < n; i++) {
          if (id_of(evs[i]) != last + 1) bad++;
          last = id_of(evs[i]);
        }
        /* Only those before event 6: the stream goes on after it. */
        if (r == SSE_NOTICE && last < 6) notices++;
      } while (r == SSE_OK || r == SSE_NOTICE);
      CHECK_EQ_INT(r, SSE_TIMEOUT);
    }
    CHECK_EQ_INT(last, 6);
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_INT(notices, 2); /* RECONNECTING, RECONNECTED */
    sse_close(s);
  }
  sse_poller_free(p);
  sse_client_free(c);
}

static void test_misuse(void) {
  sse_notice nt;
  CHECK_EQ_INT(sse_stream_notice(NULL, &nt), SSE_ERR_NULL);
  sse_client *c = new_client();
  sse_stream *s = open_path(c, "/events?count=1");
  if (s) {
    CHECK_EQ_INT(sse_stream_notice(s, NULL), SSE_ERR_NULL);
    sse_event ev;
    CHECK_EQ_INT(sse_next_event(s, 10000, &ev), SSE_OK);
    CHECK_EQ_INT(sse_next_event(s, 10000, &ev), SSE_END); /* no reconnect asked */
    CHECK_EQ_INT(sse_stream_notice(s, &nt), SSE_ERR_STATE);
    sse_close(s);
  }
  const char *bad = "{\"url\": \"http://127.0.0.1:1/\", \"reconnect\": {\"retry\": 5}}";
  sse_error *err = NULL;
  CHECK_EQ_INT(sse_open(c, (const uint8_t *)bad, strlen(bad), &s, &err), SSE_ERR_INVALID);
  char msg[256];
  sse_error_message(err, msg, sizeof msg);
  CHECK(strstr(msg, "reconnect") != NULL && strstr(msg, "retry") != NULL);
  sse_error_free(err);
  sse_client_free(c);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: test_reconnect BASE_URL\n");
    return 2;
  }
  base = argv[1];
  test_reset_resumes_after_the_last_id();
  test_retry_sets_the_wait();
  test_answers_that_stop_it();
  test_max_attempts();
  test_cancel_during_the_wait();
  test_poller_sees_notices();
  test_misuse();
  printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
