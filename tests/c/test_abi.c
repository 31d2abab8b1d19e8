/*
 * The C ABI test suite: every call of include/sse.h against sse-testserver.
 *
 *   test_abi BASE_URL      (e.g. http://127.0.0.1:40123)
 *
 * Prints one line per failed check and ends with "N passed, N failed";
 * exits non-zero when a check failed. tests/c/run.sh runs it under valgrind.
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "sse.h"

/* Waits (bounded) until the engine has parsed `events` events. */
static int wait_parsed(sse_stream *s, uint64_t events) {
  sse_timings t;
  for (int i = 0; i < 500; i++) {
    if (sse_stream_timings(s, &t) == SSE_OK && t.events >= events) return 1;
    sleep_ms(10);
  }
  return 0;
}

/* The expected data of event i of /events with size 16. */
static const char *event_data(int i, int size) {
  static char d[128];
  int n = snprintf(d, sizeof d, "%d:", i);
  while (n < size) d[n++] = 'x';
  d[n] = '\0';
  return d;
}

/* ---- tests ------------------------------------------------------------ */

static void test_version(void) {
  char want[64];
  snprintf(want, sizeof want, "%d.%d.%d", SSE_VERSION_MAJOR, SSE_VERSION_MINOR,
           SSE_VERSION_PATCH);
  CHECK(strcmp(sse_version(), want) == 0);
  CHECK(strcmp(sse_version(), SSE_VERSION_STRING) == 0);
  uint64_t a = sse_now_ns(), b = sse_now_ns();
  CHECK(a > 0 && b >= a);
}

static void test_events_content(void) {
  sse_client *c = new_client();
  sse_stream *s = open_path(c, "/events?count=5&size=16&ids=1&event=tick");
  if (!s) goto out;
  CHECK_EQ_INT(sse_stream_status(s), 200);
  CHECK(sse_stream_is_event_stream(s));
  sse_event ev;
  for (int i = 1; i <= 5; i++) {
    CHECK_EQ_INT(sse_next_event(s, 5000, &ev), SSE_OK);
    CHECK_BYTES(ev.type, "tick");
    CHECK_BYTES(ev.data, event_data(i, 16));
    char id[16];
    snprintf(id, sizeof id, "%d", i);
    CHECK_BYTES(ev.id, id);
    CHECK_EQ_INT(ev.retry_ms, -1);
    CHECK_EQ_INT(ev.comment.len, 0);
    CHECK(ev.time_ns > 0 && ev.time_ns <= sse_now_ns());
  }
  CHECK_EQ_INT(sse_next_event(s, 5000, &ev), SSE_END);
  CHECK_EQ_INT(sse_next_event(s, 0, &ev), SSE_END); /* end is sticky */
  CHECK(sse_stream_error(s) == NULL);
  sse_close(s);
out:
  sse_client_free(c);
}

static void test_default_type_and_multiline(void) {
  sse_client *c = new_client();
  sse_stream *s = open_path(c, "/events?count=2&size=8&lines=2");
  if (!s) goto out;
  sse_event ev;
  CHECK_EQ_INT(sse_next_event(s, 5000, &ev), SSE_OK);
  CHECK_EQ_INT(ev.type.len, 0); /* no event field: the spec's "message" */
  CHECK_BYTES(ev.data, "1:xx\nxxxx"); /* two data lines joined by LF */
  CHECK_EQ_INT(ev.id.len, 0);
  sse_close(s);
out:
  sse_client_free(c);
}

static void test_retry_and_comment(void) {
  sse_client *c = new_client();
  /* the server sends `retry: 1500` in event 1 and ": comment <i>" before each */
  sse_stream *s = open_path(c, "/events?count=3&retry=1500&comment_every=1");
  if (!s) goto out;
  sse_event ev;
  for (int i = 1; i <= 3; i++) {
    CHECK_EQ_INT(sse_next_event(s, 5000, &ev), SSE_OK);
    CHECK_EQ_INT(ev.retry_ms, i == 1 ? 1500 : -1);
    char comment[32];
    snprintf(comment, sizeof comment, "comment %d", i);
    CHECK_BYTES(ev.comment, comment);
    CHECK_BYTES(ev.data, event_data(i, 16));
  }
  CHECK_EQ_INT(sse_next_event(s, 5000, &ev), SSE_END);
  sse_close(s);
out:
  sse_client_free(c);
}

static void test_http_status(void) {
  sse_client *c = new_client();
  sse_stream *s = open_path(c, "/status/503?body=busy%20now");
  if (!s) goto out;
  CHECK_EQ_INT(sse_stream_status(s), 503);
  CHECK(!sse_stream_is_event_stream(s));
  sse_event ev;
  CHECK_EQ_INT(sse_next_event(s, 5000, &ev), SSE_ERR_STREAM);
  const sse_error *e = sse_stream_error(s);
  CHECK(e != NULL);
  CHECK_EQ_INT(sse_error_kind_of(e), SSE_ERROR_HTTP_STATUS);
  CHECK_EQ_INT(sse_error_status(e), 503);
  sse_bytes body;
  CHECK_EQ_INT(sse_error_body(e, &body), SSE_OK);
  CHECK_BYTES(body, "busy now");
  CHECK(sse_error_message(e, NULL, 0) > 0);
  sse_close(s);
out:
  sse_client_free(c);
}

/* A 127.0.0.1 port nobody listens on: bound, then closed. */
/* A socket bound to 127.0.0.1 on a port the OS picks, listening when
 * `backlog` > 0 (nothing accepts unless the caller does: connects succeed,
 * requests get no answer). Returns the port, or -1; *fd, when >= 0, is
 * the caller's to close. */
static int loopback_socket(int *fd, int backlog) {
  *fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (*fd < 0 || bind(*fd, (struct sockaddr *)&a, sizeof a) != 0 ||
      (backlog > 0 && listen(*fd, backlog) != 0) ||
      getsockname(*fd, (struct sockaddr *)&a, &len) != 0) {
    return -1;
  }
  return ntohs(a.sin_port);
}

/* A port nothing listens on (bound, then closed). */
static int free_port(void) {
  int fd;
  int port = loopback_socket(&fd, 0);
  if (fd >= 0) close(fd);
  return port;
}

