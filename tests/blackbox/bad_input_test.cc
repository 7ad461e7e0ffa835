// Bad input gets a clear JSON error, counts nothing, and leaves the server answering.
#include "tests/blackbox/fixture.h"
#include "tests/support/raw_connection.h"

namespace hitcounter::testing {
namespace {

class BadInputTest : public BlackBoxTest {
 protected:
  void SetUp() override {
    BlackBoxTest::SetUp();
    if (External()) GTEST_SKIP() << "raw-socket tests need a local server";
  }

  // Sends `bytes` raw; expects an answer with `status` and a JSON `error`, then checks that the
  // server still counts normally.
  void ExpectRefused(const std::string& bytes, int status, const std::string& error) {
    std::string reply = SendRaw(port_, bytes);
    EXPECT_EQ(reply.rfind("HTTP/1.1 " + std::to_string(status), 0), 0u) << reply.substr(0, 200);
    EXPECT_NE(reply.find("\"error\":\"" + error + "\""), std::string::npos) << reply;
    EXPECT_NE(reply.find("Content-Type: application/json"), std::string::npos);
    EXPECT_EQ(client_->Get(Route("/still-fine")).status, 200);
  }
};

TEST_F(BadInputTest, InvalidPercentEncodingIs400AndCountsNothing) {
  for (const char* path : {"/%zz", "/%", "/%4", "/%C3", "/%FF%FE", "/a%00b", "/%0A", "/%C0%AF"}) {
    HttpReply reply = client_->Get(Route(path));
    EXPECT_EQ(reply.status, 400) << path;
    EXPECT_STREQ(Json(reply)["error"].GetString(), "invalid_path") << path;
  }
  rapidjson::Document stats = Json(client_->Get("/_stats?prefix=" + Route()));
  EXPECT_EQ(stats["routes"].Size(), 0u);
}

TEST_F(BadInputTest, ARouteOverItsLimitIs414) {
  HttpReply reply = client_->Get("/" + std::string(1100, 'r'));
  EXPECT_EQ(reply.status, 414);
  EXPECT_STREQ(Json(reply)["error"].GetString(), "route_too_long");
}

TEST_F(BadInputTest, ATargetOverEightKibIs414) {
  ExpectRefused("GET /" + std::string(9000, 't') + " HTTP/1.1\r\nHost: x\r\n\r\n", 414,
                "target_too_long");
}

TEST_F(BadInputTest, ATargetBeyondTheHeaderLimitIsStill414) {
  ExpectRefused("GET /" + std::string(20000, 't') + " HTTP/1.1\r\nHost: x\r\n\r\n", 414,
                "target_too_long");
}

TEST_F(BadInputTest, HeadersOverSixteenKibAre431) {
  std::string headers;
  for (int i = 0; i < 40; ++i)
    headers += "X-Filler-" + std::to_string(i) + ": " + std::string(500, 'h') + "\r\n";
  ExpectRefused("GET /a HTTP/1.1\r\nHost: x\r\n" + headers + "\r\n", 431, "headers_too_large");
}

// The limit is exact whatever the byte: a block of 16 KiB is served, one byte more is not (a
// block 25 bytes over was served before, depending on how Beast's reads split it).
TEST_F(BadInputTest, TheHeaderLimitIsExact) {
  auto block_of = [&](std::size_t size) {
    std::string block = "GET " + Route("/header-limit") + " HTTP/1.1\r\nHost: x\r\nX-Pad: ";
    block += std::string(size - block.size() - 4, 'p');
    return block + "\r\n\r\n";
  };
  std::string reply = SendRaw(port_, block_of(16 * 1024));
  EXPECT_EQ(reply.rfind("HTTP/1.1 200", 0), 0u) << reply.substr(0, 200);
  ExpectRefused(block_of(16 * 1024 + 1), 431, "headers_too_large");
  ExpectRefused(block_of(16 * 1024 + 25), 431, "headers_too_large");
  EXPECT_EQ(CountOf(Route("/header-limit")), 1);
}

TEST_F(BadInputTest, ABodyOverOneMibIs413) {
  ExpectRefused(
      "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n" + std::string(1000, 'b'),
      413, "body_too_large");
}

TEST_F(BadInputTest, GarbageIs400) {
  ExpectRefused("this is not http\r\n\r\n", 400, "bad_request");
  ExpectRefused("GET /a HTTP/1.x\r\nHost: x\r\n\r\n", 400, "bad_request");
  ExpectRefused("G(T /a HTTP/1.1\r\nHost: x\r\n\r\n", 400, "bad_request");
  ExpectRefused("GET /a HTTP/1.1\r\nBad Header: x\r\n\r\n", 400, "bad_request");
}

TEST_F(BadInputTest, Http11WithoutHostIs400ButHttp10IsServed) {
  ExpectRefused("GET /a HTTP/1.1\r\n\r\n", 400, "bad_request");
  std::string reply = SendRaw(port_, "GET " + Route() + " HTTP/1.0\r\n\r\n");
  EXPECT_EQ(reply.rfind("HTTP/1.1 200", 0), 0u) << reply;
  EXPECT_EQ(CountOf(Route()), 1);
}

TEST_F(BadInputTest, SmugglingShapesAre400AndCloseTheConnection) {
  ExpectRefused("POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
                400, "bad_request");
  ExpectRefused("POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400,
                "bad_request");
}

TEST_F(BadInputTest, AClientThatHangsUpMidRequestCountsNothing) {
  SendRaw(port_, "GET " + Route() + " HTTP/1.1\r\nHost: x\r\n");
  SendRaw(port_, "POST " + Route() + " HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc");
  EXPECT_EQ(CountOf(Route()), 0);
  EXPECT_EQ(client_->Get(Route()).status, 200);
}

// Regression: "Host: a b@c/d" was served.
TEST_F(BadInputTest, AHostValueThatIsNoHostIs400) {
  ExpectRefused("GET " + Route() + " HTTP/1.1\r\nHost: a b@c/d\r\n\r\n", 400, "bad_request");
  EXPECT_EQ(CountOf(Route()), 0);
}

// Regression: an HTTP/1.0 request with Expect: 100-continue got 100 Continue, which HTTP/1.0
// clients do not know (RFC 9110 section 10.1.1: ignore the expectation).
TEST_F(BadInputTest, AnHttp10ExpectationIsIgnoredAndTheBodyStillRead) {
  RawConnection connection(port_);
  ASSERT_TRUE(connection.Send("POST " + Route() +
                              " HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n"));
  connection.ReadResponses(1, std::chrono::milliseconds(500));
  EXPECT_EQ(connection.received(), "") << "answered before the body came";
  ASSERT_TRUE(connection.Send("abc"));
  connection.ReadResponses(1);
  EXPECT_EQ(connection.received().find("100 Continue"), std::string::npos) << connection.received();
  std::vector<RawResponse> responses = ParseResponses(connection.received());
  ASSERT_EQ(responses.size(), 1u) << connection.received();
  EXPECT_EQ(responses[0].status, 200);
}

}  // namespace
}  // namespace hitcounter::testing
