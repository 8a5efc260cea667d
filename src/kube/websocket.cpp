// The WebSocket half of the REST transport: reading and writing messages of an upgraded stream.
#include <boost/beast/websocket.hpp>

#include "kube/websocket_impl.hpp"

namespace mcpk::kube {

namespace beast = boost::beast;
namespace websocket = beast::websocket;

WebSocket::WebSocket(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
WebSocket::~WebSocket() = default;
const std::string& WebSocket::protocol() const { return impl_->protocol; }

Task<Result<std::optional<std::string>>> WebSocket::read() {
  impl_->buffer.clear();
  auto [ec, n] = co_await impl_->ws.async_read(impl_->buffer, use_tuple);
  if (ec == websocket::error::closed) co_return std::optional<std::string>{};
  if (ec) co_return fail(Errc::unavailable, "stream: " + ec.message());
  co_return std::optional<std::string>(beast::buffers_to_string(impl_->buffer.data()));
}

Task<Result<void>> WebSocket::write(std::string data) {
  impl_->ws.binary(true);
  auto [ec, n] = co_await impl_->ws.async_write(net::buffer(data), use_tuple);
  if (ec) co_return fail(Errc::unavailable, "stream: " + ec.message());
  co_return Result<void>{};
}

void WebSocket::abort() {
  boost::system::error_code ec;
  beast::get_lowest_layer(impl_->ws).socket().close(ec);
}

}  // namespace mcpk::kube