static void test_connection_refused(void) {
  sse_client *c = new_client();
  char json[128];
  snprintf(json, sizeof json, "{\"url\": \"http://127.0.0.1:%d/events\"}", free_port());
  sse_stream *s = NULL;
  sse_error *e = NULL;
  CHECK_EQ_INT(open_json(c, json, &s, &e), SSE_ERR_OPEN);
  CHECK(s == NULL);
  CHECK(e != NULL);
  CHECK_EQ_INT(sse_error_kind_of(e), SSE_ERROR_CONNECT);
  CHECK_EQ_INT(sse_error_status(e), 0);
  char msg[256];
  size_t full = sse_error_message(e, msg, sizeof msg);
  CHECK(full > 0 && strlen(msg) == (full < sizeof msg ? full : sizeof msg - 1));
  /* truncation: snprintf-like length, NUL-terminated prefix */
  char tiny[4];
  CHECK_EQ_INT(sse_error_message(e, tiny, sizeof tiny), full);
  CHECK(strlen(tiny) == 3 && memcmp(tiny, msg, 3) == 0);
  CHECK_EQ_INT(sse_error_message(e, NULL, 0), full);
  CHECK_EQ_INT(sse_error_message(e, NULL, 64), full); /* NULL buffer: length only */
  CHECK_EQ_INT(sse_error_body(e, NULL), SSE_ERR_NULL);
  CHECK(strcmp(sse_error_kind_name(sse_error_kind_of(e)), "connect") == 0);
  sse_bytes body;
  CHECK_EQ_INT(sse_error_body(e, &body), SSE_OK);
  CHECK_EQ_INT(body.len, 0);
  sse_error_free(e);
  sse_client_free(c);
}

/* The message of an error contains `needle`. */
static int message_has(const sse_error *e, const char *needle) {
  char msg[512];
  sse_error_message(e, msg, sizeof msg);
  return strstr(msg, needle) != NULL;
}

static void test_invalid_options(void) {
  sse_client *c = new_client();
  sse_stream *s = NULL;
  sse_error *e = NULL;
  const char *not_json = "{\"url\": ";
  CHECK_EQ_INT(open_json(c, not_json, &s, &e), SSE_ERR_INVALID);
  CHECK_EQ_INT(sse_error_kind_of(e), SSE_ERROR_INVALID_REQUEST);
  sse_error_free(e);
  e = NULL;

  char json[512];
  snprintf(json, sizeof json, "{\"url\": \"%s/events\", \"bogus_key\": 1}", base);
  CHECK_EQ_INT(open_json(c, json, &s, &e), SSE_ERR_INVALID);
  CHECK(message_has(e, "bogus_key"));
  sse_error_free(e);
  e = NULL;

  snprintf(json, sizeof json, "{\"url\": \"%s/events\", \"connect_timeout_ms\": \"soon\"}", base);
  CHECK_EQ_INT(open_json(c, json, &s, &e), SSE_ERR_INVALID);
  CHECK(message_has(e, "connect_timeout_ms"));
  sse_error_free(e);
  e = NULL;

  CHECK_EQ_INT(open_json(c, "{}", &s, &e), SSE_ERR_INVALID); /* url missing */
  CHECK(message_has(e, "url"));
  sse_error_free(e);
  e = NULL;
  CHECK(s == NULL);

  /* the error out-pointer is optional */
  CHECK_EQ_INT(open_json(c, not_json, &s, NULL), SSE_ERR_INVALID);

  /* client options are checked the same way */
  sse_client *c2 = NULL;
  const char *bad_client = "{\"no_such_option\": true}";
  CHECK_EQ_INT(sse_client_new((const uint8_t *)bad_client, strlen(bad_client), &c2, &e),
               SSE_ERR_INVALID);
  CHECK(c2 == NULL);
  CHECK(message_has(e, "no_such_option"));
  sse_error_free(e);
  sse_client_free(c);
}

static void test_null_arguments(void) {
  sse_client *c = new_client();
  sse_stream *s = open_path(c, "/events?count=1");
  sse_event ev;
  sse_bytes b;
  sse_timings t;
  size_t n;
  sse_error *e = NULL;
  const char *json = request("/events?count=1");
  const uint8_t *j = (const uint8_t *)json;

  CHECK_EQ_INT(sse_client_new(NULL, 0, NULL, NULL), SSE_ERR_NULL);
  CHECK_EQ_INT(sse_client_new(NULL, 5, &c, NULL), SSE_ERR_NULL); /* NULL json with a length */
  CHECK_EQ_INT(sse_open(NULL, j, strlen(json), &s, &e), SSE_ERR_NULL);
  CHECK_EQ_INT(sse_open(c, NULL, 3, &s, &e), SSE_ERR_NULL);
  CHECK_EQ_INT(sse_open(c, j, strlen(json), NULL, &e), SSE_ERR_NULL);
  CHECK_EQ_INT(sse_start(NULL, j, strlen(json), &s, &e), SSE_ERR_NULL);
  CHECK_EQ_INT(sse_start(c, NULL, 3, &s, &e), SSE_ERR_NULL);
  CHECK_EQ_INT(sse_start(c, j, strlen(json), NULL, &e), SSE_ERR_NULL);
  CHECK(e == NULL);
  CHECK_EQ_INT(sse_stream_wait_open(NULL, 0), SSE_ERR_NULL);
  CHECK_EQ_INT(sse_next_event(NULL, 0, &ev), SSE_ERR_NULL);
  CHECK_EQ_INT(sse_next_event(s, 0, NULL), SSE_ERR_NULL);
  CHECK_EQ_INT(sse_try_next_event(NULL, &ev), SSE_ERR_NULL);
  CHECK_EQ_INT(sse_try_next_event(s, NULL), SSE_ERR_NULL);
  CHECK_EQ_INT(sse_next_events(NULL, 0, &ev, 1, &n), SSE_ERR_NULL);
  CHECK_EQ_INT(sse_next_events(s, 0, NULL, 1, &n), SSE_ERR_NULL);
  CHECK_EQ_INT(sse_next_events(s, 0, &ev, 1, NULL), SSE_ERR_NULL);
  CHECK_EQ_INT(sse_next_events(s, 0, &ev, 0, &n), SSE_ERR_INVALID);
  CHECK_EQ_INT(sse_stream_fd(NULL), -1);
  CHECK_EQ_INT(sse_cancel(NULL), SSE_ERR_NULL);
  CHECK_EQ_INT(sse_stream_status(NULL), 0);
  CHECK_EQ_INT(sse_stream_header_count(NULL), 0);
  CHECK_EQ_INT(sse_stream_header(NULL, 0, &b, &b), SSE_ERR_NULL);
  CHECK_EQ_INT(sse_stream_header(s, 0, NULL, &b), SSE_ERR_NULL);
  CHECK_EQ_INT(sse_stream_header(s, 0, &b, NULL), SSE_ERR_NULL);
  CHECK(!sse_stream_is_event_stream(NULL));
  CHECK_EQ_INT(sse_stream_timings(NULL, &t), SSE_ERR_NULL);
  CHECK_EQ_INT(sse_stream_timings(s, NULL), SSE_ERR_NULL);
  CHECK(sse_stream_error(NULL) == NULL);
  CHECK_EQ_INT(sse_error_kind_of(NULL), SSE_ERROR_NONE);
  CHECK_EQ_INT(sse_error_status(NULL), 0);
  char msg[8] = "unset";
  CHECK_EQ_INT(sse_error_message(NULL, msg, sizeof msg), 0);
  CHECK_EQ_INT(sse_error_body(NULL, &b), SSE_ERR_NULL);
  CHECK(strcmp(sse_error_kind_name(999), "unknown") == 0);
  CHECK(strcmp(sse_error_kind_name(-1), "unknown") == 0);
  CHECK(strcmp(sse_error_kind_name(SSE_ERROR_CONNECT), "connect") == 0);
  sse_bytes null_view = {NULL, 4};
  CHECK_EQ_INT(sse_bytes_copy(null_view, msg, sizeof msg), 0);
  /* the free functions accept NULL */
  sse_close(NULL);
  sse_client_free(NULL);
  sse_error_free(NULL);
  /* the stream still works after all that */
  if (s) {
    CHECK_EQ_INT(sse_next_event(s, 5000, &ev), SSE_OK);
    sse_close(s);
  }
  sse_client_free(c);
}

