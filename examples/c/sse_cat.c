/*
 * sse_cat: print a Server-Sent Events stream as JSON lines.
 *
 *   sse_cat URL [-H 'Name: value']... [-X METHOD] [-d BODY] [--insecure] [--timeout MS]
 *           [-i | --include]
 *
 * -H adds a request header (repeatable), -X sets the method, -d the body,
 * --insecure skips TLS certificate checks (test servers only), --timeout
 * gives up after MS milliseconds in all (the total_timeout_ms option).
 *
 * Each event becomes one line {"type": ..., "data": ..., "id": ...} (type
 * "message" when the event named none; id is the last event ID). Exits 0 at
 * a clean end of stream; on an error prints it to stderr and exits 1 (2 for
 * bad usage).
 *
 * A 2xx answer whose Content-Type is not text/event-stream (a JSON answer
 * to a request that forgot "stream": true, say) gets a warning on stderr;
 * its body is still read as events, and when it holds none sse_cat exits 1.
 *
 * -i (--include) first prints the response as one line
 * {"status": 200, "headers": {"name": "value", ...}} (names as libsse
 * reports them, lower case; the values of a repeated name joined with ", "),
 * also for a non-2xx status, before the error, so a caller sees the status
 * (stdout is flushed before anything goes to stderr, so a pipe that takes
 * both keeps that order).
 * Each event line then also carries "name" (the event field as sent, ""
 * when none), "comment" (its comment lines joined by LF), "retry_ms" (-1
 * when none) and "time_ns" (when libsse read it, on the sse_now_ns() clock).
 *
 * Build: cc -Iinclude examples/c/sse_cat.c -Ltarget/release -lsse
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sse.h"

/* A growable byte buffer for the request JSON. */
typedef struct {
  char *ptr;
  size_t len, cap;
} buf;

static void buf_put(buf *b, const char *s, size_t n) {
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    while (b->len + n + 1 > cap) cap *= 2;
    char *grown = realloc(b->ptr, cap);
    if (!grown) {
      fprintf(stderr, "sse_cat: out of memory\n");
      exit(1);
    }
    b->ptr = grown;
    b->cap = cap;
  }
  memcpy(b->ptr + b->len, s, n);
  b->len += n;
  b->ptr[b->len] = '\0';
}

static void buf_puts(buf *b, const char *s) { buf_put(b, s, strlen(s)); }

/* Appends s (n bytes of UTF-8) as a JSON string: quote, backslash and the
 * control characters escaped, everything else (non-ASCII too) as is. */
static void buf_json_string(buf *b, const char *s, size_t n) {
  buf_put(b, "\"", 1);
  size_t plain = 0; /* start of the run of bytes that need no escape */
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    const char *esc = NULL;
    char hex[7];
    switch (c) {
      case '"': esc = "\\\""; break;
      case '\\': esc = "\\\\"; break;
      case '\n': esc = "\\n"; break;
      case '\r': esc = "\\r"; break;
      case '\t': esc = "\\t"; break;
      case '\b': esc = "\\b"; break;
      case '\f': esc = "\\f"; break;
      default:
        if (c < 0x20) {
          snprintf(hex, sizeof hex, "\\u%04x", c);
          esc = hex;
        }
    }
    if (esc) {
      buf_put(b, s + plain, i - plain);
      buf_puts(b, esc);
      plain = i + 1;
    }
  }
  buf_put(b, s + plain, n - plain);
  buf_put(b, "\"", 1);
}

static void usage(void) {
  fprintf(stderr,
          "usage: sse_cat URL [-H 'Name: value']... [-X METHOD] [-d BODY] [--insecure] "
          "[--timeout MS] [-i | --include]\n");
  exit(2);
}

/* Prints an error with its kind, status, message and (for a non-2xx
 * response) body. */
static void print_error(const char *what, const sse_error *e) {
  char message[512];
  size_t full = sse_error_message(e, message, sizeof message);
  fprintf(stderr, "sse_cat: %s: %s error", what, sse_error_kind_name((int)sse_error_kind_of(e)));
  if (sse_error_status(e) != 0) fprintf(stderr, " (HTTP %u)", (unsigned)sse_error_status(e));
  fprintf(stderr, ": %s%s\n", message, full >= sizeof message ? "..." : "");
  sse_bytes body;
  if (sse_error_body(e, &body) == SSE_OK && body.len > 0) {
    fprintf(stderr, "sse_cat: response body: %.*s\n", (int)body.len, (const char *)body.ptr);
  }
}

