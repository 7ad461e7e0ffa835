#include "tests/support/raw_connection.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>

namespace hitcounter::testing {
namespace {

using Clock = std::chrono::steady_clock;

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

int MillisLeft(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() > 0 ? static_cast<int>(left.count()) : 0;
}

}  // namespace

std::vector<RawResponse> ParseResponses(std::string_view wire) {
  std::vector<RawResponse> responses;
  while (!wire.empty()) {
    std::size_t head_end = wire.find("\r\n\r\n");
    if (head_end == std::string_view::npos || wire.substr(0, 5) != "HTTP/") break;
    std::string_view head = wire.substr(0, head_end);
    RawResponse response;
    std::size_t space = head.find(' ');
    if (space == std::string_view::npos) break;
    response.status = std::atoi(std::string(head.substr(space + 1, 3)).c_str());
    std::size_t line = head.find("\r\n");
    while (line != std::string_view::npos) {
      std::size_t next = head.find("\r\n", line + 2);
      std::string_view field = head.substr(
          line + 2, next == std::string_view::npos ? std::string_view::npos : next - line - 2);
      std::size_t colon = field.find(':');
      if (colon != std::string_view::npos) {
        std::string_view value = field.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
        response.headers[Lower(field.substr(0, colon))] = std::string(value);
      }
      line = next;
    }
    std::size_t length = 0;
    if (auto found = response.headers.find("content-length"); found != response.headers.end()) {
      length = std::strtoull(found->second.c_str(), nullptr, 10);
    }
    std::string_view rest = wire.substr(head_end + 4);
    if (rest.size() < length) break;
    response.body = std::string(rest.substr(0, length));
    responses.push_back(std::move(response));
    wire = rest.substr(length);
  }
  return responses;
}

RawConnection::RawConnection(int port) {
  fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    close(fd_);
    fd_ = -1;
    return;
  }
  int one = 1;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  // A server that stops reading must not hang the test in Send.
  timeval send_timeout{};
  send_timeout.tv_sec = 5;
  setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &send_timeout, sizeof send_timeout);
}

RawConnection::~RawConnection() {
  if (fd_ >= 0) close(fd_);
}

bool RawConnection::Send(std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t sent = send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (sent < 0 && errno == EINTR) continue;
    if (sent <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(sent));
  }
  return true;
}

bool RawConnection::ReadSome(std::chrono::milliseconds timeout) {
  pollfd waiting{fd_, POLLIN, 0};
  int ready = poll(&waiting, 1, static_cast<int>(timeout.count()));
  if (ready <= 0) return true;
  char chunk[16384];
  ssize_t n = recv(fd_, chunk, sizeof chunk, MSG_DONTWAIT);
  if (n > 0) {
    received_.append(chunk, static_cast<std::size_t>(n));
    return true;
  }
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return true;
  closed_by_server_ = true;  // EOF, or reset
  return false;
}

void RawConnection::ReadResponses(std::size_t responses, std::chrono::milliseconds timeout,
                                  std::chrono::milliseconds quiet) {
  const Clock::time_point deadline = Clock::now() + timeout;
  while (!closed_by_server_ && Clock::now() < deadline) {
    if (ParseResponses(received_).size() >= responses) {
      // Enough: wait a little for more bytes or a close, which the test may want to see.
      const std::size_t before = received_.size();
      ReadSome(quiet);
      if (received_.size() == before) return;
      continue;
    }
    ReadSome(std::chrono::milliseconds(MillisLeft(deadline)));
  }
}

bool RawConnection::WaitForClose(std::chrono::milliseconds timeout) {
  const Clock::time_point deadline = Clock::now() + timeout;
  while (!closed_by_server_) {
    int left = MillisLeft(deadline);
    if (left == 0) break;
    ReadSome(std::chrono::milliseconds(left));
  }
  return closed_by_server_;
}

bool RawConnection::ClosedByServerNow() {
  while (!closed_by_server_) {
    const std::size_t before = received_.size();
    ReadSome(std::chrono::milliseconds(0));
    if (received_.size() == before) break;
  }
  return closed_by_server_;
}

}  // namespace hitcounter::testing