static void test_client_freed_with_live_streams(void) {
  sse_client *c = new_client();
  sse_stream *s1 = open_path(c, "/events?count=3&interval_ms=20");
  sse_stream *s2 = open_path(c, "/events?count=2");
  sse_client_free(c); /* the streams hold the pool */
  sse_event ev;
  int n1 = 0, n2 = 0;
  sse_result r;
  while (s1 && (r = sse_next_event(s1, 5000, &ev)) == SSE_OK) n1++;
  CHECK_EQ_INT(n1, 3);
  while (s2 && (r = sse_next_event(s2, 5000, &ev)) == SSE_OK) n2++;
  CHECK_EQ_INT(n2, 2);
  CHECK_EQ_INT(r, SSE_END);
  sse_close(s1);
  sse_close(s2);
}

static void test_cancel_twice_then_close(void) {
  sse_client *c = new_client();
  sse_stream *s = open_path(c, "/fault/stall?after=1");
  if (s) {
    sse_event ev;
    CHECK_EQ_INT(sse_next_event(s, 5000, &ev), SSE_OK);
    CHECK_EQ_INT(sse_cancel(s), SSE_OK);
    CHECK_EQ_INT(sse_cancel(s), SSE_OK);
    CHECK_EQ_INT(sse_next_event(s, 5000, &ev), SSE_CANCELLED);
    CHECK_EQ_INT(sse_try_next_event(s, &ev), SSE_CANCELLED);
    size_t n;
    CHECK_EQ_INT(sse_next_events(s, 0, &ev, 1, &n), SSE_CANCELLED);
    sse_close(s);
  }
  sse_client_free(c);
}

struct canceller {
  sse_stream *s;
  long delay_ms;
};

static void *cancel_later(void *arg) {
  struct canceller *k = arg;
  sleep_ms(k->delay_ms);
  sse_cancel(k->s);
  return NULL;
}

static void test_cancel_from_other_thread(void) {
  sse_client *c = new_client();
  sse_stream *s = open_path(c, "/fault/stall?after=1");
  if (s) {
    sse_event ev;
    CHECK_EQ_INT(sse_next_event(s, 5000, &ev), SSE_OK);
    struct canceller k = {s, 100};
    pthread_t th;
    CHECK_EQ_INT(pthread_create(&th, NULL, cancel_later, &k), 0);
    uint64_t t0 = sse_now_ns();
    CHECK_EQ_INT(sse_next_event(s, -1, &ev), SSE_CANCELLED); /* blocks until cancelled */
    CHECK(sse_now_ns() - t0 >= 50 * 1000000ull);
    pthread_join(th, NULL);
    sse_close(s);
  }
  sse_client_free(c);
}

struct reader {
  sse_stream *s;
  sse_result result;
};

static void *read_blocking(void *arg) {
  struct reader *r = arg;
  sse_event ev;
  /* the main thread's probe may hold the stream for an instant */
  do {
    r->result = sse_next_event(r->s, 10000, &ev);
  } while (r->result == SSE_ERR_STATE);
  return NULL;
}

static void test_second_reader_gets_state_error(void) {
  sse_client *c = new_client();
  sse_stream *s = open_path(c, "/fault/stall?after=0");
  if (s) {
    struct reader r = {s, SSE_OK};
    pthread_t th;
    CHECK_EQ_INT(pthread_create(&th, NULL, read_blocking, &r), 0);
    /* probe until the thread is blocked in sse_next_event (bounded) */
    sse_event ev;
    sse_result probe = SSE_TIMEOUT;
    for (int i = 0; i < 250 && probe == SSE_TIMEOUT; i++) {
      sleep_ms(20);
      probe = sse_try_next_event(s, &ev);
    }
    CHECK_EQ_INT(probe, SSE_ERR_STATE);
    CHECK_EQ_INT(sse_cancel(s), SSE_OK);
    pthread_join(th, NULL);
    CHECK_EQ_INT(r.result, SSE_CANCELLED);
    sse_close(s);
  }
  sse_client_free(c);
}

static void test_batch_drain(void) {
  sse_client *c = new_client();
  sse_stream *s = open_path(c, "/events?count=100&size=16&batch=1");
  if (!s) goto out;
  CHECK(wait_parsed(s, 100));
  sse_event evs[16];
  size_t n = 0, total = 0;
  int calls = 0, in_order = 1;
  sse_result r;
  while ((r = sse_next_events(s, 5000, evs, 16, &n)) == SSE_OK) {
    if (calls++ == 0) CHECK_EQ_INT(n, 16); /* all 100 were queued: a full batch */
    CHECK(n >= 1 && n <= 16);
    for (size_t i = 0; i < n; i++) {
      if (!bytes_eq(evs[i].data, event_data((int)(total + i + 1), 16))) in_order = 0;
    }
    total += n;
  }
  CHECK_EQ_INT(r, SSE_END);
  CHECK_EQ_INT(total, 100);
  CHECK(in_order);
  CHECK_EQ_INT(calls, 7); /* ceil(100 / 16) */
  sse_close(s);
out:
  sse_client_free(c);
}

static void test_batch_mixed_with_single(void) {
  sse_client *c = new_client();
  sse_stream *s = open_path(c, "/events?count=5&batch=1");
  if (!s) goto out;
  CHECK(wait_parsed(s, 5));
  sse_event evs[2], ev;
  size_t n;
  CHECK_EQ_INT(sse_next_events(s, 0, evs, 2, &n), SSE_OK);
  CHECK_EQ_INT(n, 2);
  CHECK_BYTES(evs[1].data, event_data(2, 16));
  CHECK_EQ_INT(sse_next_event(s, 0, &ev), SSE_OK);
  CHECK_BYTES(ev.data, event_data(3, 16));
  CHECK_EQ_INT(sse_next_events(s, 0, evs, 2, &n), SSE_OK);
  CHECK_EQ_INT(n, 2);
  CHECK_BYTES(evs[0].data, event_data(4, 16));
  CHECK_EQ_INT(sse_next_events(s, 1000, evs, 2, &n), SSE_END);
  sse_close(s);
out:
  sse_client_free(c);
}

