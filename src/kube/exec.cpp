#include "kube/exec.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <charconv>

#include "core/json.hpp"

namespace mcpk::kube {
namespace {

constexpr char kStdin = 0, kStdout = 1, kStderr = 2, kError = 3, kClose = static_cast<char>(255);

int parse_int(std::string_view s) {
  int v = -1;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

}  // namespace

int exit_code_from_status(std::string_view status_json, std::string& failure) {
  auto v = parse_json(status_json);
  if (!v || !v->is_object()) {
    failure = std::string(status_json);
    return -1;
  }
  const auto& o = v->as_object();
  if (string_or(o, "status") == "Success") return 0;
  if (const auto* causes = find_path(*v, {"details", "causes"}); causes && causes->is_array()) {
    for (const auto& c : causes->get_array()) {
      if (c.is_object() && string_or(c.get_object(), "reason") == "ExitCode") {
        return parse_int(string_or(c.get_object(), "message"));
      }
    }
  }
  // Some kubelets (kwok's, for one) wrap the runtime's "exit status N" in a generic failure:
  // the exit code is still the command's, so take it from there.
  const std::string message(string_or(o, "message"));
  for (std::string_view marker : {"exit status ", "exit code "}) {
    if (auto pos = message.rfind(marker); pos != std::string::npos) {
      std::string_view rest = std::string_view(message).substr(pos + marker.size());
      int code = -1;
      auto [p, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), code);
      if (ec == std::errc{} && p != rest.data()) return code;
    }
  }
  failure = message.empty() ? std::string(status_json) : message;
  return -1;
}

std::vector<std::string> stoppable_command(const std::vector<std::string>& command, long long seconds) {
  // - fd 3 keeps the exec's stdin for the command (an asynchronous command would otherwise read
  //   /dev/null).
  // - setsid makes the command a process group of its own, so the whole tree it starts is
  //   signalled; without setsid, `exec` still runs the program itself, never a shell builtin.
  // - The watchdog sleeps, then writes kStoppedMarker on stderr, sends SIGTERM to the command's
  //   group and, 2 s later, SIGKILL. When the command ends first, the outer shell kills the
  //   watchdog with SIGKILL, its sleep included: with setsid the watchdog is a process group of
  //   its own, killed whole; without it, the watchdog's sleep writes nowhere, so an orphaned
  //   sleep never holds the stream open. Nothing relies on a trap interrupting `wait`: a shell
  //   that receives a signal just before it blocks in wait runs the trap only after the wait
  //   (dash does), which once left the watchdog alive and the stream open until it fired.
  // - The outer shell first names its own pid on stderr (kWatchdogPrefix): SIGTERM to it, from a
  //   second exec when the call is cancelled, is passed on to the command.
  std::string script = fmt::format(
      "printf '%s%s]\\n' '{0}' \"$$\" >&2\n"
      "exec 3<&0\n"
      "if command -v setsid >/dev/null 2>&1; then\n"
      " setsid \"$@\" <&3 3<&- & p=$!\n"
      " setsid sh -c 'sleep \"$1\"; printf %s \"$2\" >&2; kill -TERM -\"$3\" 2>/dev/null; sleep 2;"
      " kill -KILL -\"$3\" 2>/dev/null' sh {1} '{2}' $p </dev/null >/dev/null & w=$!\n"
      " stop() {{ kill -KILL -$w 2>/dev/null || kill -KILL $w 2>/dev/null; }}\n"
      " term() {{ kill -TERM -$p 2>/dev/null; }}\n"
      "else\n"
      " exec \"$@\" <&3 3<&- & p=$!\n"
      " (sleep {1} >/dev/null 2>&1; printf %s '{2}' >&2; kill -TERM $p 2>/dev/null; sleep 2 >/dev/null 2>&1;"
      " kill -KILL $p 2>/dev/null) </dev/null >/dev/null & w=$!\n"
      " stop() {{ kill -KILL $w 2>/dev/null; }}\n"
      " term() {{ kill -TERM $p 2>/dev/null; }}\n"
      "fi\n"
      "exec 3<&-\n"
      "trap term TERM\n"
      "wait $p 2>/dev/null; r=$?\n"
      "stop\n"
      "exit $r\n",
      kWatchdogPrefix, seconds, kStoppedMarker);
  std::vector<std::string> out{"sh", "-c", std::move(script), "sh"};
  out.insert(out.end(), command.begin(), command.end());
  return out;
}

std::optional<long> take_watchdog_pid(std::string& err) {
  if (!err.starts_with(kWatchdogPrefix)) return std::nullopt;
  const auto end = err.find("]\n", kWatchdogPrefix.size());
  if (end == std::string::npos) return std::nullopt;
  long pid = 0;
  const char* first = err.data() + kWatchdogPrefix.size();
  auto [ptr, ec] = std::from_chars(first, err.data() + end, pid);
  if (ec != std::errc{} || ptr != err.data() + end || pid <= 1) return std::nullopt;
  err.erase(0, end + 2);
  return pid;
}

bool missing_shell(std::string_view failure) {
  // runc/crun: `exec: "sh": executable file not found in $PATH`, `exec: "sh": stat sh: no such file`
  return failure.find("exec: \"sh\"") != std::string_view::npos ||
         failure.find("\"sh\": executable file not found") != std::string_view::npos;
}

namespace {

/// One exec round trip; `backstop` closes the stream if the command has not ended by then.
Task<Result<ExecResult>> run_once(Client& client, const ExecRequest& rq, const std::vector<std::string>& command,
                                  std::chrono::milliseconds backstop, const CallContext& cc, bool wrapped);

// The call was cancelled while the watchdog ran: a second exec sends it SIGTERM, which it
// passes on to the command's process group (the exec protocol cannot signal the first one).
Task<void> stop_watchdog(Client& client, ExecRequest rq, long pid) {
  const std::vector<std::string> command{"sh", "-c", fmt::format("kill -TERM {}", pid)};
  rq.stdin_data.reset();
  const CallContext cc{.deadline = Clock::now() + std::chrono::seconds(10), .cancel = nullptr};
  auto r = co_await run_once(client, rq, command, std::chrono::seconds(10), cc, false);
  if (!r || r->exit_code != 0) {
    spdlog::warn("exec in {}/{}: could not stop the cancelled command (watchdog pid {}): {}", rq.ns, rq.pod, pid,
                 r ? r->err + r->failure : r.error().message);
  }
}

Task<Result<ExecResult>> run_once(Client& client, const ExecRequest& rq, const std::vector<std::string>& command,
                                  std::chrono::milliseconds backstop, const CallContext& cc, bool wrapped) {
  std::vector<std::pair<std::string, std::string>> q;
  for (const auto& c : command) q.emplace_back("command", c);
  q.emplace_back("container", rq.container);
  q.emplace_back("stdin", rq.stdin_data ? "true" : "");
  q.emplace_back("stdout", "true");
  q.emplace_back("stderr", "true");
  static const auto pods = known_resource("", "v1", "pods", "Pod", true);
  const std::string target = resource_path(pods, rq.ns, rq.pod, "exec") + query_string(q);
  const std::vector<std::string> protocols{"v5.channel.k8s.io", "v4.channel.k8s.io"};
  const auto started = Clock::now();
  auto since = [&started] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();
  };
  auto ws = co_await client.transport().websocket(target, protocols, cc);
  if (!ws) co_return std::unexpected(ws.error());
  spdlog::debug("exec {}/{}: stream open ({}) after {} ms{}", rq.ns, rq.pod, (*ws)->protocol(), since(),
                cc.scope.trace.log_suffix());
  std::shared_ptr<WebSocket> shared_socket(std::move(*ws));
  auto& socket = *shared_socket;
  ExecResult out;
  out.protocol = socket.protocol();

