/// @file
/// @brief What the Redis store tests use: a real redis-server in a temporary directory, fake
/// servers that never answer or answer garbage, and a self-signed certificate for TLS.
/// Included by *_test.cpp only.
#pragma once

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>
#include <fmt/format.h>
#include <array>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "core/async.hpp"
#include "core/tls_test_support.hpp"

namespace mcpk::auth {
namespace {

using tcp = net::ip::tcp;
constexpr const char* kRedisServer = "/usr/bin/redis-server";
constexpr const char* kPassword = "t0ken-st0re-pw";
const char* const kNotInstalled = "redis-server is not installed (/usr/bin/redis-server; apt-get install redis-server)";

bool redis_installed() { return ::access(kRedisServer, X_OK) == 0; }

unsigned short free_port() {
  net::io_context io;
  tcp::acceptor a(io, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
  return a.local_endpoint().port();
}

bool contains(std::string_view haystack, std::string_view needle) { return haystack.find(needle) != haystack.npos; }

// A real redis-server on a loopback port, in a temporary directory, without persistence.
class RedisServer {
 public:
  RedisServer() : port_(free_port()) {
    // mkdtemp replaces the trailing XXXXXX with a unique name.
    std::string tmpl = (std::filesystem::temp_directory_path() / "mcpk-redis-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("cannot create a directory for redis-server: " + tmpl);
    dir_ = tmpl;
  }
  ~RedisServer() {
    stop(SIGTERM);
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  unsigned short port() const { return port_; }
  std::string address() const { return fmt::format("127.0.0.1:{}", port_); }
  const std::string& dir() const { return dir_; }
  void use_tls(std::string cert, std::string key) {
    cert_ = std::move(cert);
    key_ = std::move(key);
  }

  // Starts it and waits until it accepts connections: empty, or what went wrong.
  std::string start() {
    std::vector<std::string> args = {kRedisServer,   "--bind",    "127.0.0.1",         "--save",      "",
                                     "--appendonly", "no",        "--requirepass",     kPassword,     "--dir",
                                     dir_,           "--logfile", dir_ + "/redis.log", "--daemonize", "no"};
    const std::string port = std::to_string(port_);
    if (cert_.empty()) {
      args.insert(args.end(), {"--port", port});
    } else {
      args.insert(args.end(), {"--port", "0", "--tls-port", port, "--tls-cert-file", cert_, "--tls-key-file", key_,
                               "--tls-ca-cert-file", cert_, "--tls-auth-clients", "no"});
    }
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_ = ::fork();
    if (pid_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlives the test binary
      const int null = ::open("/dev/null", O_RDWR);
      ::dup2(null, 0), ::dup2(null, 1), ::dup2(null, 2);
      ::execv(kRedisServer, argv.data());
      ::_exit(127);
    }
    if (pid_ < 0) return "fork failed";
    for (int i = 0; i < 200; ++i) {
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        std::ifstream log(dir_ + "/redis.log");
        return "redis-server exited at start: " + std::string(std::istreambuf_iterator<char>(log), {});
      }
      net::io_context io;
      tcp::socket probe(io);
      boost::system::error_code ec;
      probe.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port_), ec);
      if (!ec) return {};
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    return "redis-server did not listen within 5 s";
  }
  void kill() { stop(SIGKILL); }

 private:
  void stop(int sig) {
    if (pid_ <= 0) return;
    ::kill(pid_, sig);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  unsigned short port_;
  std::string dir_, cert_, key_;
  pid_t pid_ = -1;
};

// A server on loopback that reads every request and answers it with `answer`, or never
// answers when that is empty.
class FakeRedis {
 public:
  FakeRedis(net::io_context& io, std::string answer)
      : acceptor_(io, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)), answer_(std::move(answer)) {
    net::co_spawn(io, accept(), net::detached);
  }
  std::string address() const { return fmt::format("127.0.0.1:{}", acceptor_.local_endpoint().port()); }
  int accepted = 0;

 private:
  Task<void> accept() {
    for (;;) {
      auto [ec, socket] = co_await acceptor_.async_accept(use_tuple);
      if (ec) co_return;
      ++accepted;
      net::co_spawn(acceptor_.get_executor(), serve(std::move(socket)), net::detached);
    }
  }
  Task<void> serve(tcp::socket socket) {
    std::array<char, 4096> buffer{};
    for (;;) {
      auto [ec, n] = co_await socket.async_read_some(net::buffer(buffer), use_tuple);
      if (ec) co_return;
      if (answer_.empty()) continue;
      auto [wec, wn] = co_await net::async_write(socket, net::buffer(answer_), use_tuple);
      if (wec) co_return;
    }
  }
  tcp::acceptor acceptor_;
  std::string answer_;
};

// A self-signed certificate for 127.0.0.1 and localhost, written to dir: {cert file, key file}.
std::pair<std::string, std::string> write_self_signed(const std::string& dir) {
  const auto [cert_pem, key_pem] = testing_tls::self_signed_pem("redis");
  const std::string cert = dir + "/cert.pem", pkey = dir + "/key.pem";
  std::ofstream(cert) << cert_pem;
  std::ofstream(pkey) << key_pem;
  return {cert, pkey};
}

}  // namespace
}  // namespace mcpk::auth