static void test_try_next(void) {
  sse_client *c = new_client();
  sse_stream *s = open_path(c, "/fault/stall?after=0");
  sse_event ev;
  if (s) {
    CHECK_EQ_INT(sse_try_next_event(s, &ev), SSE_TIMEOUT);
    CHECK_EQ_INT(sse_next_event(s, 50, &ev), SSE_TIMEOUT);
    sse_event evs[4];
    size_t n = 99;
    CHECK_EQ_INT(sse_next_events(s, 0, evs, 4, &n), SSE_TIMEOUT);
    CHECK_EQ_INT(sse_next_events(s, 50, evs, 4, &n), SSE_TIMEOUT);
    CHECK_EQ_INT(n, 99); /* not written unless SSE_OK */
    sse_close(s);
  }
  s = open_path(c, "/events?count=3&batch=1");
  if (s) {
    CHECK(wait_parsed(s, 3));
    for (int i = 1; i <= 3; i++) {
      CHECK_EQ_INT(sse_try_next_event(s, &ev), SSE_OK);
      CHECK_BYTES(ev.data, event_data(i, 16));
    }
    sse_result r = SSE_TIMEOUT;
    for (int i = 0; i < 500 && r == SSE_TIMEOUT; i++) {
      r = sse_try_next_event(s, &ev);
      if (r == SSE_TIMEOUT) sleep_ms(10);
    }
    CHECK_EQ_INT(r, SSE_END);
    sse_close(s);
  }
  sse_client_free(c);
}

static int readable(int fd, int timeout_ms) {
  struct pollfd p = {fd, POLLIN, 0};
  return poll(&p, 1, timeout_ms) == 1 && (p.revents & POLLIN);
}

/* The poll loop of an event-loop caller: wait for the fd, then read
 * without blocking. The fd is also readable once the open completed, so a
 * wakeup may find no event yet; *wakeups counts the polls. */
static sse_result next_by_poll(sse_stream *s, sse_event *ev, int *wakeups) {
  sse_result r = SSE_TIMEOUT;
  for (*wakeups = 0; *wakeups < 10 && r == SSE_TIMEOUT; ++*wakeups) {
    if (!readable(sse_stream_fd(s), 5000)) return SSE_TIMEOUT;
    r = sse_try_next_event(s, ev);
  }
  return r;
}

static void test_fd_readable(void) {
  sse_client *c = new_client();
  sse_stream *s = open_path(c, "/fault/stall?after=1");
  if (s) {
    int fd = sse_stream_fd(s);
    CHECK(fd >= 0);
    CHECK(readable(fd, 5000)); /* the open completed */
    sse_event ev;
    int wakeups;
    CHECK_EQ_INT(next_by_poll(s, &ev, &wakeups), SSE_OK); /* event 1 */
    CHECK(wakeups <= 2);
    CHECK_BYTES(ev.data, event_data(1, 16));
    /* level-triggered until a read finds the queue empty */
    CHECK_EQ_INT(sse_try_next_event(s, &ev), SSE_TIMEOUT);
    CHECK(!readable(fd, 100)); /* queue empty, stream still open */
    CHECK_EQ_INT(sse_stream_fd(s), fd); /* stable */
    sse_cancel(s);
    CHECK(readable(fd, 5000)); /* the stream ended */
    sse_close(s);
  }
  s = open_path(c, "/events?count=2&batch=1");
  if (s) {
    int fd = sse_stream_fd(s);
    sse_event ev;
    int got = 0;
    for (int i = 0; i < 10 && got < 2; i++) {
      if (!readable(fd, 5000)) break;
      while (sse_try_next_event(s, &ev) == SSE_OK) got++;
    }
    CHECK_EQ_INT(got, 2);
    CHECK(readable(fd, 5000)); /* end of stream keeps it readable */
    CHECK_EQ_INT(sse_try_next_event(s, &ev), SSE_END);
    sse_close(s);
  }
  sse_client_free(c);
}

/* Waits (bounded) until the engine has parsed the whole stream. */
static int wait_ended(sse_stream *s) {
  sse_timings t;
  for (int i = 0; i < 500; i++) {
    if (sse_stream_timings(s, &t) == SSE_OK && t.end_ns) return 1;
    sleep_ms(10);
  }
  return 0;
}

static void test_stream_read_batch_and_state(void) {
  sse_client *c = new_client();
  sse_event evs[16];
  size_t n = 99;
  /* all of it at once: the last batch and the end in one call */
  sse_stream *s = open_path(c, "/events?count=10&size=16&batch=1");
  if (s) {
    CHECK(wait_ended(s));
    CHECK_EQ_INT(sse_stream_read(s, 0, evs, 16, &n), SSE_END);
    CHECK_EQ_INT(n, 10);
    CHECK_BYTES(evs[0].data, event_data(1, 16));
    CHECK_BYTES(evs[9].data, event_data(10, 16));
    CHECK_EQ_INT(sse_stream_read(s, 1000, evs, 16, &n), SSE_END); /* sticky */
    CHECK_EQ_INT(n, 0);
    sse_close(s);
  }
  /* a smaller array: SSE_OK says "more queued, call again" */
  s = open_path(c, "/events?count=10&size=16&batch=1");
  if (s) {
    CHECK(wait_ended(s));
    size_t total = 0;
    sse_result r;
    int calls = 0, in_order = 1;
    while ((r = sse_stream_read(s, 0, evs, 4, &n)) == SSE_OK) {
      CHECK(n >= 1 && n <= 4);
      for (size_t i = 0; i < n; i++) {
        if (!bytes_eq(evs[i].data, event_data((int)(total + i + 1), 16))) in_order = 0;
      }
      total += n;
      if (++calls > 10) break;
    }
    CHECK_EQ_INT(r, SSE_END);
    total += n;
    CHECK_EQ_INT(total, 10);
    CHECK(in_order);
    sse_close(s);
  }
  /* a stalled stream: its event, then SSE_TIMEOUT "nothing more now" */
  s = open_path(c, "/fault/stall?after=1");
  if (s) {
    CHECK(wait_parsed(s, 1));
    CHECK_EQ_INT(sse_stream_read(s, 0, evs, 16, &n), SSE_TIMEOUT);
    CHECK_EQ_INT(n, 1);
    CHECK_BYTES(evs[0].data, event_data(1, 16));
    uint64_t t0 = sse_now_ns();
    CHECK_EQ_INT(sse_stream_read(s, 50, evs, 16, &n), SSE_TIMEOUT);
    CHECK_EQ_INT(n, 0);
    CHECK(sse_now_ns() - t0 >= 40 * 1000000ull);
    CHECK_EQ_INT(sse_cancel(s), SSE_OK);
    CHECK_EQ_INT(sse_stream_read(s, 0, evs, 16, &n), SSE_CANCELLED);
    CHECK_EQ_INT(n, 0);
    sse_close(s);
  }
  /* a failure mid-stream: events first, then SSE_ERR_STREAM */
  s = open_path(c, "/fault/reset?after=2");
  if (s) {
    size_t total = 0;
    sse_result r;
    for (int i = 0; i < 50; i++) {
      r = sse_stream_read(s, 5000, evs, 16, &n);
      total += n;
      if (r != SSE_OK && r != SSE_TIMEOUT) break;
    }
    CHECK_EQ_INT(r, SSE_ERR_STREAM);
    CHECK_EQ_INT(total, 2);
    CHECK(sse_stream_error(s) != NULL);
    sse_close(s);
  }
  sse_client_free(c);
}

