// mcpk-bench: latency of k8s_get_resource / k8s_list_resources over stdio, next to a raw HTTPS GET
// of the same object through kube::Client (the server's own client stack); RSS idle and after
// N calls; cold start to the first tools/list answer.
//
//   mcpk-bench --server build/src/app/mcp-kubernetes --kubeconfig KC [--calls 1000] [--warmup 50]
//              [--server-arg --metrics-addr=127.0.0.1:0] [--server-env TRACING_EXPORTER=otlp] ...
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>
#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "kube/client.hpp"
#include "kube/kubeconfig.hpp"

extern char** environ;

namespace {

using Clock = std::chrono::steady_clock;
using mcpk::Task;
namespace net = mcpk::net;

struct Stats {
  double p50, p99, mean;
};

Stats stats(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  double sum = 0;
  for (double x : v) sum += x;
  auto at = [&](double q) { return v[std::min(v.size() - 1, static_cast<std::size_t>(q * v.size()))]; };
  return {at(0.50), at(0.99), sum / v.size()};
}

long rss_kb(pid_t pid) {
  std::ifstream f(fmt::format("/proc/{}/status", pid));
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

// CPU time (user + system) the process has used, in microseconds (all its threads).
double cpu_us(pid_t pid) {
  std::ifstream f(fmt::format("/proc/{}/stat", pid));
  std::string stat((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  std::istringstream rest(stat.substr(stat.rfind(')') + 2));  // after "pid (comm) "
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14 || i == 15) ticks += std::stod(field);  // utime, stime
  }
  return ticks * 1e6 / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// The server as a child process speaking newline-delimited JSON-RPC.
struct Server {
  pid_t pid = -1;
  int in = -1, out = -1;
  std::string buffer;

  Server(const std::string& bin, const std::string& kubeconfig, const std::vector<std::string>& extra_args,
         std::vector<std::string> extra_env) {
    int to_child[2], from_child[2];
    if (pipe(to_child) != 0 || pipe(from_child) != 0) throw std::runtime_error("pipe");
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, to_child[0], 0);
    posix_spawn_file_actions_adddup2(&fa, from_child[1], 1);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addclose(&fa, to_child[1]);
    posix_spawn_file_actions_addclose(&fa, from_child[0]);
    extra_env.push_back("KUBECONFIG=" + kubeconfig);
    std::vector<char*> env;
    for (auto& e : extra_env) env.push_back(e.data());
    env.push_back(nullptr);
    std::vector<std::string> args{bin, "serve", "--qps-limit=1000000", "--burst-limit=1000000"};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (posix_spawn(&pid, bin.c_str(), &fa, nullptr, argv.data(), env.data()) != 0) throw std::runtime_error("spawn");
    posix_spawn_file_actions_destroy(&fa);
    close(to_child[0]);
    close(from_child[1]);
    in = to_child[1];
    out = from_child[0];
  }
  ~Server() {
    if (in >= 0) close(in);
    if (pid > 0) waitpid(pid, nullptr, 0);
  }
  void send(const std::string& line) {
    std::string l = line + "\n";
    for (std::size_t off = 0; off < l.size();) {
      auto n = write(in, l.data() + off, l.size() - off);
      if (n <= 0) throw std::runtime_error("write");
      off += static_cast<std::size_t>(n);
    }
  }
  std::string recv() {
    for (;;) {
      if (auto nl = buffer.find('\n'); nl != std::string::npos) {
        auto line = buffer.substr(0, nl);
        buffer.erase(0, nl + 1);
        return line;
      }
      char chunk[65536];
      auto n = read(out, chunk, sizeof chunk);
      if (n <= 0) throw std::runtime_error("server closed stdout");
      buffer.append(chunk, static_cast<std::size_t>(n));
    }
  }
  std::string call(const std::string& line) {
    send(line);
    return recv();
  }
};

const char* kInit =
    R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}})";

std::vector<double> time_calls(Server& s, const std::string& request, int n) {
  std::vector<double> out;
  for (int i = 0; i < n; ++i) {
    auto t0 = Clock::now();
    auto r = s.call(request);
    out.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
    if (r.find("\"isError\":false") == std::string::npos) throw std::runtime_error("tool failed: " + r.substr(0, 300));
  }
  return out;
}

