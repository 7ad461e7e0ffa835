// A small blocking HTTP/1.1 client for black-box tests, on Boost.Beast.
#ifndef HITCOUNTER_TESTS_SUPPORT_HTTP_CLIENT_H_
#define HITCOUNTER_TESTS_SUPPORT_HTTP_CLIENT_H_

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace hitcounter::testing {

struct HttpReply {
  int status = 0;  // 0 when no reply came (connection closed or timed out)
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
  bool keep_alive = false;
};

// One keep-alive connection to host:port; reconnects when the server closed it.
class HttpClient {
 public:
  HttpClient(std::string host, int port);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  HttpReply Send(const std::string& method, const std::string& target,
                 const std::string& body = "");
  HttpReply Get(const std::string& target) { return Send("GET", target); }

 private:
  struct Connection;
  std::string host_;
  int port_;
  std::unique_ptr<Connection> connection_;
};

// Sends `bytes` on a new connection, half-closes it, and returns everything the server wrote
// back before closing (or before `timeout`).
std::string SendRaw(int port, const std::string& bytes,
                    std::chrono::milliseconds timeout = std::chrono::seconds(5));

}  // namespace hitcounter::testing

#endif  // HITCOUNTER_TESTS_SUPPORT_HTTP_CLIENT_H_