  // The command's own timeout (and the call's cancellation) close the stream. The handler may
  // run after this coroutine has ended (a race with the end of the stream): it holds only
  // weak/shared state of its own.
  net::steady_timer timer(co_await net::this_coro::executor, backstop);
  auto timed_out_flag = std::make_shared<bool>(false);
  timer.async_wait([weak = std::weak_ptr<WebSocket>(shared_socket), timed_out_flag](boost::system::error_code ec) {
    if (ec) return;
    *timed_out_flag = true;
    if (auto s = weak.lock()) s->abort();
  });
  auto reg = CancelToken::on_cancel(cc.cancel, [&socket] { socket.abort(); });

  if (rq.stdin_data) {
    std::string frame(1, kStdin);
    frame += *rq.stdin_data;
    if (auto w = co_await socket.write(std::move(frame)); !w) co_return std::unexpected(w.error());
    if (out.protocol == "v5.channel.k8s.io") {
      std::string close_frame{kClose, kStdin};  // v5: end of stdin
      if (auto w = co_await socket.write(std::move(close_frame)); !w) co_return std::unexpected(w.error());
    }
  }
  bool got_status = false;
  for (;;) {
    auto msg = co_await socket.read();
    if (!msg || !*msg) {  // error (abort, lost) or normal close
      spdlog::debug("exec {}/{}: stream ended without a status after {} ms: {}{}", rq.ns, rq.pod, since(),
                    msg ? "closed" : msg.error().message, cc.scope.trace.log_suffix());
      break;
    }
    const std::string& m = **msg;
    if (m.empty()) continue;
    const char channel = m[0];
    std::string_view data = std::string_view(m).substr(1);
    if (channel == kStdout || channel == kStderr) {
      auto& sink = channel == kStdout ? out.out : out.err;
      const auto room = rq.max_output > sink.size() ? rq.max_output - sink.size() : 0;
      if (data.size() > room) out.truncated = true;
      sink.append(data.substr(0, room));
    } else if (channel == kError) {
      // The status is the protocol's last message: the server has sent all output before it.
      out.exit_code = exit_code_from_status(data, out.failure);
      got_status = true;
      spdlog::debug("exec {}/{}: status after {} ms{}", rq.ns, rq.pod, since(), cc.scope.trace.log_suffix());
      break;
    }
  }
  timer.cancel();
  // Drop the connection now, as client-go does, rather than wait for a close handshake that
  // nothing would bound.
  socket.abort();
  const bool timed_out = *timed_out_flag;
  out.timed_out = timed_out;
  const auto watchdog = wrapped ? take_watchdog_pid(out.err) : std::nullopt;
  if (cc.cancel && cc.cancel->cancelled() && !timed_out && !got_status) {
    if (watchdog) net::co_spawn(co_await net::this_coro::executor, stop_watchdog(client, rq, *watchdog), net::detached);
    co_return fail(Errc::cancelled, cc.cancel->reason());
  }
  if (!got_status && !timed_out) out.failure = "the exec stream ended without a status";
  co_return out;
}

}  // namespace

