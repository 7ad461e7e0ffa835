#include "server/http_translation.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "server/limits.h"

namespace hitcounter::server {
namespace {

// Parses `bytes` (one whole request) with the server's limits.
struct Parsed {
  RequestParser parser;
  beast::error_code ec;
  std::size_t used = 0;  // bytes the parser consumed
};

void Parse(std::string_view bytes, Parsed& parsed) {
  ApplyLimits(parsed.parser);
  parsed.parser.eager(true);
  parsed.used = parsed.parser.put(asio::buffer(bytes.data(), bytes.size()), parsed.ec);
}

TEST(HttpTranslationTest, AWellFormedRequestIsNotRefused) {
  Parsed parsed;
  Parse("GET /a HTTP/1.1\r\nHost: h\r\n\r\n", parsed);
  ASSERT_FALSE(parsed.ec) << parsed.ec.message();
  EXPECT_FALSE(RefuseHeader(parsed.parser.get(), parsed.parser.chunked(), parsed.used).has_value());
}

TEST(HttpTranslationTest, Http11WithoutHostIs400ButHttp10IsServed) {
  Parsed http11;
  Parse("GET /a HTTP/1.1\r\n\r\n", http11);
  std::optional<Response> refusal =
      RefuseHeader(http11.parser.get(), http11.parser.chunked(), http11.used);
  ASSERT_TRUE(refusal.has_value());
  EXPECT_EQ(refusal->status, 400);

  Parsed http10;
  Parse("GET /a HTTP/1.0\r\n\r\n", http10);
  EXPECT_FALSE(RefuseHeader(http10.parser.get(), http10.parser.chunked(), http10.used).has_value());
}

TEST(HttpTranslationTest, AHeaderBlockOverItsLimitIs431HoweverItArrived) {
  Parsed parsed;
  Parse("GET /a HTTP/1.1\r\nHost: h\r\n\r\n", parsed);
  ASSERT_FALSE(parsed.ec) << parsed.ec.message();
  EXPECT_FALSE(RefuseHeader(parsed.parser.get(), false, kMaxHeaderBytes).has_value());
  std::optional<Response> refusal = RefuseHeader(parsed.parser.get(), false, kMaxHeaderBytes + 1);
  ASSERT_TRUE(refusal.has_value());
  EXPECT_EQ(refusal->status, 431);
}

// Regression: "Host: a b@c/d" was served.
TEST(HttpTranslationTest, AHostThatIsNoHostIs400) {
  for (const char* host :
       {"a b@c/d", "h/x", "user@h", "h:80x", "[::1", "[::1]x", "h%zz", "\"h\""}) {
    Parsed parsed;
    Parse(std::string("GET /a HTTP/1.1\r\nHost: ") + host + "\r\n\r\n", parsed);
    ASSERT_FALSE(parsed.ec) << host;
    std::optional<Response> refusal =
        RefuseHeader(parsed.parser.get(), parsed.parser.chunked(), parsed.used);
    ASSERT_TRUE(refusal.has_value()) << host;
    EXPECT_EQ(refusal->status, 400) << host;
  }
  for (const char* host : {"", "h", "example.com:8080", "127.0.0.1", "[::1]:443", "x-y_z~.a",
                           "caf%C3%A9.example", "[v1.fe80::a+en1]"}) {
    Parsed parsed;
    Parse(std::string("GET /a HTTP/1.1\r\nHost: ") + host + "\r\n\r\n", parsed);
    EXPECT_FALSE(RefuseHeader(parsed.parser.get(), parsed.parser.chunked(), parsed.used)) << host;
  }
}

TEST(HttpTranslationTest, ATargetOverItsLimitIs414) {
  Parsed parsed;
  Parse("GET /" + std::string(kMaxTargetBytes, 'a') + " HTTP/1.1\r\nHost: h\r\n\r\n", parsed);
  ASSERT_FALSE(parsed.ec) << parsed.ec.message();
  std::optional<Response> refusal =
      RefuseHeader(parsed.parser.get(), parsed.parser.chunked(), parsed.used);
  ASSERT_TRUE(refusal.has_value());
  EXPECT_EQ(refusal->status, 414);
}

TEST(HttpTranslationTest, ParseErrorsMapToTheirStatus) {
  // A header over the limit: the parser holds the request line when it was complete.
  Parsed with_line;
  Parse("GET /a HTTP/1.1\r\nX: " + std::string(kMaxHeaderBytes, 'y'), with_line);
  ASSERT_EQ(with_line.ec, http::error::header_limit);
  EXPECT_EQ(ReadErrorResponse(with_line.ec, with_line.parser, "X: yyy").status, 431);
  const RequestParser fresh;
  EXPECT_EQ(ReadErrorResponse(http::error::header_limit, fresh, "GET /aaaa").status, 414);
  const std::string long_method(kMaxMethodBytes + 1, 'M');
  EXPECT_EQ(ReadErrorResponse(http::error::header_limit, fresh, long_method + " /a").status, 501);
  EXPECT_EQ(ReadErrorResponse(http::error::bad_version, fresh, "PRI * HTTP/2.0\r\n").status, 505);
  EXPECT_EQ(ReadErrorResponse(http::error::bad_version, fresh, "GET / HTTP/1.x\r\n").status, 400);
  EXPECT_EQ(ReadErrorResponse(http::error::buffer_overflow, fresh, "").status, 400);
  EXPECT_EQ(ReadErrorResponse(http::error::body_limit, fresh, "").status, 413);
  EXPECT_EQ(ReadErrorResponse(http::error::bad_transfer_encoding, fresh, "").status, 400);
}

TEST(HttpTranslationTest, AmbiguousFramingIsRefused) {
  for (std::string_view bytes : {
           "POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nContent-Length: 4\r\n\r\n",
           "POST /a HTTP/1.1\r\nHost: h\r\nHost: i\r\n\r\n",
           "POST /a HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n",
           "POST /a HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
       }) {
    Parsed parsed;
    Parse(bytes, parsed);
    std::optional<Response> refusal =
        RefuseHeader(parsed.parser.get(), parsed.parser.chunked(), parsed.used);
    ASSERT_TRUE(refusal.has_value()) << bytes;
    EXPECT_EQ(refusal->status, 400) << bytes;
  }
  Parsed gzip_then_chunked;
  Parse("POST /a HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
        gzip_then_chunked);
  EXPECT_EQ(RefuseHeader(gzip_then_chunked.parser.get(), gzip_then_chunked.parser.chunked(),
                         gzip_then_chunked.used)
                ->status,
            501);
}

TEST(HttpTranslationTest, TheCoreRequestHasMethodTargetAndAuthorization) {
  Parsed parsed;
  Parse("PATCH /a%2Fb?x=1 HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer t\r\n\r\n", parsed);
  ASSERT_FALSE(parsed.ec) << parsed.ec.message();
  Request request = ToCoreRequest(parsed.parser.get());
  EXPECT_EQ(request.method, "PATCH");
  EXPECT_EQ(request.target, "/a%2Fb?x=1");
  EXPECT_EQ(request.authorization, "Bearer t");
}

// Parses what SerializeResponse wrote, as a client would.
http::response<http::string_body> ParseResponse(const std::string& wire, bool head) {
  http::response_parser<http::string_body> parser;
  parser.skip(head);
  parser.eager(true);
  beast::error_code ec;
  parser.put(asio::buffer(wire), ec);
  EXPECT_FALSE(ec) << ec.message() << "\n" << wire;
  EXPECT_TRUE(parser.is_done()) << wire;
  return parser.release();
}

TEST(SerializeResponse, WritesStatusFieldsAndBodyAndOnlyTheLengthForHead) {
  Response response;
  response.body = R"({"route":"/a"})";
  response.headers.emplace_back("Access-Control-Allow-Origin", "*");
  std::string wire;
  SerializeResponse(response, /*head=*/true, /*keep_alive=*/true, "date", wire);
  auto head = ParseResponse(wire, /*head=*/true);
  EXPECT_EQ(head.result_int(), 200u);
  EXPECT_EQ(head.reason(), "OK");
  EXPECT_EQ(head[http::field::content_length], std::to_string(response.body.size()));
  EXPECT_EQ(head[http::field::content_type], "application/json");
  EXPECT_EQ(head[http::field::access_control_allow_origin], "*");
  EXPECT_EQ(head[http::field::server], "hitcounter");
  EXPECT_EQ(head[http::field::date], "date");
  EXPECT_TRUE(head.body().empty());
  EXPECT_EQ(wire.find("{"), std::string::npos) << "HEAD sent a body";
  EXPECT_EQ(head[http::field::connection], "keep-alive");  // for HTTP/1.0 clients too

  SerializeResponse(response, /*head=*/false, /*keep_alive=*/false, "date", wire);
  auto get = ParseResponse(wire, /*head=*/false);
  EXPECT_EQ(get.body(), response.body);
  EXPECT_FALSE(get.keep_alive());
  EXPECT_EQ(get[http::field::connection], "close");
}

TEST(SerializeResponse, ANoContentAnswerHasNoLengthAndNoBody) {
  Response preflight;
  preflight.status = 204;
  preflight.content_type = {};
  std::string wire;
  SerializeResponse(preflight, false, true, "date", wire);
  EXPECT_EQ(wire.find("Content-Length"), std::string::npos) << wire;
  EXPECT_EQ(wire.find("Content-Type"), std::string::npos) << wire;
  EXPECT_EQ(ParseResponse(wire, false).result_int(), 204u);
}

TEST(SerializeResponse, EveryErrorsLengthMatchesItsBody) {
  for (int status : {400, 404, 405, 413, 414, 429, 431, 500, 501, 503, 505, 507}) {
    Response error = MakeErrorResponse(status, "code", "a sentence with \"quotes\" and café");
    std::string wire;
    SerializeResponse(error, false, false, "date", wire);
    auto parsed = ParseResponse(wire, false);
    EXPECT_EQ(parsed.result_int(), static_cast<unsigned>(status));
    EXPECT_EQ(parsed[http::field::content_length], std::to_string(error.body.size())) << status;
    EXPECT_EQ(parsed.body(), error.body);
  }
}

}  // namespace
}  // namespace hitcounter::server
