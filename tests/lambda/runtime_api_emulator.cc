#include "tests/lambda/runtime_api_emulator.h"

#include <utility>  // Boost 1.74's Asio needs it before itself under -std=c++20

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <map>
#include <thread>

namespace hitcounter::testing {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;

constexpr std::string_view kNext = "/2018-06-01/runtime/invocation/next";
constexpr std::string_view kInvocation = "/2018-06-01/runtime/invocation/";
constexpr std::string_view kInitError = "/2018-06-01/runtime/init/error";
constexpr std::string_view kFunctionArn =
    "arn:aws:lambda:us-east-1:123456789012:function:hitcounter";
// Lambda takes responses up to 6 MB; a test may send a little more to see it refused.
constexpr std::size_t kMaxBodyBytes = 16 * 1024 * 1024;

std::int64_t EpochMillisNow() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

bool EndsWith(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

struct PendingEvent {
  std::string id;
  std::string event;
  std::chrono::milliseconds timeout;
  std::string trace_id;
};

}  // namespace

struct RuntimeApiEmulator::Server {
  class Session;

  explicit Server(RuntimeApiEmulator& emulator) : owner(emulator) {
    tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
    acceptor.open(endpoint.protocol());
    acceptor.set_option(tcp::acceptor::reuse_address(true));
    acceptor.bind(endpoint);
    acceptor.listen();
    port = acceptor.local_endpoint().port();
    Accept();
    thread = std::thread([this] { io.run(); });
  }

  ~Server() {
    io.stop();
    thread.join();
  }

  void Accept();
  void Route(const std::shared_ptr<Session>& session, http::request<http::string_body> request);
  void Deliver(const std::shared_ptr<Session>& session, const PendingEvent& pending);
  void Queue(PendingEvent pending);
  void Park(const std::shared_ptr<Session>& session);
  void Record(const std::shared_ptr<Session>& session, std::string_view target,
              const http::request<http::string_body>& request);

  RuntimeApiEmulator& owner;
  asio::io_context io{1};
  tcp::acceptor acceptor{io};
  unsigned short port = 0;
  std::thread thread;
  // io thread only:
  std::deque<PendingEvent> pending;
  std::deque<std::shared_ptr<Session>> waiting;
  std::map<std::string, std::int64_t> in_flight;  // request id -> its deadline, Unix ms
};

class RuntimeApiEmulator::Server::Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Server& server) : socket_(std::move(socket)), server_(server) {}

  void Read() {
    parser_.emplace();
    parser_->body_limit(kMaxBodyBytes);
    http::async_read(socket_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                       if (ec) return self->Close();
                       self->server_.Route(self, self->parser_->release());
                     });
  }

  void Send(http::status status, std::string body,
            std::vector<std::pair<std::string, std::string>> headers = {}) {
    response_ = {status, 11};
    response_.set(http::field::content_type, "application/json");
    for (auto& [name, value] : headers) response_.set(name, value);
    response_.body() = std::move(body);
    response_.keep_alive(true);
    response_.prepare_payload();
    http::async_write(socket_, response_,
                      [self = shared_from_this()](beast::error_code ec, std::size_t) {
                        if (ec) return self->Close();
                        self->Read();
                      });
  }

  // While parked on /next, a client that goes away makes the socket readable (end of file).
  void WatchWhileParked() {
    parked_ = true;
    socket_.async_wait(tcp::socket::wait_read, [self = shared_from_this()](beast::error_code) {
      if (!self->parked_) return;
      self->Close();
      auto& waiting = self->server_.waiting;
      waiting.erase(std::remove(waiting.begin(), waiting.end(), self), waiting.end());
    });
  }
  void Unpark() { parked_ = false; }

  void Close() {
    beast::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

 private:
  tcp::socket socket_;
  Server& server_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;
  bool parked_ = false;
};

void RuntimeApiEmulator::Server::Accept() {
  acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
    if (ec) return;
    {
      std::lock_guard lock(owner.mutex_);
      ++owner.connections_;
    }
    std::make_shared<Session>(std::move(socket), *this)->Read();
    Accept();
  });
}

void RuntimeApiEmulator::Server::Route(const std::shared_ptr<Session>& session,
                                       http::request<http::string_body> request) {
  const std::string_view target = request.target();
  if (request.method() == http::verb::get && target == kNext) {
    {
      std::lock_guard lock(owner.mutex_);
      ++owner.nexts_;
      if (!owner.first_next_) owner.first_next_ = std::chrono::steady_clock::now();
    }
    owner.changed_.notify_all();
    if (pending.empty()) return Park(session);
    PendingEvent event = std::move(pending.front());
    pending.pop_front();
    return Deliver(session, event);
  }
  if (request.method() == http::verb::post) return Record(session, target, request);
  session->Send(http::status::not_found, R"({"errorType":"NotFound"})");
}

void RuntimeApiEmulator::Server::Park(const std::shared_ptr<Session>& session) {
  waiting.push_back(session);
  session->WatchWhileParked();
}

