// Session: one client connection of the HttpServer, from accept to close.
//
// Reads requests one after another (pipelined ones included), passes each to the Service,
// writes the response, and keeps the connection alive while both sides want it. Deadlines are
// not timers: the server's sweep calls CheckDeadline once per kSweepInterval.
//
// Io thread only. Lifetime: shared_ptr, held by the pending asynchronous operation.
#ifndef HITCOUNTER_SERVER_SESSION_H_
#define HITCOUNTER_SERVER_SESSION_H_

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "hitcounter/service.h"
#include "server/asio.h"
#include "server/http_translation.h"
#include "server/limits.h"

namespace hitcounter::server {

class HttpServer;

class Session : public std::enable_shared_from_this<Session> {
 public:
  using SteadyTime = std::chrono::steady_clock::time_point;

  // `server` must outlive the session.
  Session(tcp::socket socket, HttpServer& server);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void Start();

  // Closes the connection when the current phase has lasted longer than its limit.
  void CheckDeadline(SteadyTime now);

  // On shutdown: closes the connection unless a request is being read, served or answered.
  void CloseIfIdle();

 private:
  enum class Phase { kAwaitingRequest, kReadingBody, kServing, kWriting };

  void ReadHeader();
  void OnHeader(beast::error_code ec, std::size_t header_bytes);
  void ReadBody();
  void OnBody(beast::error_code ec);
  void OnReadError(beast::error_code ec);
  void Serve();
  void Respond(Response response);
  void RecordMetrics(Metrics& metrics, const Response& response) const;
  // The client of `request`: the peer, or whom the forwarding headers of a trusted proxy name.
  std::string ClientOf(const http::request_header<>& request) const;
  // Answers `refusal` (an error the request itself caused) and closes the connection.
  void RespondAndClose(Response refusal);
  void OnWrite(beast::error_code ec);
  void LogAccess();
  void EnterPhase(Phase phase);
  std::chrono::steady_clock::duration PhaseLimit() const;
  void Close();

  tcp::socket socket_;
  HttpServer& server_;
  beast::flat_buffer buffer_{kMaxUnparsedBytes};
  std::optional<RequestParser> parser_;
  std::string out_;  // the response being written; reused, so responses allocate nothing
  int status_ = 0;   // its status, for the access log
  Phase phase_ = Phase::kAwaitingRequest;
  SteadyTime phase_since_;
  bool request_started_ = false;  // bytes of the next request have arrived
  bool keep_alive_ = true;
  std::size_t requests_served_ = 0;
  SteadyTime request_start_;
  std::string log_method_;  // for the access log
  std::string log_route_;
  asio::ip::address peer_;  // who connected
  std::string client_;      // the request's client (trusted_proxies.h), for the access log
  std::string request_id_;  // the current request's, for the logs
};

}  // namespace hitcounter::server

#endif  // HITCOUNTER_SERVER_SESSION_H_
