/// @file
/// @brief What a WebSocket to the API server is made of (private to kube): the TLS stream the
/// REST transport opened and upgraded, and its read buffer.
#pragma once

#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <string>

#include "kube/rest.hpp"

namespace mcpk::kube {

using TlsStream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

struct WebSocket::Impl {
  boost::beast::websocket::stream<TlsStream> ws;
  boost::beast::flat_buffer buffer;
  std::string protocol;
  explicit Impl(TlsStream&& s) : ws(std::move(s)) {}
};

}  // namespace mcpk::kube
