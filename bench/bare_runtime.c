/* The floor of a Lambda custom runtime's cold start: a C program that does nothing but connect
 * to the Runtime API (AWS_LAMBDA_RUNTIME_API, "host:port") and ask for the next event, then
 * waits for it. bench/lambda_bench.cc measures exec -> its first GET /next beside hitcounter's
 * bootstrap: the difference is what hitcounter's own start-up costs.
 *
 * Plain C and libc only (no C++ runtime, no OpenSSL), linked like any program. */
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(void) {
  const char* api = getenv("AWS_LAMBDA_RUNTIME_API");
  if (api == NULL) return 2;
  char host[256];
  const char* colon = strrchr(api, ':');
  if (colon == NULL || (size_t)(colon - api) >= sizeof host) return 2;
  memcpy(host, api, (size_t)(colon - api));
  host[colon - api] = '\0';

  struct addrinfo hints;
  memset(&hints, 0, sizeof hints);
  hints.ai_socktype = SOCK_STREAM;
  struct addrinfo* address = NULL;
  if (getaddrinfo(host, colon + 1, &hints, &address) != 0) return 2;
  int fd = socket(address->ai_family, address->ai_socktype, address->ai_protocol);
  if (fd < 0 || connect(fd, address->ai_addr, address->ai_addrlen) != 0) return 2;
  freeaddrinfo(address);

  char request[512];
  int length =
      snprintf(request, sizeof request,
               "GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: %s\r\n\r\n", api);
  if (length <= 0 || write(fd, request, (size_t)length) != length) return 2;
  char answer[4096];
  return read(fd, answer, sizeof answer) > 0 ? 0 : 1; /* the first event arrived */
}
