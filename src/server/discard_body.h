// DiscardBody: a Beast body type for requests whose body the server reads and throws away.
//
// A hit never needs its body, so none is kept: Beast's string_body held up to the body limit per
// connection (48 unfinished 1 MiB bodies raised the server's RSS by 50 MB; at the default
// connection limit that is ~10 GiB). The parser still counts the bytes against its body limit
// (413 past kMaxBodyBytes) and checks the chunked framing.
#ifndef HITCOUNTER_SERVER_DISCARD_BODY_H_
#define HITCOUNTER_SERVER_DISCARD_BODY_H_

#include <cstdint>

#include "server/asio.h"

namespace hitcounter::server {

struct DiscardBody {
  struct value_type {};

  // Beast's BodyReader: takes every byte and keeps none.
  class reader {
   public:
    template <bool kIsRequest, class Fields>
    reader(http::header<kIsRequest, Fields>&, value_type&) {}

    void init(const boost::optional<std::uint64_t>&, beast::error_code& ec) { ec = {}; }

    template <class ConstBufferSequence>
    std::size_t put(const ConstBufferSequence& buffers, beast::error_code& ec) {
      ec = {};
      return asio::buffer_size(buffers);
    }

    void finish(beast::error_code& ec) { ec = {}; }
  };
};

}  // namespace hitcounter::server

#endif  // HITCOUNTER_SERVER_DISCARD_BODY_H_
