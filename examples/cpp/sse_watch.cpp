// sse_watch: prints "type: data" per event of an SSE stream, using the RAII
// wrapper in sse.hpp. Errors arrive as exceptions; the handles are freed by
// the unwinding, so the error path leaks nothing either.
//
//   sse_watch URL
//
// Build: c++ -std=c++17 -Iinclude -Iexamples/cpp examples/cpp/sse_watch.cpp -Ltarget/release -lsse
#include <iostream>
#include <string>

#include "sse.hpp"

// A JSON string literal for s (the URL comes from the command line).
static std::string json_string(const std::string &s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      const char *hex = "0123456789abcdef";
      out += "\\u00";
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

int main(int argc, char **argv) {
  if (argc != 2) {
    std::cerr << "usage: sse_watch URL\n";
    return 2;
  }
  try {
    sse::Client client;
    sse::Stream stream = client.open("{\"url\": " + json_string(argv[1]) + "}");
    std::size_t count = 0;
    while (auto event = stream.next()) {
      std::cout << event->type << ": " << event->data << '\n';
      ++count;
    }
    std::cout << count << " events\n";
    return 0;
  } catch (const sse::Error &e) {
    std::cerr << "sse_watch: " << e.what() << '\n';
    if (!e.body().empty()) std::cerr << "sse_watch: response body: " << e.body() << '\n';
    return 1;
  }
}
