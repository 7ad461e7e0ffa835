// RawConnection: a plain TCP connection to a local server, for tests that send what an HTTP
// client would not (malformed or smuggled framing, pipelines, a header one byte at a time) and
// need to see exactly what came back and whether the server closed the connection.
//
// Plain blocking sockets with poll() for deadlines, so that a test can hold hundreds of them.
// Not thread-safe: one thread uses a connection at a time.
#ifndef HITCOUNTER_TESTS_SUPPORT_RAW_CONNECTION_H_
#define HITCOUNTER_TESTS_SUPPORT_RAW_CONNECTION_H_

#include <chrono>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace hitcounter::testing {

// One response as it came on the wire.
struct RawResponse {
  int status = 0;
  std::map<std::string, std::string> headers{};  // names in lower case
  std::string body{};
};

// The complete responses at the start of `wire`, in order (a truncated last one is left out).
// A response without Content-Length has an empty body: the server sends one whenever there
// is a body.
std::vector<RawResponse> ParseResponses(std::string_view wire);

class RawConnection {
 public:
  // Connects to 127.0.0.1:port; connected() is false when that failed.
  explicit RawConnection(int port);
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return fd_ >= 0; }

  // Writes all of `bytes`; false when the connection is closed, the write failed, or the server
  // took none of it for 5 s.
  bool Send(std::string_view bytes);

  // Reads until the server has sent `responses` complete responses and then nothing more for
  // `quiet`, or until it closes the connection, or until `timeout`. What was read is kept in
  // received(); closed_by_server() tells whether the server closed (EOF or reset).
  void ReadResponses(std::size_t responses,
                     std::chrono::milliseconds timeout = std::chrono::seconds(5),
                     std::chrono::milliseconds quiet = std::chrono::milliseconds(150));

  // Reads (keeping what comes) until the server closes the connection or `timeout` passes;
  // true when it closed.
  bool WaitForClose(std::chrono::milliseconds timeout);

  // Without blocking: true when the server has closed the connection (any bytes waiting are
  // read first).
  bool ClosedByServerNow();

  const std::string& received() const { return received_; }
  bool closed_by_server() const { return closed_by_server_; }

 private:
  // Reads what is there, waiting up to `timeout` for something; false once the peer closed.
  bool ReadSome(std::chrono::milliseconds timeout);

  int fd_ = -1;
  std::string received_;
  bool closed_by_server_ = false;
};

}  // namespace hitcounter::testing

#endif  // HITCOUNTER_TESTS_SUPPORT_RAW_CONNECTION_H_