/* Builds the request JSON from the command line into req; sets *include
 * when -i / --include is given. */
static void build_request(int argc, char **argv, buf *req, int *include) {
  const char *url = NULL, *method = NULL, *body = NULL, *timeout = NULL;
  int insecure = 0, headers = 0;
  buf hdrs = {0};
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "-H") == 0 && i + 1 < argc) {
      const char *h = argv[++i];
      const char *colon = strchr(h, ':');
      if (!colon || colon == h) usage();
      const char *value = colon + 1;
      while (*value == ' ' || *value == '\t') value++;
      buf_puts(&hdrs, headers++ ? ", [" : "[");
      buf_json_string(&hdrs, h, (size_t)(colon - h));
      buf_puts(&hdrs, ", ");
      buf_json_string(&hdrs, value, strlen(value));
      buf_puts(&hdrs, "]");
    } else if (strcmp(a, "-X") == 0 && i + 1 < argc) {
      method = argv[++i];
    } else if (strcmp(a, "-d") == 0 && i + 1 < argc) {
      body = argv[++i];
    } else if (strcmp(a, "--insecure") == 0) {
      insecure = 1;
    } else if (strcmp(a, "-i") == 0 || strcmp(a, "--include") == 0) {
      *include = 1;
    } else if (strcmp(a, "--timeout") == 0 && i + 1 < argc) {
      timeout = argv[++i];
      if (strspn(timeout, "0123456789") != strlen(timeout) || !*timeout) usage();
    } else if (a[0] != '-' && !url) {
      url = a;
    } else {
      usage();
    }
  }
  if (!url) usage();
  buf_puts(req, "{\"url\": ");
  buf_json_string(req, url, strlen(url));
  if (method) {
    buf_puts(req, ", \"method\": ");
    buf_json_string(req, method, strlen(method));
  }
  if (headers) {
    buf_puts(req, ", \"headers\": [");
    buf_put(req, hdrs.ptr, hdrs.len);
    buf_puts(req, "]");
  }
  if (body) {
    buf_puts(req, ", \"body\": ");
    buf_json_string(req, body, strlen(body));
  }
  if (insecure) buf_puts(req, ", \"tls\": {\"insecure_skip_verify\": true}");
  if (timeout) {
    buf_puts(req, ", \"total_timeout_ms\": ");
    buf_puts(req, timeout);
  }
  buf_puts(req, "}");
  free(hdrs.ptr);
}

/* Whether two views hold the same bytes. */
static int bytes_equal(sse_bytes a, sse_bytes b) {
  return a.len == b.len && memcmp(a.ptr, b.ptr, a.len) == 0;
}

/* Writes the response status and headers as a JSON line (for -i). A name
 * seen before was written with all its values, so it is skipped; header
 * counts are small, so the quadratic scan is fine. */
static void print_response(const sse_stream *stream, buf *line) {
  line->len = 0;
  char status[16];
  snprintf(status, sizeof status, "%u", (unsigned)sse_stream_status(stream));
  buf_puts(line, "{\"status\": ");
  buf_puts(line, status);
  buf_puts(line, ", \"headers\": {");
  size_t count = sse_stream_header_count(stream);
  int first = 1;
  for (size_t i = 0; i < count; i++) {
    sse_bytes name, value, other, more;
    if (sse_stream_header(stream, i, &name, &value) != SSE_OK) continue;
    int seen = 0;
    for (size_t j = 0; j < i && !seen; j++) {
      seen = sse_stream_header(stream, j, &other, &more) == SSE_OK && bytes_equal(name, other);
    }
    if (seen) continue;
    buf_puts(line, first ? "" : ", ");
    first = 0;
    buf_json_string(line, (const char *)name.ptr, name.len);
    buf_puts(line, ": ");
    /* The joined value, built unescaped and escaped once as a whole. */
    buf joined = {0};
    buf_put(&joined, (const char *)value.ptr, value.len);
    for (size_t k = i + 1; k < count; k++) {
      if (sse_stream_header(stream, k, &other, &more) == SSE_OK && bytes_equal(name, other)) {
        buf_puts(&joined, ", ");
        buf_put(&joined, (const char *)more.ptr, more.len);
      }
    }
    buf_json_string(line, joined.ptr ? joined.ptr : "", joined.len);
    free(joined.ptr);
  }
  buf_puts(line, "}}\n");
  fwrite(line->ptr, 1, line->len, stdout);
}

