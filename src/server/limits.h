// The standalone server's limits. Each is a named constant so that it can be found, documented
// (README "Limits") and tested in one place.
#ifndef HITCOUNTER_SERVER_LIMITS_H_
#define HITCOUNTER_SERVER_LIMITS_H_

#include <chrono>
#include <cstddef>

namespace hitcounter::server {

// Largest header block (request line included): larger is 431.
inline constexpr std::size_t kMaxHeaderBytes = 16 * 1024;

// Largest request body, read and discarded: larger is 413. Hits carry no useful body.
inline constexpr std::size_t kMaxBodyBytes = 1024 * 1024;

// Longest method: longer is 501, as no server implements such a method. The longest registered
// method (UPDATEREDIRECTREF) has 17 bytes; any other token up to this length counts as a hit.
inline constexpr std::size_t kMaxMethodBytes = 32;

// Most bytes read but not yet parsed: a header block (at most kMaxHeaderBytes), or within a
// chunked body a chunk-size line with its extensions, or the trailer section, which
// kMaxHeaderBytes does not bound. Past it is 400, so no connection makes the server buffer
// without limit. Well below 64 KiB: Beast throws (std::length_error, which would end the
// server) on a trailer field value over 65533 bytes.
inline constexpr std::size_t kMaxUnparsedBytes = 32 * 1024;

// A keep-alive connection with no request in progress is closed after this long. The default
// of ServerOptions::idle_timeout (`serve --idle-timeout`): behind a load balancer, make it
// longer than the balancer's own idle timeout.
inline constexpr std::chrono::seconds kIdleTimeout{30};

// A request's header block must be complete this long after its first byte arrived, and its
// body this long after the header: slow clients (slowloris) cannot hold a connection. The
// header's is the default of ServerOptions::header_timeout (`serve --header-timeout`).
inline constexpr std::chrono::seconds kHeaderTimeout{10};
inline constexpr std::chrono::seconds kBodyTimeout{30};

// A response must be taken by the client within this long.
inline constexpr std::chrono::seconds kWriteTimeout{30};

// How often deadlines are checked. Timeouts fire up to this much late; a single sweep of all
// connections costs far less than a timer armed per read and write (measured: ~22%).
inline constexpr std::chrono::seconds kSweepInterval{1};

// Connections open at once. Past it, a new connection gets a 503 and is closed.
inline constexpr std::size_t kDefaultMaxConnections = 10'000;

// Out of file descriptors, the server answers up to kMaxShedPerBackoff connections of its
// backlog with 503 and stops accepting for kAcceptBackoff, instead of retrying accept at once
// (which spun a core and answered no one).
inline constexpr std::chrono::milliseconds kAcceptBackoff{100};
inline constexpr std::size_t kMaxShedPerBackoff = 64;

// Descriptors the server needs besides its connections: the store's files and connections
// (SQLite: database, WAL, shared memory, three connections; DynamoDB: one per worker), the
// listening socket, standard streams, the spare kept for running out. --max-connections past
// the limit on open files less these draws a warning at start.
inline constexpr std::size_t kDescriptorsBesidesConnections = 64;

// Most 5xx lines logged per second: a flood of refusals (or a store down under load) cannot fill
// the disk; what is left out is counted in the next line.
inline constexpr int kMaxErrorLinesPerSecond = 100;

// Requests on one connection before the server asks the client to reconnect. Bounded, as
// nginx's keepalive_requests is, so no connection lives forever.
inline constexpr std::size_t kMaxRequestsPerConnection = 1'000'000;

}  // namespace hitcounter::server

#endif  // HITCOUNTER_SERVER_LIMITS_H_
