// The AWS SigV4 test suite's request files (tests/data/sigv4, from awslabs/aws-c-auth), read
// into the request the signer takes: shared by the suite's unit test and the SigV4 fuzz target,
// which fuzzes with requests of that form.
#ifndef HITCOUNTER_TESTS_SUPPORT_SIGV4_SUITE_REQUEST_H_
#define HITCOUNTER_TESTS_SUPPORT_SIGV4_SUITE_REQUEST_H_

#include <algorithm>
#include <string>
#include <string_view>

#include "aws/sigv4.h"
#include "hitcounter/status.h"

namespace hitcounter::testing {

// Parses the suite's request.txt / header-signed-request.txt: "METHOD TARGET HTTP/1.1", then
// "Name:value" lines (a line starting with a blank continues the previous value; it is kept
// with its "\n" so the signer sees the folded value), then an optional empty line and a body.
// The target may contain spaces ("/example space/").
inline Result<aws::HttpRequestToSign> ParseSuiteRequest(std::string_view text) {
  std::size_t pos = 0;
  auto next_line = [&]() {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = std::min(end + 1, text.size());
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return line;
  };
  aws::HttpRequestToSign request;
  const std::string_view request_line = next_line();
  const std::size_t first_space = request_line.find(' ');
  const std::size_t last_space = request_line.rfind(' ');
  if (first_space == std::string_view::npos || first_space == last_space ||
      request_line.substr(last_space + 1) != "HTTP/1.1") {
    return Status::InvalidArgument("bad request line: " + std::string(request_line));
  }
  request.method = request_line.substr(0, first_space);
  const std::string_view target =
      request_line.substr(first_space + 1, last_space - first_space - 1);
  const std::size_t question = target.find('?');
  request.path = target.substr(0, question);
  if (question != std::string_view::npos) request.query = target.substr(question + 1);

  while (pos < text.size()) {
    const std::string_view line = next_line();
    if (line.empty()) {
      request.body = text.substr(pos);
      break;
    }
    if (line.front() == ' ' || line.front() == '\t') {
      if (request.headers.empty()) return Status::InvalidArgument("continuation without header");
      request.headers.back().second.append("\n").append(line);
      continue;
    }
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) {
      return Status::InvalidArgument("bad header line: " + std::string(line));
    }
    request.headers.emplace_back(line.substr(0, colon), line.substr(colon + 1));
  }
  return request;
}

}  // namespace hitcounter::testing

#endif  // HITCOUNTER_TESTS_SUPPORT_SIGV4_SUITE_REQUEST_H_
