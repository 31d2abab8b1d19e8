// A small C++17 RAII wrapper over libsse's C ABI (include/sse.h).
//
// Handles live in std::unique_ptr with deleters that call the matching
// sse_*_free / sse_close, so nothing leaks when an exception unwinds.
// Failures throw sse::Error, which carries the library's message, kind,
// HTTP status and (for a non-2xx response) body.
#ifndef SSE_HPP
#define SSE_HPP

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "sse.h"

namespace sse {

struct ClientDeleter {
  void operator()(sse_client *c) const noexcept { sse_client_free(c); }
};
struct StreamDeleter {
  void operator()(sse_stream *s) const noexcept { sse_close(s); }
};
struct ErrorDeleter {
  void operator()(sse_error *e) const noexcept { sse_error_free(e); }
};

inline std::string_view view(sse_bytes b) {
  return {reinterpret_cast<const char *>(b.ptr), b.len};
}

// An error reported by the library, copied out of its sse_error.
class Error : public std::runtime_error {
 public:
  Error(sse_result result, const sse_error *e)
      : std::runtime_error(describe(result, e)),
        result_(result),
        kind_(sse_error_kind_of(e)),
        status_(sse_error_status(e)),
        body_(body_of(e)) {}

  sse_result result() const noexcept { return result_; }
  sse_error_kind kind() const noexcept { return kind_; }
  std::uint16_t status() const noexcept { return status_; }
  const std::string &body() const noexcept { return body_; }

 private:
  static std::string describe(sse_result result, const sse_error *e) {
    if (e == nullptr) return "libsse call failed with result " + std::to_string(result);
    std::string message(sse_error_message(e, nullptr, 0), '\0');
    sse_error_message(e, message.data(), message.size() + 1);
    std::string out = sse_error_kind_name(sse_error_kind_of(e));
    out += " error";
    if (sse_error_status(e) != 0) out += " (HTTP " + std::to_string(sse_error_status(e)) + ")";
    return out + ": " + message;
  }
  static std::string body_of(const sse_error *e) {
    sse_bytes b{};
    return sse_error_body(e, &b) == SSE_OK ? std::string(view(b)) : std::string();
  }

  sse_result result_;
  sse_error_kind kind_;
  std::uint16_t status_;
  std::string body_;
};

// Throws sse::Error for an owned error (freed here, even though we throw).
[[noreturn]] inline void throw_owned(sse_result result, sse_error *raw) {
  std::unique_ptr<sse_error, ErrorDeleter> owned(raw);
  throw Error(result, owned.get());
}

// One event; the views borrow from the stream until its next read.
struct Event {
  std::string_view type;  // "message" when the event named none
  std::string_view data;
  std::string_view id;
  std::int64_t retry_ms;
  std::uint64_t time_ns;
};

class Stream {
 public:
  explicit Stream(sse_stream *s) : handle_(s) {}

  // The next event, or std::nullopt at the clean end of the stream. Throws
  // on a failed stream (including a non-2xx response) or a cancel.
  std::optional<Event> next(std::int32_t timeout_ms = -1) {
    sse_event ev;
    sse_result r = sse_next_event(handle_.get(), timeout_ms, &ev);
    switch (r) {
      case SSE_OK:
        return Event{ev.type.len ? view(ev.type) : std::string_view("message"), view(ev.data),
                     view(ev.id), ev.retry_ms, ev.time_ns};
      case SSE_END:
        return std::nullopt;
      case SSE_ERR_STREAM:
        throw Error(r, sse_stream_error(handle_.get()));
      default:
        throw Error(r, nullptr);
    }
  }

  std::uint16_t status() const noexcept { return sse_stream_status(handle_.get()); }
  void cancel() const noexcept { sse_cancel(handle_.get()); }

 private:
  std::unique_ptr<sse_stream, StreamDeleter> handle_;
};

class Client {
 public:
  explicit Client(std::string_view options_json = "{}") {
    sse_client *c = nullptr;
    sse_error *e = nullptr;
    sse_result r = sse_client_new(bytes(options_json), options_json.size(), &c, &e);
    if (r != SSE_OK) throw_owned(r, e);
    handle_.reset(c);
  }

  // Opens a stream; blocks until the response headers are in.
  Stream open(std::string_view request_json) {
    sse_stream *s = nullptr;
    sse_error *e = nullptr;
    sse_result r = sse_open(handle_.get(), bytes(request_json), request_json.size(), &s, &e);
    if (r != SSE_OK) throw_owned(r, e);
    return Stream(s);
  }

 private:
  static const std::uint8_t *bytes(std::string_view s) {
    return reinterpret_cast<const std::uint8_t *>(s.data());
  }
  std::unique_ptr<sse_client, ClientDeleter> handle_;
};

}  // namespace sse

#endif  // SSE_HPP
