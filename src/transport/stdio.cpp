#include "transport/stdio.hpp"

#include <unistd.h>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cerrno>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

#include "jsonrpc/message.hpp"

namespace mcpk::transport {

// Reading and writing happen on two threads of their own with blocking I/O: stdin may be a
// regular file (which epoll refuses) and making a shared stdout/stderr non-blocking would
// lose log lines. Everything else runs on the io_context.
struct StdioTransport::Impl : std::enable_shared_from_this<Impl> {
  net::io_context& io;
  mcp::Session session;
  StdioOptions options;
  int in_fd, out_fd;

  net::steady_timer done;  // expires "never"; cancelled when run() should return
  net::steady_timer grace;
  bool eof = false;
  bool finished = false;

  // Writer thread state.
  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::string> queue;
  bool closing = false;
  std::thread writer;
  std::thread reader;
  // Guards posting from the reader thread after the transport is gone.
  std::shared_ptr<std::atomic<bool>> alive = std::make_shared<std::atomic<bool>>(true);

  Impl(net::io_context& ctx, mcp::Server& server, StdioOptions opts, int in, int out)
      : io(ctx), session(server), options(opts), in_fd(in), out_fd(out), done(ctx), grace(ctx) {
    done.expires_at(std::chrono::steady_clock::time_point::max());
    // What no request asked for (tools/list_changed) goes out like everything else.
    session.set_notifier([this](json::object n) { write(n); });
  }

  void write(const json::object& message) {
    std::string line = to_json(message);
    line += '\n';
    {
      std::lock_guard lock(mu);
      queue.push_back(std::move(line));
    }
    cv.notify_one();
  }

  void writer_loop() {
    std::unique_lock lock(mu);
    for (;;) {
      cv.wait(lock, [&] { return closing || !queue.empty(); });
      if (queue.empty()) return;  // closing and drained
      std::string line = std::move(queue.front());
      queue.pop_front();
      lock.unlock();
      std::string_view rest = line;
      while (!rest.empty()) {
        const ssize_t n = ::write(out_fd, rest.data(), rest.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {  // the client is gone; drop output
          rest = {};
          break;
        }
        rest.remove_prefix(static_cast<std::size_t>(n));
      }
      lock.lock();
    }
  }

  void reader_loop() {
    auto flag = alive;
    auto self = weak_from_this();
    std::string buffer;
    bool oversize = false;
    char chunk[65536];
    auto deliver = [&](std::string line, bool too_big) {
      if (!*flag) return;
      net::post(io, [self, line = std::move(line), too_big]() mutable {
        if (auto s = self.lock()) s->on_line(std::move(line), too_big);
      });
    };
    for (;;) {
      const ssize_t n = ::read(in_fd, chunk, sizeof chunk);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      std::string_view data(chunk, static_cast<std::size_t>(n));
      while (!data.empty()) {
        const auto nl = data.find('\n');
        const auto part = data.substr(0, nl);
        if (!oversize) {
          if (buffer.size() + part.size() > options.max_message_bytes) {
            oversize = true;
            buffer.clear();
            buffer.shrink_to_fit();
          } else {
            buffer.append(part);
          }
        }
        if (nl == std::string_view::npos) break;
        deliver(std::move(buffer), oversize);
        buffer.clear();
        oversize = false;
        data.remove_prefix(nl + 1);
      }
    }
    if (!buffer.empty() || oversize) deliver(std::move(buffer), oversize);
    if (*flag) {
      net::post(io, [self] {
        if (auto s = self.lock()) s->on_eof();
      });
    }
  }

  void on_line(std::string line, bool too_big) {
    if (finished) return;
    if (too_big) {
      write(jsonrpc::make_error(nullptr, jsonrpc::kInvalidRequest,
                                fmt::format("message larger than {} bytes was discarded", options.max_message_bytes)));
      return;
    }
    if (line.find_first_not_of(" \t\r") == std::string::npos) return;
    net::co_spawn(io, handle(std::move(line)), net::detached);
  }

  Task<void> handle(std::string line) {
    auto self = shared_from_this();
    try {
      // Arguments are named locals: g++ 12 can destroy temporaries of a co_await expression twice.
      mcp::Session::Send send = [self](json::object n) { self->write(n); };
      const RequestScope scope;  // stdio: the one local user
      auto response = co_await session.handle_text(line, send, scope);
      if (response && !finished) write(*response);
    } catch (const std::exception& e) {
      spdlog::error("stdio: unexpected failure handling a message: {}", e.what());
      write(jsonrpc::make_error(nullptr, jsonrpc::kInternalError, "internal error"));
    }
    if (eof && session.in_flight() == 0) finish();
  }

  void on_eof() {
    eof = true;
    spdlog::debug("stdio: end of input, {} call(s) in flight", session.in_flight());
    if (session.in_flight() == 0) return finish();
    grace.expires_after(options.eof_grace);
    grace.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (!ec) {
        self->session.cancel_all("end of input");
        self->finish();
      }
    });
  }

  void finish() {
    if (finished) return;
    finished = true;
    grace.cancel();
    done.cancel();
  }
};

StdioTransport::StdioTransport(net::io_context& io, mcp::Server& server, StdioOptions options, int in_fd, int out_fd)
    : impl_(std::make_shared<Impl>(io, server, options, in_fd, out_fd)) {}

StdioTransport::~StdioTransport() {
  *impl_->alive = false;
  {
    std::lock_guard lock(impl_->mu);
    impl_->closing = true;
  }
  impl_->cv.notify_one();
  if (impl_->writer.joinable()) impl_->writer.join();
  // The reader may be blocked in read(2) on a stdin that never closes; it holds only a weak
  // reference and the alive flag, so it is safe to leave it behind at process exit.
  if (impl_->reader.joinable()) impl_->reader.detach();
}

Task<void> StdioTransport::run() {
  auto impl = impl_;
  impl->writer = std::thread([impl] { impl->writer_loop(); });
  impl->reader = std::thread([impl] { impl->reader_loop(); });
  co_await impl->done.async_wait(use_tuple);
  {
    std::lock_guard lock(impl->mu);
    impl->closing = true;
  }
  impl->cv.notify_one();
  impl->writer.join();  // everything queued is written before run() returns
}

void StdioTransport::stop() {
  impl_->session.cancel_all("shutdown");
  impl_->finish();
}

}  // namespace mcpk::transport