void RuntimeApiEmulator::Server::Deliver(const std::shared_ptr<Session>& session,
                                         const PendingEvent& event) {
  session->Unpark();
  const std::int64_t deadline = EpochMillisNow() + event.timeout.count();
  in_flight[event.id] = deadline;
  session->Send(http::status::ok, event.event,
                {{"Lambda-Runtime-Aws-Request-Id", event.id},
                 {"Lambda-Runtime-Deadline-Ms", std::to_string(deadline)},
                 {"Lambda-Runtime-Invoked-Function-Arn", std::string(kFunctionArn)},
                 {"Lambda-Runtime-Trace-Id", event.trace_id}});
}

void RuntimeApiEmulator::Server::Queue(PendingEvent event) {
  if (waiting.empty()) {
    pending.push_back(std::move(event));
    return;
  }
  std::shared_ptr<Session> session = std::move(waiting.front());
  waiting.pop_front();
  Deliver(session, event);
}

void RuntimeApiEmulator::Server::Record(const std::shared_ptr<Session>& session,
                                        std::string_view target,
                                        const http::request<http::string_body>& request) {
  Outcome outcome;
  outcome.body = request.body();
  outcome.error_type = std::string(request["Lambda-Runtime-Function-Error-Type"]);
  if (target == kInitError) {
    outcome.kind = Outcome::Kind::kInitError;
    {
      std::lock_guard lock(owner.mutex_);
      owner.init_error_ = std::move(outcome);
    }
    owner.changed_.notify_all();
    return session->Send(http::status::accepted, R"({"status":"OK"})");
  }
  const bool response = EndsWith(target, "/response");
  const bool error = EndsWith(target, "/error");
  if (target.substr(0, kInvocation.size()) != kInvocation || (!response && !error)) {
    return session->Send(http::status::not_found, R"({"errorType":"NotFound"})");
  }
  std::string_view id = target.substr(kInvocation.size());
  id = id.substr(0, id.find('/'));
  const auto invocation = in_flight.find(std::string(id));
  if (invocation == in_flight.end()) {
    return session->Send(http::status::bad_request,
                         R"({"errorMessage":"Invalid request ID","errorType":"InvalidRequestID"})");
  }
  outcome.before_deadline = EpochMillisNow() <= invocation->second;
  in_flight.erase(invocation);
  outcome.kind = response ? Outcome::Kind::kResponse : Outcome::Kind::kError;
  {
    std::lock_guard lock(owner.mutex_);
    owner.outcomes_[std::string(id)] = std::move(outcome);
  }
  owner.changed_.notify_all();
  session->Send(http::status::accepted, R"({"status":"OK"})");
}

RuntimeApiEmulator::RuntimeApiEmulator() : server_(std::make_unique<Server>(*this)) {}

RuntimeApiEmulator::~RuntimeApiEmulator() { server_.reset(); }

std::string RuntimeApiEmulator::address() const {
  return "127.0.0.1:" + std::to_string(server_->port);
}

std::string RuntimeApiEmulator::Invoke(std::string event, std::chrono::milliseconds timeout) {
  std::string id;
  {
    std::lock_guard lock(mutex_);
    id = "00000000-0000-4000-8000-" + std::to_string(1'000'000'000'000 + ++serial_);
  }
  PendingEvent pending{id, std::move(event), timeout,
                       "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1;Lineage=" + id};
  asio::post(server_->io, [server = server_.get(), pending = std::move(pending)]() mutable {
    server->Queue(std::move(pending));
  });
  return id;
}

std::optional<RuntimeApiEmulator::Outcome> RuntimeApiEmulator::InvokeAndWait(
    std::string event, std::chrono::milliseconds wait) {
  return WaitForOutcome(Invoke(std::move(event)), wait);
}

std::optional<RuntimeApiEmulator::Outcome> RuntimeApiEmulator::WaitForOutcome(
    const std::string& request_id, std::chrono::milliseconds wait) {
  std::unique_lock lock(mutex_);
  if (!changed_.wait_for(lock, wait, [&] { return outcomes_.count(request_id) > 0; })) {
    return std::nullopt;
  }
  return outcomes_[request_id];
}

std::optional<RuntimeApiEmulator::Outcome> RuntimeApiEmulator::WaitForInitError(
    std::chrono::milliseconds wait) {
  std::unique_lock lock(mutex_);
  changed_.wait_for(lock, wait, [&] { return init_error_.has_value(); });
  return init_error_;
}

std::optional<RuntimeApiEmulator::SteadyTime> RuntimeApiEmulator::WaitForFirstNext(
    std::chrono::milliseconds wait) {
  std::unique_lock lock(mutex_);
  changed_.wait_for(lock, wait, [&] { return first_next_.has_value(); });
  return first_next_;
}

std::string RuntimeApiEmulator::TraceIdOf(const std::string& request_id) {
  return "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1;Lineage=" + request_id;
}

std::size_t RuntimeApiEmulator::connections_accepted() {
  std::lock_guard lock(mutex_);
  return connections_;
}

std::size_t RuntimeApiEmulator::next_requests() {
  std::lock_guard lock(mutex_);
  return nexts_;
}

}  // namespace hitcounter::testing