/* Reads every stream attached to `p` (tokens 100 + i) to its end through
 * the poller; counts[i] gets the events of stream i. With use_fd, waits on
 * the poller's fd with poll(2); otherwise in sse_poller_wait. */
static void drain_by_poller(sse_poller *p, sse_stream **ss, int count, int *counts, int use_fd) {
  int left = count;
  sse_event evs[8];
  uint64_t tokens[4];
  for (int rounds = 0; left > 0 && rounds < 10000; rounds++) {
    size_t nt = 0;
    if (use_fd) {
      if (!readable(sse_poller_fd(p), 5000)) break;
      if (sse_poller_wait(p, 0, tokens, 4, &nt) != SSE_OK) continue;
    } else if (sse_poller_wait(p, 5000, tokens, 4, &nt) != SSE_OK) {
      break;
    }
    for (size_t k = 0; k < nt; k++) {
      int i = (int)(tokens[k] - 100);
      if (i < 0 || i >= count || !ss[i]) {
        CHECK(!"a token that belongs to no stream");
        continue;
      }
      sse_result r;
      size_t n;
      do {
        r = sse_stream_read(ss[i], 0, evs, 8, &n);
        for (size_t e = 0; e < n; e++) {
          if (!bytes_eq(evs[e].data, event_data(counts[i] + 1, 16))) CHECK(!"out of order");
          counts[i]++;
        }
      } while (r == SSE_OK);
      if (r == SSE_END) {
        sse_close(ss[i]);
        ss[i] = NULL;
        left--;
      } else {
        CHECK_EQ_INT(r, SSE_TIMEOUT);
      }
    }
  }
  CHECK_EQ_INT(left, 0);
}

static void test_poller_many_streams_one_fd(void) {
  enum { STREAMS = 24, EVENTS = 30 };
  sse_client *c = new_client();
  sse_poller *p = NULL;
  CHECK_EQ_INT(sse_poller_new(&p), SSE_OK);
  if (!p) goto out;
  int fd = sse_poller_fd(p);
  CHECK(fd >= 0);
  CHECK_EQ_INT(sse_poller_fd(p), fd); /* one fd, stable */
  for (int use_fd = 0; use_fd <= 1; use_fd++) {
    sse_stream *ss[STREAMS] = {0};
    int counts[STREAMS] = {0};
    char json[512];
    for (int i = 0; i < STREAMS; i++) {
      snprintf(json, sizeof json,
               "{\"url\": \"%s/events?count=%d&size=16&interval_ms=%d\", \"queue_capacity\": 4}",
               base, EVENTS, i % 3);
      CHECK_EQ_INT(sse_start(c, (const uint8_t *)json, strlen(json), &ss[i], NULL), SSE_OK);
      CHECK_EQ_INT(sse_stream_attach(ss[i], p, 100 + (uint64_t)i), SSE_OK);
    }
    drain_by_poller(p, ss, STREAMS, counts, use_fd);
    for (int i = 0; i < STREAMS; i++) {
      CHECK_EQ_INT(counts[i], EVENTS);
      sse_close(ss[i]); /* NULL once ended */
    }
  }
  size_t n = 7;
  uint64_t tok;
  CHECK_EQ_INT(sse_poller_wait(p, 0, &tok, 1, &n), SSE_TIMEOUT);
  CHECK_EQ_INT(n, 7); /* not written */
  CHECK(!readable(fd, 0));
  sse_poller_free(p);
out:
  sse_client_free(c);
}

static void test_poller_attach_detach_close(void) {
  sse_client *c = new_client();
  sse_poller *p = NULL, *q = NULL;
  CHECK_EQ_INT(sse_poller_new(&p), SSE_OK);
  CHECK_EQ_INT(sse_poller_new(&q), SSE_OK);
  uint64_t tok[4];
  size_t n = 0;
  sse_stream *s = open_path(c, "/events?count=3&batch=1");
  if (s && p && q) {
    CHECK(wait_parsed(s, 3));
    /* ready when attached: its token is there at once */
    CHECK_EQ_INT(sse_stream_attach(s, p, 5), SSE_OK);
    CHECK(readable(sse_poller_fd(p), 0));
    CHECK_EQ_INT(sse_poller_wait(p, 0, tok, 4, &n), SSE_OK);
    CHECK_EQ_INT(n, 1);
    CHECK_EQ_INT(tok[0], 5);
    CHECK_EQ_INT(sse_poller_wait(p, 0, tok, 4, &n), SSE_TIMEOUT); /* once */
    /* moved to another poller with another token; detach withdraws it */
    CHECK_EQ_INT(sse_stream_attach(s, q, 6), SSE_OK);
    CHECK_EQ_INT(sse_stream_attach(s, NULL, 0), SSE_OK);
    CHECK_EQ_INT(sse_poller_wait(q, 0, tok, 4, &n), SSE_TIMEOUT);
    /* closing withdraws too */
    CHECK_EQ_INT(sse_stream_attach(s, q, 7), SSE_OK);
    sse_close(s);
    CHECK_EQ_INT(sse_poller_wait(q, 20, tok, 4, &n), SSE_TIMEOUT);
    CHECK(!readable(sse_poller_fd(q), 0));
  } else {
    sse_close(s);
  }
  /* a freed poller leaves its streams working */
  s = open_path(c, "/events?count=2&interval_ms=20");
  if (s && p) {
    CHECK_EQ_INT(sse_stream_attach(s, p, 8), SSE_OK);
    sse_poller_free(p);
    p = NULL;
    sse_event ev;
    int got = 0;
    while (sse_next_event(s, 5000, &ev) == SSE_OK) got++;
    CHECK_EQ_INT(got, 2);
  }
  sse_close(s);
  sse_poller_free(p);
  sse_poller_free(q);
  sse_client_free(c);
}

