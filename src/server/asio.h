// The Boost.Asio and Boost.Beast names the server uses, in one place.
#ifndef HITCOUNTER_SERVER_ASIO_H_
#define HITCOUNTER_SERVER_ASIO_H_

#include <utility>  // Boost 1.74's Asio needs it before itself under -std=c++20

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace hitcounter::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;

}  // namespace hitcounter::server

#endif  // HITCOUNTER_SERVER_ASIO_H_