/* Warns on stderr when a 2xx answer is not an event stream; returns
 * whether it warned. */
static int warn_if_not_event_stream(const sse_stream *stream) {
  unsigned status = sse_stream_status(stream);
  if (status < 200 || status > 299 || sse_stream_is_event_stream(stream)) return 0;
  sse_bytes type = {(const uint8_t *)"", 0};
  size_t count = sse_stream_header_count(stream);
  for (size_t i = 0; i < count; i++) {
    sse_bytes name, value;
    if (sse_stream_header(stream, i, &name, &value) == SSE_OK && name.len == 12 &&
        memcmp(name.ptr, "content-type", 12) == 0) {
      type = value;
      break;
    }
  }
  fprintf(stderr,
          "sse_cat: warning: HTTP %u with Content-Type \"%.*s\", not text/event-stream "
          "(did the request ask for a stream?); reading the body as events anyway\n",
          status, (int)type.len, (const char *)type.ptr);
  return 1;
}

/* Writes one event as a JSON line; with include, also its raw name,
 * comment, retry and read time. */
static void print_event(const sse_event *ev, buf *line, int include) {
  line->len = 0;
  buf_puts(line, "{\"type\": ");
  if (ev->type.len > 0) {
    buf_json_string(line, (const char *)ev->type.ptr, ev->type.len);
  } else {
    buf_puts(line, "\"message\"");
  }
  buf_puts(line, ", \"data\": ");
  buf_json_string(line, (const char *)ev->data.ptr, ev->data.len);
  buf_puts(line, ", \"id\": ");
  buf_json_string(line, (const char *)ev->id.ptr, ev->id.len);
  if (include) {
    char num[64];
    buf_puts(line, ", \"name\": ");
    buf_json_string(line, (const char *)ev->type.ptr, ev->type.len);
    buf_puts(line, ", \"comment\": ");
    buf_json_string(line, (const char *)ev->comment.ptr, ev->comment.len);
    snprintf(num, sizeof num, ", \"retry_ms\": %lld, \"time_ns\": %llu", (long long)ev->retry_ms,
             (unsigned long long)ev->time_ns);
    buf_puts(line, num);
  }
  buf_puts(line, "}\n");
  fwrite(line->ptr, 1, line->len, stdout);
}

int main(int argc, char **argv) {
  buf req = {0}, line = {0};
  int include = 0;
  build_request(argc, argv, &req, &include);

  sse_client *client = NULL;
  sse_stream *stream = NULL;
  sse_error *err = NULL;
  int status = 1;
  sse_result r = sse_client_new(NULL, 0, &client, &err);
  if (r != SSE_OK) {
    print_error("client", err);
    goto done;
  }
  r = sse_open(client, (const uint8_t *)req.ptr, req.len, &stream, &err);
  if (r != SSE_OK) {
    print_error("open", err);
    goto done;
  }
  /* Before any event: a non-2xx status is reported by the first read, and
   * a caller of -i wants the status line even then, before the error. */
  if (include) {
    print_response(stream, &line);
    fflush(stdout);
  }
  int not_event_stream = warn_if_not_event_stream(stream);
  unsigned long events = 0;
  sse_event ev;
  for (;;) {
    /* Flush only when no event is waiting, so a fast stream is written in
     * large blocks and a slow one line by line. */
    r = sse_try_next_event(stream, &ev);
    if (r == SSE_TIMEOUT) {
      fflush(stdout);
      r = sse_next_event(stream, -1, &ev);
    }
    if (r != SSE_OK) break;
    print_event(&ev, &line, include);
    events++;
  }
  fflush(stdout);
  if (r == SSE_END && not_event_stream && events == 0) {
    fprintf(stderr, "sse_cat: the answer held no events\n");
  } else if (r == SSE_END) {
    status = 0;
  } else if (r == SSE_ERR_STREAM) {
    print_error("stream", sse_stream_error(stream));
  } else {
    fprintf(stderr, "sse_cat: stream stopped (result %d)\n", (int)r);
  }

done:
  if (fflush(stdout) != 0) status = 1;
  sse_close(stream);
  sse_error_free(err);
  sse_client_free(client);
  free(req.ptr);
  free(line.ptr);
  return status;
}