static void test_poller_null_arguments(void) {
  sse_poller *p = NULL;
  uint64_t tok;
  size_t n;
  sse_event ev;
  CHECK_EQ_INT(sse_poller_new(NULL), SSE_ERR_NULL);
  CHECK_EQ_INT(sse_poller_fd(NULL), -1);
  CHECK_EQ_INT(sse_poller_wait(NULL, 0, &tok, 1, &n), SSE_ERR_NULL);
  CHECK_EQ_INT(sse_poller_new(&p), SSE_OK);
  CHECK_EQ_INT(sse_poller_wait(p, 0, NULL, 1, &n), SSE_ERR_NULL);
  CHECK_EQ_INT(sse_poller_wait(p, 0, &tok, 1, NULL), SSE_ERR_NULL);
  CHECK_EQ_INT(sse_poller_wait(p, 0, &tok, 0, &n), SSE_ERR_INVALID);
  CHECK_EQ_INT(sse_stream_attach(NULL, p, 1), SSE_ERR_NULL);
  CHECK_EQ_INT(sse_stream_read(NULL, 0, &ev, 1, &n), SSE_ERR_NULL);
  sse_client *c = new_client();
  sse_stream *s = open_path(c, "/events?count=1");
  if (s) {
    CHECK_EQ_INT(sse_stream_read(s, 0, NULL, 1, &n), SSE_ERR_NULL);
    CHECK_EQ_INT(sse_stream_read(s, 0, &ev, 1, NULL), SSE_ERR_NULL);
    CHECK_EQ_INT(sse_stream_read(s, 0, &ev, 0, &n), SSE_ERR_INVALID);
    sse_close(s);
  }
  sse_client_free(c);
  sse_poller_free(p);
  sse_poller_free(NULL);
}

static void test_wait_open_cancelled(void) {
  sse_client *c = new_client();
  int lfd;
  int port = loopback_socket(&lfd, 8); /* listens, never accepts */
  CHECK(port > 0);
  char json[128];
  snprintf(json, sizeof json, "{\"url\": \"http://127.0.0.1:%d/\"}", port);
  sse_stream *s = NULL;
  CHECK_EQ_INT(sse_start(c, (const uint8_t *)json, strlen(json), &s, NULL), SSE_OK);
  if (s) {
    CHECK_EQ_INT(sse_stream_wait_open(s, 50), SSE_TIMEOUT);
    CHECK_EQ_INT(sse_cancel(s), SSE_OK);
    CHECK_EQ_INT(sse_stream_wait_open(s, 5000), SSE_CANCELLED);
    CHECK(sse_stream_error(s) == NULL); /* a cancel is not a failure */
    CHECK_EQ_INT(sse_stream_status(s), 0);
    sse_event ev;
    CHECK_EQ_INT(sse_next_event(s, 0, &ev), SSE_CANCELLED);
    sse_close(s);
  }
  if (lfd >= 0) close(lfd);
  CHECK(strcmp(sse_error_kind_name(SSE_ERROR_INTERNAL), "internal") == 0);
  sse_client_free(c);
}

static void test_start_then_wait_open(void) {
  sse_client *c = new_client();
  sse_stream *s = NULL;
  const char *json = request("/events?count=2");
  CHECK_EQ_INT(sse_start(c, (const uint8_t *)json, strlen(json), &s, NULL), SSE_OK);
  if (s) {
    CHECK(readable(sse_stream_fd(s), 5000)); /* the open completed */
    CHECK_EQ_INT(sse_stream_wait_open(s, 5000), SSE_OK);
    CHECK_EQ_INT(sse_stream_status(s), 200);
    sse_event ev;
    CHECK_EQ_INT(sse_next_event(s, 5000, &ev), SSE_OK);
    CHECK_BYTES(ev.data, event_data(1, 16));
    sse_close(s);
  }
  char refused[128];
  snprintf(refused, sizeof refused, "{\"url\": \"http://127.0.0.1:%d/\"}", free_port());
  s = NULL;
  CHECK_EQ_INT(sse_start(c, (const uint8_t *)refused, strlen(refused), &s, NULL), SSE_OK);
  if (s) {
    CHECK_EQ_INT(sse_stream_wait_open(s, 5000), SSE_ERR_OPEN);
    CHECK_EQ_INT(sse_error_kind_of(sse_stream_error(s)), SSE_ERROR_CONNECT);
    CHECK_EQ_INT(sse_stream_status(s), 0);
    sse_close(s);
  }
  sse_client_free(c);
}

static void test_remote_addr_and_http_version(void) {
  sse_client *c = new_client();
  sse_bytes b = {NULL, 0};
  for (int i = 0; i < 2; i++) { /* the second stream reuses the pooled connection */
    sse_stream *s = open_path(c, "/events?count=1");
    if (!s) break;
    CHECK_EQ_INT(sse_stream_remote_addr(s, &b), SSE_OK);
    CHECK_BYTES(b, "127.0.0.1");
    sse_bytes again = {NULL, 0};
    CHECK_EQ_INT(sse_stream_remote_addr(s, &again), SSE_OK);
    CHECK(again.ptr == b.ptr); /* one text per stream, lent until sse_close */
    CHECK_EQ_INT(sse_stream_http_version(s, &b), SSE_OK);
    CHECK_BYTES(b, "HTTP/1.1");
    sse_event ev;
    CHECK_EQ_INT(sse_next_event(s, 5000, &ev), SSE_OK);
    CHECK_EQ_INT(sse_next_event(s, 5000, &ev), SSE_END);
    sse_timings t;
    CHECK_EQ_INT(sse_stream_timings(s, &t), SSE_OK);
    CHECK_EQ_INT(t.reused_connection, i == 1);
    /* NULL misuse */
    CHECK_EQ_INT(sse_stream_remote_addr(NULL, &b), SSE_ERR_NULL);
    CHECK_EQ_INT(sse_stream_remote_addr(s, NULL), SSE_ERR_NULL);
    CHECK_EQ_INT(sse_stream_http_version(NULL, &b), SSE_ERR_NULL);
    CHECK_EQ_INT(sse_stream_http_version(s, NULL), SSE_ERR_NULL);
    sse_close(s);
  }
  /* an open that failed has no response: both are a state error, *out untouched */
  char refused[128];
  snprintf(refused, sizeof refused, "{\"url\": \"http://127.0.0.1:%d/\"}", free_port());
  sse_stream *s = NULL;
  CHECK_EQ_INT(sse_start(c, (const uint8_t *)refused, strlen(refused), &s, NULL), SSE_OK);
  if (s) {
    CHECK_EQ_INT(sse_stream_wait_open(s, 5000), SSE_ERR_OPEN);
    sse_bytes untouched = {NULL, 7};
    CHECK_EQ_INT(sse_stream_remote_addr(s, &untouched), SSE_ERR_STATE);
    CHECK_EQ_INT(sse_stream_http_version(s, &untouched), SSE_ERR_STATE);
    CHECK(untouched.ptr == NULL && untouched.len == 7);
    sse_close(s);
  }
  sse_client_free(c);
}