Task<Result<ExecResult>> exec(Client& client, ExecRequest rq, const CallContext& cc) {
  if (!rq.stop_on_timeout) co_return co_await run_once(client, rq, rq.command, rq.timeout, cc, false);
  // The watchdog stops the command at the timeout; the stream then ends on its own. The
  // client-side backstop, a little later, covers a command whose children keep the stream open.
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(rq.timeout + std::chrono::milliseconds(999));
  const auto wrapped = stoppable_command(rq.command, seconds.count());
  const auto started = std::chrono::steady_clock::now();
  const auto backstop = rq.timeout + std::chrono::seconds(4);
  auto r = co_await run_once(client, rq, wrapped, backstop, cc, true);
  if (!r) co_return r;
  if (!r->failure.empty() && missing_shell(r->failure)) {
    // The watchdog never ran, so neither did the command: run it as given.
    co_return co_await run_once(client, rq, rq.command, rq.timeout, cc, false);
  }
  r->stoppable = true;
  // The watchdog writes the marker before it signals the command, which may write more.
  if (const auto at = r->err.find(kStoppedMarker); at != std::string::npos) {
    r->err.erase(at, kStoppedMarker.size());
    r->timed_out = true;
  } else if (r->truncated && std::chrono::steady_clock::now() - started >= rq.timeout) {
    r->timed_out = true;  // stderr was cut before the marker
  }
  co_return r;
}

}  // namespace mcpk::kube
