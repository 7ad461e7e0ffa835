// The standalone server's request path without a socket: the bytes one client sends on a
// connection go through what Session does with them — Beast's request_parser with the
// server's limits, the server's refusals, the translation to a core Request, the Service (over
// an in-memory store, an admin token and a rate limit) and the translation of its Response
// back to HTTP — request after request while the connection stays open (pipelining).
//
// Invariants: every answer serialises to an HTTP response Beast parses back, never a 5xx (the
// store cannot fail here), with a valid JSON body when it says application/json; a counted hit
// answers its normalised route and the count the in-memory tally expects; and the same bytes
// arriving in small pieces get the same answers as arriving at once, but for how the last
// malformed request is refused (see AgreeButForLastRefusal).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/fuzz_check.h"
#include "fuzz/fuzz_service.h"
#include "hitcounter/route.h"
#include "server/http_translation.h"
#include "server/limits.h"

namespace hitcounter::server {
namespace {

// The errors after which the session closes without an answer: the client left.
bool IsDisconnect(beast::error_code ec) {
  return ec == http::error::end_of_stream || ec == http::error::partial_message;
}

// One connection's bytes, received `chunk` bytes at a time, as the session's flat_buffer (of
// at most kMaxUnparsedBytes) fills.
class Connection {
 public:
  Connection(std::string_view bytes, std::size_t chunk) : bytes_(bytes), chunk_(chunk) {}

  // Reads into `parser` until `done` says so, as http::async_read_header / async_read do:
  // end_of_stream when the client left before sending anything, partial_message when it left
  // mid-message, the parser's error otherwise.
  template <typename Done>
  beast::error_code Read(RequestParser& parser, Done done) {
    for (;;) {
      if (!buffer_.empty()) {
        beast::error_code ec;
        std::size_t used = parser.put(asio::buffer(buffer_.data(), buffer_.size()), ec);
        buffer_.erase(0, used);
        consumed_ += used;
        if (ec && ec != http::error::need_more) return ec;
        if (done()) return {};
        if (used > 0 && !ec) continue;
      }
      // The session's buffer holds kMaxUnparsedBytes: full, and the parser wants more.
      if (buffer_.size() >= kMaxUnparsedBytes) return http::error::buffer_overflow;
      if (!Receive()) {
        if (!parser.got_some()) return http::error::end_of_stream;
        beast::error_code ec;
        parser.put_eof(ec);
        return ec ? ec : beast::error_code(http::error::partial_message);
      }
    }
  }

  std::string_view received() const { return buffer_; }

  // Bytes the parsers have consumed so far, as the read handlers' bytes_transferred adds up.
  std::size_t consumed() const { return consumed_; }

 private:
  bool Receive() {
    if (offset_ == bytes_.size()) return false;
    const std::size_t n =
        std::min({chunk_, bytes_.size() - offset_, kMaxUnparsedBytes - buffer_.size()});
    buffer_.append(bytes_.substr(offset_, n));
    offset_ += n;
    return true;
  }