/* A one-shot server on 127.0.0.1 that answers one request with a 302 to
 * `location`; it gives up after 10 s without a client. */
typedef struct {
  int listener;
  char location[512];
} redirector;

static void *redirect_once(void *arg) {
  redirector *r = arg;
  struct pollfd p = {r->listener, POLLIN, 0};
  if (poll(&p, 1, 10000) != 1) return NULL;
  int conn = accept(r->listener, NULL, NULL);
  if (conn < 0) return NULL;
  char head[4096];
  size_t got = 0;
  while (got < sizeof head - 1) {
    ssize_t n = read(conn, head + got, sizeof head - 1 - got);
    if (n <= 0) break;
    got += (size_t)n;
    head[got] = '\0';
    if (strstr(head, "\r\n\r\n")) break;
  }
  char answer[1024];
  int n = snprintf(answer, sizeof answer,
                   "HTTP/1.1 302 Found\r\nLocation: %s\r\nContent-Length: 0\r\n"
                   "Connection: close\r\n\r\n",
                   r->location);
  if (write(conn, answer, (size_t)n) != n) perror("redirect_once write");
  close(conn);
  return NULL;
}

static void test_redirect_and_final_url(void) {
  sse_client *c = new_client();
  sse_bytes url = {NULL, 0};
  /* Without a redirect: the request's URL as given. */
  sse_stream *s = open_path(c, "/events?count=1");
  if (s) {
    CHECK_EQ_INT(sse_stream_url(s, &url), SSE_OK);
    char want[512];
    snprintf(want, sizeof want, "%s/events?count=1", base);
    CHECK_BYTES(url, want);
    CHECK_EQ_INT(sse_stream_url(NULL, &url), SSE_ERR_NULL);
    CHECK_EQ_INT(sse_stream_url(s, NULL), SSE_ERR_NULL);
    sse_close(s);
  }
  /* A 302 to the test server is followed; the URL is where it led. */
  redirector r;
  snprintf(r.location, sizeof r.location, "%s/events?count=2", base);
  int port = loopback_socket(&r.listener, 1);
  CHECK(port > 0);
  pthread_t th;
  if (port > 0 && pthread_create(&th, NULL, redirect_once, &r) == 0) {
    char json[256];
    snprintf(json, sizeof json, "{\"url\": \"http://127.0.0.1:%d/old\"}", port);
    sse_error *e = NULL;
    s = NULL;
    CHECK_EQ_INT(open_json(c, json, &s, &e), SSE_OK);
    if (s) {
      CHECK_EQ_INT(sse_stream_status(s), 200);
      CHECK_EQ_INT(sse_stream_url(s, &url), SSE_OK);
      CHECK_BYTES(url, r.location);
      sse_event ev;
      CHECK_EQ_INT(sse_next_event(s, 5000, &ev), SSE_OK);
      CHECK_EQ_INT(sse_next_event(s, 5000, &ev), SSE_OK);
      CHECK_EQ_INT(sse_next_event(s, 5000, &ev), SSE_END);
      sse_close(s);
    }
    sse_error_free(e);
    pthread_join(th, NULL);
  }
  if (r.listener >= 0) close(r.listener);
  /* Before the headers: a state error, *out untouched. */
  char refused[128];
  snprintf(refused, sizeof refused, "{\"url\": \"http://127.0.0.1:%d/\"}", free_port());
  s = NULL;
  CHECK_EQ_INT(sse_start(c, (const uint8_t *)refused, strlen(refused), &s, NULL), SSE_OK);
  if (s) {
    sse_stream_wait_open(s, 5000);
    sse_bytes untouched = {NULL, 7};
    CHECK_EQ_INT(sse_stream_url(s, &untouched), SSE_ERR_STATE);
    CHECK(untouched.ptr == NULL && untouched.len == 7);
    sse_close(s);
  }
  sse_client_free(c);
}

static void test_headers_status_timings(void) {
  sse_client *c = new_client();
  sse_stream *s = open_path(c, "/events?count=3");
  if (!s) goto out;
  size_t count = sse_stream_header_count(s);
  CHECK(count > 0);
  int found = 0;
  for (size_t i = 0; i < count; i++) {
    sse_bytes name, value;
    CHECK_EQ_INT(sse_stream_header(s, i, &name, &value), SSE_OK);
    if (bytes_eq(name, "content-type")) {
      found = 1;
      CHECK(value.len >= 17 && memcmp(value.ptr, "text/event-stream", 17) == 0);
    }
  }
  CHECK(found);
  sse_bytes name, value;
  CHECK_EQ_INT(sse_stream_header(s, count, &name, &value), SSE_ERR_INVALID);
  sse_event ev;
  while (sse_next_event(s, 5000, &ev) == SSE_OK) {
  }
  sse_timings t;
  CHECK_EQ_INT(sse_stream_timings(s, &t), SSE_OK);
  CHECK(t.start_ns > 0);
  CHECK(t.connect_done_ns >= t.start_ns);
  CHECK(t.request_sent_ns >= t.connect_done_ns);
  CHECK(t.first_byte_ns >= t.request_sent_ns); /* first response byte */
  CHECK(t.headers_ns >= t.first_byte_ns);
  CHECK(t.first_event_ns >= t.headers_ns);
  CHECK(t.end_ns >= t.first_event_ns);
  CHECK_EQ_INT(t.tls_done_ns, 0); /* plain HTTP */
  CHECK_EQ_INT(t.events, 3);
  CHECK(t.bytes_read > 3 * 16);
  CHECK(t.bytes_written > 0);
  sse_close(s);
out:
  sse_client_free(c);
}

static void test_echo_request(void) {
  sse_client *c = new_client();
  char json[1024];
  snprintf(json, sizeof json,
           "{\"url\": \"%s/echo\", \"method\": \"POST\", \"body\": \"hello \\\"abi\\\"\","
           " \"headers\": {\"X-Test\": \"yes\"}}",
           base);
  sse_stream *s = NULL;
  CHECK_EQ_INT(open_json(c, json, &s, NULL), SSE_OK);
  if (s) {
    sse_event ev;
    int seen = 0;
    while (sse_next_event(s, 5000, &ev) == SSE_OK) {
      if (bytes_eq(ev.type, "method")) {
        CHECK_BYTES(ev.data, "POST");
        seen++;
      } else if (bytes_eq(ev.type, "body")) {
        CHECK_BYTES(ev.data, "hello \"abi\"");
        seen++;
      } else if (bytes_eq(ev.type, "headers")) {
        char copy[4096];
        size_t len = sse_bytes_copy(ev.data, copy, sizeof copy);
        CHECK(len == ev.data.len && strlen(copy) == len);
        CHECK(strstr(copy, "x-test") != NULL || strstr(copy, "X-Test") != NULL);
        seen++;
      }
    }
    CHECK_EQ_INT(seen, 3);
    sse_close(s);
  }
  sse_client_free(c);
}

