/*
 * What the C test programs share: the check macros with their counters,
 * the server's base URL, and small helpers to open streams. Each program
 * is one translation unit that includes this once.
 */
#ifndef SSE_TEST_CHECK_H
#define SSE_TEST_CHECK_H

#include <stdio.h>
#include <string.h>

#include "shared.h"
#include "sse.h"

static int passed, failed;
static const char *base; /* server base URL, no trailing slash */

#define CHECK(cond)                                                              \
  do {                                                                           \
    if (cond) {                                                                  \
      passed++;                                                                  \
    } else {                                                                     \
      failed++;                                                                  \
      fprintf(stderr, "FAIL %s:%d in %s: %s\n", __FILE__, __LINE__, __func__, #cond); \
    }                                                                            \
  } while (0)

#define CHECK_EQ_INT(a, b)                                                        \
  do {                                                                            \
    long long va_ = (long long)(a), vb_ = (long long)(b);                         \
    if (va_ == vb_) {                                                             \
      passed++;                                                                   \
    } else {                                                                      \
      failed++;                                                                   \
      fprintf(stderr, "FAIL %s:%d in %s: %s == %s (%lld != %lld)\n", __FILE__, __LINE__, \
              __func__, #a, #b, va_, vb_);                                        \
    }                                                                             \
  } while (0)

/* A view equals a C string. */
static inline int bytes_eq(sse_bytes b, const char *s) {
  return b.ptr != NULL && b.len == strlen(s) && memcmp(b.ptr, s, b.len) == 0;
}

#define CHECK_BYTES(b, s)                                                        \
  do {                                                                           \
    if (bytes_eq((b), (s))) {                                                    \
      passed++;                                                                  \
    } else {                                                                     \
      failed++;                                                                  \
      fprintf(stderr, "FAIL %s:%d in %s: %s == \"%s\" (got \"%.*s\")\n", __FILE__, __LINE__, \
              __func__, #b, (s), (int)(b).len, (b).ptr ? (const char *)(b).ptr : ""); \
    }                                                                            \
  } while (0)

/* The request JSON for a GET of base + path. */
static inline const char *request(const char *path) {
  static char json[2048];
  snprintf(json, sizeof json, "{\"url\": \"%s%s\"}", base, path);
  return json;
}

static inline sse_result open_json(sse_client *c, const char *json, sse_stream **s, sse_error **e) {
  return sse_open(c, (const uint8_t *)json, strlen(json), s, e);
}

/* Opens the request `json` (a check that it opened); NULL when it did
 * not, with the reason printed under `what`. */
static inline sse_stream *open_checked(sse_client *c, const char *json, const char *what) {
  sse_stream *s = open_or_report(c, json, 1, "  ", what);
  CHECK(s != NULL);
  return s;
}

static inline sse_stream *open_path(sse_client *c, const char *path) {
  return open_checked(c, request(path), path);
}

static inline sse_client *new_client(void) {
  sse_client *c = NULL;
  CHECK_EQ_INT(sse_client_new(NULL, 0, &c, NULL), SSE_OK);
  return c;
}

#endif