  std::string_view bytes_;
  std::size_t chunk_;
  std::size_t offset_ = 0;
  std::size_t consumed_ = 0;
  std::string buffer_;  // received, not yet parsed
};

struct Exchange {
  std::string method;
  std::string target;
  Response response;
};

// Serialises `response` as the session writes it, parses it back, and checks it.
std::string Wire(const Exchange& exchange, bool head, bool keep_alive) {
  std::string text;
  SerializeResponse(exchange.response, head, keep_alive, "date", text);

  http::response_parser<http::string_body> parser;
  parser.skip(head);
  parser.eager(true);
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  beast::error_code ec;
  parser.put(asio::buffer(text), ec);
  if (!ec && !parser.is_done()) parser.put_eof(ec);
  FUZZ_CHECK(!ec && parser.is_done());
  FUZZ_CHECK(parser.get().result_int() == static_cast<unsigned>(exchange.response.status));
  FUZZ_CHECK(head || parser.get().body() == exchange.response.body);
  return text;
}

void CheckBody(const Exchange& exchange, std::map<std::string, std::int64_t>& tally) {
  const Response& response = exchange.response;
  // The store cannot fail here: the only 5xx are refusals of what HTTP/1.1 cannot serve.
  FUZZ_CHECK(response.status >= 200 &&
             (response.status < 500 || response.status == 501 || response.status == 505));
  if (response.content_type != "application/json") return;
  rapidjson::Document body;
  FUZZ_CHECK(fuzz::ParseStrictJson(response.body, body) && body.IsObject());
  const bool hit = response.status == 200 && !response.reserved;
  if (!hit) return;
  Result<std::string> route = NormalizeRoute(exchange.target);
  FUZZ_CHECK(route.ok());
  const rapidjson::Value* json_route = fuzz::MemberOf(body, "route");
  const rapidjson::Value* json_count = fuzz::MemberOf(body, "count");
  FUZZ_CHECK(json_route != nullptr && json_route->IsString() && fuzz::View(*json_route) == *route);
  FUZZ_CHECK(json_count != nullptr && json_count->IsInt64() &&
             json_count->GetInt64() == ++tally[*route]);
}

// Checks an answer and returns it as it goes on the wire.
std::string Answer(Exchange exchange, bool head, bool keep_alive,
                   std::map<std::string, std::int64_t>& tally) {
  CheckBody(exchange, tally);
  return Wire(exchange, head, keep_alive);
}

// Serves one connection's bytes, as Session does, and returns what went back on the wire.
std::vector<std::string> ServeConnection(std::string_view bytes, std::size_t chunk) {
  fuzz::FuzzService fuzz_service;
  Service& service = fuzz_service.service;
  std::map<std::string, std::int64_t> tally;

  Connection connection(bytes, chunk);
  std::vector<std::string> wire;
  for (;;) {
    RequestParser parser;
    ApplyLimits(parser);
    const std::size_t start = connection.consumed();
    beast::error_code ec = connection.Read(parser, [&] { return parser.is_header_done(); });
    if (!ec) {
      const std::size_t header_bytes = connection.consumed() - start;
      if (std::optional<Response> refusal =
              RefuseHeader(parser.get(), parser.chunked(), header_bytes)) {
        wire.push_back(Answer({"-", "-", std::move(*refusal)}, false, false, tally));
        break;
      }
      if (!parser.is_done()) ec = connection.Read(parser, [&] { return parser.is_done(); });
    }
    if (ec) {
      if (!IsDisconnect(ec)) {
        Exchange refusal{"-", "-", ReadErrorResponse(ec, parser, connection.received())};
        wire.push_back(Answer(std::move(refusal), false, false, tally));
      }
      break;
    }
    const auto& request = parser.get();
    Exchange exchange{std::string(request.method_string()), std::string(request.target()), {}};
    bool answered = false;
    service.Handle(ToCoreRequest(request), [&](Response response) {
      exchange.response = std::move(response);
      answered = true;
    });
    FUZZ_CHECK(answered);  // the in-memory store answers at once
    const bool keep_alive = request.keep_alive();
    wire.push_back(
        Answer(std::move(exchange), request.method() == http::verb::head, keep_alive, tally));
    if (!keep_alive) break;
  }
  return wire;
}

// A 4xx that closes the connection: how the server refuses bytes it cannot parse.
bool IsRefusal(std::string_view answer) {
  return (answer.starts_with("HTTP/1.1 4") || answer.starts_with("HTTP/1.1 501") ||
          answer.starts_with("HTTP/1.1 505")) &&
         answer.find("\r\nConnection: close\r\n") != std::string_view::npos;
}

// Whether two runs over the same bytes gave the same answers, but for a last refusal that the
// runs may give differently or only one of them may give. Beast finds some malformed requests
// only when their start arrives in one read: a request line ending in a bare LF is 400 at once,
// but read in pieces the parser waits for a "\r\n\r\n" that never comes and the client
// leaves (or the header timeout closes the connection) with no answer; a bad header value in a
// header block over the limit is 400 at once but 431 in pieces.
bool AgreeButForLastRefusal(std::vector<std::string> a, std::vector<std::string> b) {
  if (!a.empty() && IsRefusal(a.back())) a.pop_back();
  if (!b.empty() && IsRefusal(b.back())) b.pop_back();
  return a == b;
}

}  // namespace
}  // namespace hitcounter::server

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace hitcounter::server;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const std::vector<std::string> at_once = ServeConnection(bytes, bytes.size() + 1);
  // Reads of 1 to 16 bytes (chosen by the input, so that every split gets its turn), scaled
  // up for inputs over 1 KiB: a 16 KiB header read a byte at a time costs the fuzzer 100 times
  // more than it teaches it.
  const std::size_t chunk = (1 + size % 16) * std::max<std::size_t>(1, size / 1024);
  const std::vector<std::string> in_pieces = ServeConnection(bytes, chunk);
  if (!AgreeButForLastRefusal(at_once, in_pieces)) {
    std::fprintf(stderr, "at once:\n");
    for (const std::string& answer : at_once) std::fprintf(stderr, "%s\n--\n", answer.c_str());
    std::fprintf(stderr, "in pieces of %zu bytes:\n", chunk);
    for (const std::string& answer : in_pieces) std::fprintf(stderr, "%s\n--\n", answer.c_str());
  }
  FUZZ_CHECK(AgreeButForLastRefusal(at_once, in_pieces));
  return 0;
}
