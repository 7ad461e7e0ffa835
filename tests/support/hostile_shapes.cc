#include "tests/support/hostile_shapes.h"

#include <cstdio>

namespace hitcounter::testing {

using namespace std::string_literals;  // "...\0..."s keeps the NUL

namespace {

constexpr bool kCloses = true;
constexpr bool kStaysOpen = false;
constexpr const char* kNothing = nullptr;

// Appended to bodies: if the server took the body's bytes for the next request, this route
// would count.
const std::string kSmuggled = "GET {r}-smuggled HTTP/1.1\r\nHost: x\r\n\r\n";

std::string Post(const std::string& headers, const std::string& body) {
  return "POST {r} HTTP/1.1\r\nHost: x\r\n" + headers + "\r\n" + body;
}

}  // namespace

std::vector<Shape> SmugglingShapes() {
  const std::string chunked_end = "0\r\n\r\n";
  return {
      {"ContentLengthThenTransferEncoding",
       Post("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", chunked_end + kSmuggled), 400,
       kNothing, kCloses},
      {"TransferEncodingThenContentLength",
       Post("Transfer-Encoding: chunked\r\nContent-Length: 5\r\n", chunked_end + kSmuggled), 400,
       kNothing, kCloses},
      {"TwoContentLengthsThatDiffer",
       Post("Content-Length: 3\r\nContent-Length: 4\r\n", "abcd" + kSmuggled), 400, kNothing,
       kCloses},
      {"TwoEqualContentLengths", Post("Content-Length: 4\r\nContent-Length: 4\r\n", "abcd"), 400,
       kNothing, kCloses},
      {"ContentLengthListOfEqualValues", Post("Content-Length: 4, 4\r\n", "abcd"), 400, kNothing,
       kCloses},
      {"ContentLengthWithPlusSign", Post("Content-Length: +4\r\n", "abcd" + kSmuggled), 400,
       kNothing, kCloses},
      {"NegativeContentLength", Post("Content-Length: -4\r\n", "abcd" + kSmuggled), 400, kNothing,
       kCloses},
      {"ContentLengthWithSpaceInside", Post("Content-Length: 4 4\r\n", "abcd" + kSmuggled), 400,
       kNothing, kCloses},
      {"HexContentLength", Post("Content-Length: 0x4\r\n", "abcd" + kSmuggled), 400, kNothing,
       kCloses},
      {"EmptyContentLength", Post("Content-Length: \r\n", kSmuggled), 400, kNothing, kCloses},
      {"ContentLengthOverSixtyFourBits",
       Post("Content-Length: 18446744073709551620\r\n", "abcd" + kSmuggled), 400, kNothing,
       kCloses},
      {"TransferEncodingGzipAlone", Post("Transfer-Encoding: gzip\r\n", kSmuggled), 400, kNothing,
       kCloses},
      {"TransferEncodingUnknownToken", Post("Transfer-Encoding: xchunked\r\n", kSmuggled), 400,
       kNothing, kCloses},
      {"ChunkedTwiceInOneField",
       Post("Transfer-Encoding: chunked, chunked\r\n", "4\r\nabcd\r\n" + chunked_end + kSmuggled),
       400, kNothing, kCloses},
      {"ChunkedInTwoFields",
       Post("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", chunked_end), 400,
       kNothing, kCloses},
      {"ChunkedThenGzip", Post("Transfer-Encoding: chunked, gzip\r\n", chunked_end + kSmuggled),
       400, kNothing, kCloses},
      {"GzipThenChunked", Post("Transfer-Encoding: gzip, chunked\r\n", chunked_end), 501, kNothing,
       kCloses},
      {"TransferEncodingInHttp10",
       "POST {r} HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked_end + kSmuggled, 400,
       kNothing, kCloses},
      {"SpaceBeforeTheColon", Post("Transfer-Encoding : chunked\r\n", chunked_end + kSmuggled), 400,
       kNothing, kCloses},
      {"ChunkSizeNotHex", Post("Transfer-Encoding: chunked\r\n", "zz\r\nabcd\r\n" + chunked_end),
       400, kNothing, kCloses},
      {"ChunkSizeOverSixtyFourBits",
       Post("Transfer-Encoding: chunked\r\n", "10000000000000004\r\nabcd\r\n" + chunked_end), 400,
       kNothing, kCloses},
      {"NegativeChunkSize", Post("Transfer-Encoding: chunked\r\n", "-4\r\nabcd\r\n" + chunked_end),
       400, kNothing, kCloses},
      {"ChunkLongerThanItsSize",
       Post("Transfer-Encoding: chunked\r\n", "3\r\nabcd\r\n" + chunked_end + kSmuggled), 400,
       kNothing, kCloses},
      {"HugeChunkExtension",
       Post("Transfer-Encoding: chunked\r\n",
            "4;ext=" + std::string(200 * 1024, 'e') + "\r\nabcd\r\n" + chunked_end),
       400, kNothing, kCloses},
      {"TrailerOfTenKib",
       Post("Transfer-Encoding: chunked\r\n",
            "4\r\nabcd\r\n0\r\nX-Trailer: " + std::string(10 * 1024, 't') + "\r\n\r\n"),
       200, "{r}", kStaysOpen},
      // Beast throws on a field value over 64 KiB: this one request used to end the server.
      {"TrailerOverSixtyFourKib",
       Post("Transfer-Encoding: chunked\r\n",
            "4\r\nabcd\r\n0\r\nX-Trailer: " + std::string(70000, 't') + "\r\n\r\n"),
       400, kNothing, kCloses},
      {"ChunkedBodyThatIsFine",
       Post("Transfer-Encoding: chunked\r\n", "4;name=value\r\nabcd\r\n" + chunked_end), 200, "{r}",
       kStaysOpen},
      {"ChunkedInCapitals", Post("Transfer-Encoding: CHUNKED\r\n", "4\r\nabcd\r\n" + chunked_end),
       200, "{r}", kStaysOpen},
      {"BareLineFeeds", "GET {r} HTTP/1.1\nHost: x\n\n", 400, kNothing, kCloses},
      {"BareCarriageReturn", "GET {r} HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n", 400, kNothing,
       kCloses},
      // Beast unfolds obs-fold into a space, as RFC 9112 section 5.2 allows (the other choice
      // is 400): a folded Transfer-Encoding is read as chunked, consistently.
      {"ObsFoldedHeader", "GET {r} HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n b\r\n\r\n", 200, "{r}",
       kStaysOpen},
      {"ObsFoldedTransferEncoding", Post("Transfer-Encoding:\r\n chunked\r\n", chunked_end), 200,
       "{r}", kStaysOpen},
      {"NulInAHeaderValue", "GET {r} HTTP/1.1\r\nHost: x\r\nX-A: a\0b\r\n\r\n"s, 400, kNothing,
       kCloses},
      {"NulInAHeaderName", "GET {r} HTTP/1.1\r\nHost: x\r\nX-\0A: b\r\n\r\n"s, 400, kNothing,
       kCloses},
      {"TwoHostFields", "GET {r} HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n", 400, kNothing, kCloses},
  };
}

std::vector<Shape> MethodShapes() {
  return {
      {"LowercaseGet", "get {r} HTTP/1.1\r\nHost: x\r\n\r\n", 200, "{r}", kStaysOpen},
      {"Purge", "PURGE {r} HTTP/1.1\r\nHost: x\r\n\r\n", 200, "{r}", kStaysOpen},
      {"Foo", "FOO {r} HTTP/1.1\r\nHost: x\r\n\r\n", 200, "{r}", kStaysOpen},
      {"EveryTokenCharacter", "!#$%&'*+-.^_`|~09AZaz {r} HTTP/1.1\r\nHost: x\r\n\r\n", 200, "{r}",
       kStaysOpen},
      {"MethodOfThirtyTwoBytes", std::string(32, 'M') + " {r} HTTP/1.1\r\nHost: x\r\n\r\n", 200,
       "{r}", kStaysOpen},
      {"MethodOfThirtyThreeBytes", std::string(33, 'M') + " {r} HTTP/1.1\r\nHost: x\r\n\r\n", 501,
       kNothing, kCloses},
      {"MethodOverTheHeaderLimit", std::string(20000, 'M') + " {r} HTTP/1.1\r\nHost: x\r\n\r\n",
       501, kNothing, kCloses},
      {"ParenthesisInMethod", "G(T {r} HTTP/1.1\r\nHost: x\r\n\r\n", 400, kNothing, kCloses},
      {"ControlByteInMethod", "GE\x01T {r} HTTP/1.1\r\nHost: x\r\n\r\n", 400, kNothing, kCloses},
      {"NonAsciiMethod", "G\xC3\x89T {r} HTTP/1.1\r\nHost: x\r\n\r\n", 400, kNothing, kCloses},
      {"EmptyMethod", " {r} HTTP/1.1\r\nHost: x\r\n\r\n", 400, kNothing, kCloses},
      {"TwoSpacesAfterMethod", "GET  {r} HTTP/1.1\r\nHost: x\r\n\r\n", 400, kNothing, kCloses},
  };
}

std::vector<Shape> TargetShapes() {
  return {
      {"RawUtf8", "GET {r}/caf\xC3\xA9 HTTP/1.1\r\nHost: x\r\n\r\n", 200, "{r}/caf\xC3\xA9",
       kStaysOpen},
      {"RawLatin1Byte", "GET {r}/caf\xE9 HTTP/1.1\r\nHost: x\r\n\r\n", 400, kNothing, kStaysOpen},
      {"RawOverlongSlash", "GET {r}/\xC0\xAF HTTP/1.1\r\nHost: x\r\n\r\n", 400, kNothing,
       kStaysOpen},
      {"RawControlByte", "GET {r}/a\x01 HTTP/1.1\r\nHost: x\r\n\r\n", 400, kNothing, kCloses},
      {"RawDelete", "GET {r}/a\x7F HTTP/1.1\r\nHost: x\r\n\r\n", 400, kNothing, kCloses},
      {"RawTab", "GET {r}/a\tb HTTP/1.1\r\nHost: x\r\n\r\n", 400, kNothing, kCloses},
      {"RawSpace", "GET {r}/a b HTTP/1.1\r\nHost: x\r\n\r\n", 400, kNothing, kCloses},
      {"AbsoluteForm", "GET http://example.com{r} HTTP/1.1\r\nHost: example.com\r\n\r\n", 200,
       "{r}", kStaysOpen},
      {"AbsoluteFormHttps", "GET HTTPS://example.com:443{r}?q=1 HTTP/1.1\r\nHost: x\r\n\r\n", 200,
       "{r}", kStaysOpen},
      {"AbsoluteFormOtherScheme", "GET ftp://example.com{r} HTTP/1.1\r\nHost: x\r\n\r\n", 400,
       kNothing, kStaysOpen},
      {"AsteriskFormOptions", "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n", 204, kNothing, kStaysOpen},
      {"AsteriskFormGet", "GET * HTTP/1.1\r\nHost: x\r\n\r\n", 400, kNothing, kStaysOpen},
      {"NoLeadingSlash", "GET a{r} HTTP/1.1\r\nHost: x\r\n\r\n", 400, kNothing, kStaysOpen},
      {"AuthorityFormConnect", "CONNECT example.com:443 HTTP/1.1\r\nHost: x\r\n\r\n", 400, kNothing,
       kStaysOpen},
      {"Fragment", "GET {r}#part HTTP/1.1\r\nHost: x\r\n\r\n", 200, "{r}", kStaysOpen},
      {"TargetJustUnderEightKib",
       "GET {r}?" + std::string(8192 - 200, 'q') + " HTTP/1.1\r\nHost: x\r\n\r\n", 200, "{r}",
       kStaysOpen},
      {"TargetOverEightKib", "GET {r}?" + std::string(8192, 'q') + " HTTP/1.1\r\nHost: x\r\n\r\n",
       414, kNothing, kCloses},
  };
}

std::vector<Shape> VersionShapes() {
  return {
      {"Http10WithHost", "GET {r} HTTP/1.0\r\nHost: x\r\n\r\n", 200, "{r}", kCloses},
      {"Http10WithoutHost", "GET {r} HTTP/1.0\r\n\r\n", 200, "{r}", kCloses},
      {"Http10KeepAlive", "GET {r} HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", 200, "{r}",
       kStaysOpen},
      {"Http11ConnectionClose", "GET {r} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 200,
       "{r}", kCloses},
      {"Http11WithoutHost", "GET {r} HTTP/1.1\r\n\r\n", 400, kNothing, kCloses},
      {"Http09", "GET {r}\r\n\r\n", 400, kNothing, kCloses},
      {"Http2Preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505, kNothing, kCloses},
      {"Http20RequestLine", "GET {r} HTTP/2.0\r\nHost: x\r\n\r\n", 505, kNothing, kCloses},
      // Beast knows 1.0 and 1.1 only (RFC 9110 would have 1.9 read as 1.1).
      {"Http19", "GET {r} HTTP/1.9\r\nHost: x\r\n\r\n", 400, kNothing, kCloses},
      {"Http99RequestLine", "GET {r} HTTP/9.9\r\nHost: x\r\n\r\n", 505, kNothing, kCloses},
      {"LowercaseVersion", "GET {r} http/1.1\r\nHost: x\r\n\r\n", 400, kNothing, kCloses},
      {"TwoDigitMinorVersion", "GET {r} HTTP/1.10\r\nHost: x\r\n\r\n", 400, kNothing, kCloses},
  };
}

std::vector<Shape> OversizedShapes() {
  std::string many_headers;
  for (int i = 0; i < 1000; ++i) many_headers += "X-" + std::to_string(i) + ": y\r\n";
  std::string big_chunks;
  for (int i = 0; i < 5; ++i) big_chunks += "40000\r\n" + std::string(0x40000, 'b') + "\r\n";
  return {
      {"AThousandSmallHeaders", "GET {r} HTTP/1.1\r\nHost: x\r\n" + many_headers + "\r\n", 200,
       "{r}", kStaysOpen},
      {"OneHeaderOverSixteenKib",
       "GET {r} HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(17 * 1024, 'h') + "\r\n\r\n", 431,
       kNothing, kCloses},
      {"LongTargetAndHeadersOverSixteenKib",
       "GET {r}?" + std::string(9000, 'q') +
           " HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(9000, 'h') + "\r\n\r\n",
       414, kNothing, kCloses},
      {"BodyOfExactlyOneMib", Post("Content-Length: 1048576\r\n", std::string(1024 * 1024, 'b')),
       200, "{r}", kStaysOpen},
      {"BodyOverOneMibSentInFull",
       Post("Content-Length: 2097152\r\n", std::string(2 * 1024 * 1024, 'b')), 413, kNothing,
       kCloses},
      {"ChunkedBodyOverOneMib", Post("Transfer-Encoding: chunked\r\n", big_chunks + "0\r\n\r\n"),
       413, kNothing, kCloses},
  };
}

std::vector<std::vector<Shape>> AllShapeGroups() {
  return {SmugglingShapes(), MethodShapes(), TargetShapes(), VersionShapes(), OversizedShapes()};
}

std::string ExpandShape(std::string pattern, const std::string& route) {
  for (std::size_t at = pattern.find("{r}"); at != std::string::npos;
       at = pattern.find("{r}", at + route.size())) {
    pattern.replace(at, 3, route);
  }
  return pattern;
}

std::string Printable(std::string_view bytes) {
  std::string out;
  for (unsigned char c : bytes.substr(0, 600)) {
    if (c >= 0x20 && c < 0x7F) {
      out.push_back(static_cast<char>(c));
    } else {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\x%02X", c);
      out += escaped;
    }
  }
  return out;
}

}  // namespace hitcounter::testing