static void test_stream_failures(void) {
  sse_client *c = new_client();
  /* a TCP reset in the middle of event 3 */
  sse_stream *s = open_path(c, "/fault/reset?after=2");
  if (s) {
    sse_event ev;
    CHECK_EQ_INT(sse_next_event(s, 5000, &ev), SSE_OK);
    CHECK_EQ_INT(sse_next_event(s, 5000, &ev), SSE_OK);
    CHECK_EQ_INT(sse_next_event(s, 5000, &ev), SSE_ERR_STREAM);
    const sse_error *e = sse_stream_error(s);
    CHECK(e != NULL);
    CHECK(sse_error_kind_of(e) != SSE_ERROR_NONE && sse_error_kind_of(e) != SSE_ERROR_HTTP_STATUS);
    CHECK(sse_error_message(e, NULL, 0) > 0);
    CHECK_EQ_INT(sse_next_event(s, 0, &ev), SSE_ERR_STREAM); /* failure is sticky */
    sse_close(s);
  }
  /* a request option reaches the parser: an endless line hits max_line_bytes */
  char json[512];
  snprintf(json, sizeof json, "{\"url\": \"%s/fault/endless-line\", \"max_line_bytes\": 4096}", base);
  s = NULL;
  CHECK_EQ_INT(open_json(c, json, &s, NULL), SSE_OK);
  if (s) {
    sse_event ev;
    CHECK_EQ_INT(sse_next_event(s, 10000, &ev), SSE_ERR_STREAM);
    CHECK_EQ_INT(sse_error_kind_of(sse_stream_error(s)), SSE_ERROR_LIMIT_EXCEEDED);
    /* the message names the option that was hit, and only it */
    char msg[256];
    sse_error_message(sse_stream_error(s), msg, sizeof msg);
    CHECK(strstr(msg, "4096 bytes") != NULL && strstr(msg, "max_line_bytes") != NULL);
    CHECK(strstr(msg, "max_event_bytes") == NULL);
    sse_close(s);
  }
  sse_client_free(c);
}

/* k6-style wildcards in the client's `hosts`: every matching name dials
 * the test server. */
static void test_hosts_wildcard(void) {
  const char *port = strrchr(base, ':');
  char json[512];
  snprintf(json, sizeof json, "{\"proxy\": null, \"hosts\": {\"*.example.invalid\": \"127.0.0.1%s\"}}",
           port ? port : "");
  sse_client *c = NULL;
  CHECK_EQ_INT(sse_client_new((const uint8_t *)json, strlen(json), &c, NULL), SSE_OK);
  if (!c) return;
  const char *names[] = {"api.example.invalid", "a.b.example.invalid"};
  for (size_t i = 0; i < 2; i++) {
    snprintf(json, sizeof json, "{\"url\": \"http://%s%s/events?count=1\"}", names[i], port ? port : "");
    sse_stream *s = NULL;
    CHECK_EQ_INT(open_json(c, json, &s, NULL), SSE_OK);
    if (s) {
      sse_event ev;
      CHECK_EQ_INT(sse_next_event(s, 5000, &ev), SSE_OK);
      CHECK_EQ_INT(sse_next_event(s, 5000, &ev), SSE_END);
      sse_close(s);
    }
  }
  sse_client_free(c);
}

struct opener {
  sse_client *c;
  int ok;
};

static void *open_many(void *arg) {
  struct opener *o = arg;
  for (int i = 0; i < 25; i++) {
    sse_stream *s = NULL;
    const char *path = "/events?count=3";
    char json[512];
    snprintf(json, sizeof json, "{\"url\": \"%s%s\"}", base, path);
    if (sse_open(o->c, (const uint8_t *)json, strlen(json), &s, NULL) != SSE_OK) continue;
    sse_event ev;
    int n = 0;
    while (sse_next_event(s, 5000, &ev) == SSE_OK) n++;
    if (n == 3) o->ok++;
    sse_close(s);
  }
  return NULL;
}

static void test_client_shared_by_threads(void) {
  sse_client *c = new_client();
  struct opener o[4];
  pthread_t th[4];
  for (int i = 0; i < 4; i++) {
    o[i].c = c;
    o[i].ok = 0;
    CHECK_EQ_INT(pthread_create(&th[i], NULL, open_many, &o[i]), 0);
  }
  int ok = 0;
  for (int i = 0; i < 4; i++) {
    pthread_join(th[i], NULL);
    ok += o[i].ok;
  }
  CHECK_EQ_INT(ok, 100);
  sse_client_free(c);
}

static void test_open_close_cycles(void) {
  sse_client *c = new_client();
  int ok = 0;
  for (int i = 0; i < 1000; i++) {
    sse_stream *s = NULL;
    const char *json = request("/events?count=1");
    if (sse_open(c, (const uint8_t *)json, strlen(json), &s, NULL) != SSE_OK) continue;
    sse_event ev;
    /* every other stream is closed before it is read */
    if (i % 2 == 0 || sse_next_event(s, 5000, &ev) == SSE_OK) ok++;
    sse_close(s);
  }
  CHECK_EQ_INT(ok, 1000);
  sse_client_free(c);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: test_abi BASE_URL\n");
    return 2;
  }
  base = argv[1];
  test_version();
  test_events_content();
  test_default_type_and_multiline();
  test_retry_and_comment();
  test_http_status();
  test_connection_refused();
  test_invalid_options();
  test_null_arguments();
  test_client_freed_with_live_streams();
  test_cancel_twice_then_close();
  test_cancel_from_other_thread();
  test_second_reader_gets_state_error();
  test_batch_drain();
  test_batch_mixed_with_single();
  test_try_next();
  test_fd_readable();
  test_start_then_wait_open();
  test_stream_read_batch_and_state();
  test_poller_many_streams_one_fd();
  test_poller_attach_detach_close();
  test_poller_null_arguments();
  test_wait_open_cancelled();
  test_remote_addr_and_http_version();
  test_redirect_and_final_url();
  test_headers_status_timings();
  test_echo_request();
  test_stream_failures();
  test_hosts_wildcard();
  test_client_shared_by_threads();
  test_open_close_cycles();
  printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