Task<void> raw_gets(mcpk::kube::Client& c, std::string target, int n, std::vector<double>& out) {
  for (int i = 0; i < n; ++i) {
    auto t0 = Clock::now();
    mcpk::kube::CallContext cc{Clock::now() + std::chrono::seconds(30), nullptr};
    auto r = co_await c.get_json(target, cc);
    if (!r) throw std::runtime_error(r.error().message);
    out.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string bin = "build/src/app/mcp-kubernetes", kubeconfig;
  int calls = 1000, warmup = 50;
  std::vector<std::string> server_args, server_env;  // e.g. metrics and tracing on
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    if (k == "--server-arg") server_args.emplace_back(argv[i + 1]);
    if (k == "--server-env") server_env.emplace_back(argv[i + 1]);
    if (k == "--server") bin = argv[i + 1];
    if (k == "--kubeconfig") kubeconfig = argv[i + 1];
    if (k == "--calls") calls = std::stoi(argv[i + 1]);
    if (k == "--warmup") warmup = std::stoi(argv[i + 1]);
  }
  if (kubeconfig.empty()) {
    fmt::print(stderr,
               "usage: mcpk-bench --kubeconfig FILE [--server BIN] [--calls N] [--warmup N] [--server-arg ARG]... "
               "[--server-env NAME=VALUE]...\n");
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  const std::string ns = "default", name = "kubernetes";  // the Service every cluster has
  const std::string target = "/api/v1/namespaces/default/services/kubernetes";

  // Cold start: spawn → initialize → first tools/list answered.
  auto t0 = Clock::now();
  Server s(bin, kubeconfig, server_args, server_env);
  s.call(kInit);
  s.send(R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
  s.call(R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})");
  const double cold_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  usleep(200'000);
  const long idle_kb = rss_kb(s.pid);

  // The raw API round trip through the same client stack (kube::Client, pooled TLS), and the
  // tool calls, interleaved one by one so that both see the same API server conditions.
  auto kc = mcpk::kube::load_kubeconfig(mcpk::kube::default_loading_rules(kubeconfig));
  auto cfg = mcpk::kube::rest_config_for(*kc, "");
  net::io_context io(1);
  auto client = mcpk::kube::Client::create(io.get_executor(), *cfg, {.qps = 1e9, .burst = 1 << 30});
  auto raw_one = [&](std::vector<double>& out) {
    io.restart();
    net::co_spawn(io, raw_gets(**client, target, 1, out), net::detached);
    io.run();
  };
  const std::string get = fmt::format(
      R"({{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{{"name":"k8s_get_resource","arguments":{{"resourceType":"services","name":"{}","namespace":"{}","output":"full"}}}}}})",
      name, ns);
  const std::string list =
      R"({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"k8s_list_resources","arguments":{"resourceType":"services","namespace":"default","output":"full"}}})";
  std::vector<double> warm, raw, get_us, list_us;
  for (int i = 0; i < warmup; ++i) {
    raw_one(warm);
    time_calls(s, get, 1);
  }
  const double cpu_before = cpu_us(s.pid);
  for (int i = 0; i < calls; ++i) {
    raw_one(raw);
    auto g1 = time_calls(s, get, 1);
    get_us.push_back(g1[0]);
    auto l1 = time_calls(s, list, 1);
    list_us.push_back(l1[0]);
  }
  const long after_kb = rss_kb(s.pid);
  usleep(200'000);  // work that follows the calls (a tracing export) counts too
  const double server_cpu = (cpu_us(s.pid) - cpu_before) / (2.0 * calls);

  auto r = stats(raw), g = stats(get_us), l = stats(list_us);
  fmt::print("calls per series: {} (after {} warm-up), raw and tool calls interleaved\n", calls, warmup);
  fmt::print("raw GET (kube::Client)       p50 {:7.0f} us  p99 {:7.0f} us  mean {:7.0f} us\n", r.p50, r.p99, r.mean);
  fmt::print("k8s_get_resource over stdio  p50 {:7.0f} us  p99 {:7.0f} us  mean {:7.0f} us   ratio p50 {:.2f}\n", g.p50,
             g.p99, g.mean, g.p50 / r.p50);
  fmt::print("k8s_list_resources (stdio)   p50 {:7.0f} us  p99 {:7.0f} us  mean {:7.0f} us\n", l.p50, l.p99, l.mean);
  fmt::print("server CPU per tool call: {:.0f} us (all threads)\n", server_cpu);
  fmt::print("cold start to first tools/list: {:.1f} ms\n", cold_ms);
  fmt::print("RSS idle: {:.1f} MB, after {} calls: {:.1f} MB\n", idle_kb / 1024.0, 2 * calls + warmup,
             after_kb / 1024.0);
  return 0;
}
