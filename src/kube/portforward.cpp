#include "kube/portforward.hpp"

#include <fmt/format.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/this_coro.hpp>
#include <set>

namespace mcpk::kube {

using tcp = net::ip::tcp;

struct PortForward::Impl : std::enable_shared_from_this<Impl> {
  std::shared_ptr<Client> client;
  RequestScope scope;
  std::string ns, pod;
  std::vector<ForwardedPort> ports;
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
  std::set<tcp::socket*> sockets;
  std::set<WebSocket*> tunnels;
  std::uint64_t in = 0, out = 0, conns = 0;
  std::string last_error;
  bool closed = false;

  Task<void> accept_loop(tcp::acceptor& acceptor, std::uint16_t remote) {
    auto self = shared_from_this();
    for (;;) {
      auto [ec, socket] = co_await acceptor.async_accept(use_tuple);
      if (ec || closed) co_return;
      ++conns;
      auto s = std::make_shared<tcp::socket>(std::move(socket));
      net::co_spawn(acceptor.get_executor(), tunnel(s, remote), net::detached);
    }
  }

  Task<void> tunnel(std::shared_ptr<tcp::socket> socket, std::uint16_t remote) {
    auto self = shared_from_this();
    sockets.insert(socket.get());
    const auto pods = known_resource("", "v1", "pods", "Pod", true);
    const std::string target = resource_path(pods, ns, pod, "portforward") + fmt::format("?ports={}", remote);
    const std::vector<std::string> protocols{"v4.channel.k8s.io"};
    const CallContext cc{Clock::now() + std::chrono::seconds(30), nullptr, scope};
    auto ws = co_await client->transport().websocket(target, protocols, cc);
    if (!ws) {
      last_error = ws.error().message;
      boost::system::error_code ignored;
      socket->close(ignored);
      sockets.erase(socket.get());
      co_return;
    }
    std::shared_ptr<WebSocket> wsp(std::move(*ws));
    tunnels.insert(wsp.get());
    // pod → local: the first message of each channel is the port number.
    auto from_pod = [](std::shared_ptr<Impl> me, std::shared_ptr<WebSocket> w,
                       std::shared_ptr<tcp::socket> s) -> Task<void> {
      bool data_port_seen = false, error_port_seen = false;
      for (;;) {
        auto msg = co_await w->read();
        if (!msg || !*msg) break;
        const std::string& m = **msg;
        if (m.empty()) continue;
        std::string_view payload = std::string_view(m).substr(1);
        if (m[0] == 0) {
          if (!data_port_seen) {
            data_port_seen = true;
            payload.remove_prefix(std::min<std::size_t>(2, payload.size()));
          }
          if (payload.empty()) continue;
          auto [ec, n] = co_await net::async_write(*s, net::buffer(payload.data(), payload.size()), use_tuple);
          if (ec) break;
          me->in += n;
        } else if (m[0] == 1) {
          if (!error_port_seen) {
            error_port_seen = true;
            payload.remove_prefix(std::min<std::size_t>(2, payload.size()));
          }
          if (!payload.empty()) me->last_error = std::string(payload);
        }
      }
      boost::system::error_code ignored;
      s->shutdown(tcp::socket::shutdown_send, ignored);
      s->close(ignored);
    };
    net::co_spawn(socket->get_executor(), from_pod(self, wsp, socket), net::detached);
    // local → pod
    std::array<char, 32 * 1024> buf;
    for (;;) {
      auto [ec, n] = co_await socket->async_read_some(net::buffer(buf.data() + 1, buf.size() - 1), use_tuple);
      if (ec || n == 0) break;
      buf[0] = 0;
      std::string frame(buf.data(), n + 1);
      if (auto w = co_await wsp->write(std::move(frame)); !w) break;
      out += n;
    }
    wsp->abort();
    boost::system::error_code ignored;
    socket->close(ignored);
    tunnels.erase(wsp.get());
    sockets.erase(socket.get());
  }

  void close() {
    if (closed) return;
    closed = true;
    boost::system::error_code ignored;
    for (auto& a : acceptors) a->close(ignored);
    for (auto* s : sockets) s->close(ignored);
    for (auto* t : tunnels) t->abort();
  }
};

Result<std::shared_ptr<PortForward>> PortForward::start(std::shared_ptr<Client> client, RequestScope scope,
                                                        std::string ns, std::string pod, const std::string& address,
                                                        const std::vector<ForwardedPort>& ports) {
  auto impl = std::make_shared<Impl>();
  impl->client = std::move(client);
  impl->scope = std::move(scope);
  impl->ns = std::move(ns);
  impl->pod = std::move(pod);
  boost::system::error_code ec;
  const auto addr = net::ip::make_address(address, ec);
  if (ec) return fail(Errc::invalid_argument, fmt::format("\"{}\" is not an IP address", address));
  auto executor = impl->client->transport().executor();
  for (const auto& p : ports) {
    auto acceptor = std::make_unique<tcp::acceptor>(executor);
    tcp::endpoint ep(addr, p.local);
    acceptor->open(ep.protocol(), ec);
    if (!ec) acceptor->set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor->bind(ep, ec);
    if (!ec) acceptor->listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
      impl->close();
      return fail(ec == net::error::address_in_use ? Errc::conflict : Errc::invalid_argument,
                  fmt::format("cannot listen on {}:{}: {}", address, p.local, ec.message()));
    }
    impl->ports.push_back({acceptor->local_endpoint().port(), p.remote});
    impl->acceptors.push_back(std::move(acceptor));
  }
  for (std::size_t i = 0; i < impl->acceptors.size(); ++i) {
    net::co_spawn(executor, impl->accept_loop(*impl->acceptors[i], impl->ports[i].remote), net::detached);
  }
  return std::shared_ptr<PortForward>(new PortForward(std::move(impl)));
}

namespace {
std::size_t open_forwards = 0;  // one io_context thread
}  // namespace

PortForward::PortForward(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) { ++open_forwards; }

PortForward::~PortForward() {
  impl_->close();
  --open_forwards;
}

std::size_t PortForward::open_count() { return open_forwards; }
const std::vector<ForwardedPort>& PortForward::ports() const { return impl_->ports; }
std::uint64_t PortForward::bytes_in() const { return impl_->in; }
std::uint64_t PortForward::bytes_out() const { return impl_->out; }
std::uint64_t PortForward::connections() const { return impl_->conns; }
const std::string& PortForward::last_error() const { return impl_->last_error; }
void PortForward::close() { impl_->close(); }

}  // namespace mcpk::kube
