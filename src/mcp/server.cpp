#include "mcp/server.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <charconv>
#include <stdexcept>

#include "core/base64.hpp"
#include "core/duration.hpp"
#include "core/text.hpp"
#include "mcp/schema.hpp"

namespace mcpk::mcp {
namespace {

using jsonrpc::make_error;
using jsonrpc::make_result;

constexpr std::string_view kMetaVersion = "io.modelcontextprotocol/protocolVersion";
constexpr std::string_view kMetaCapabilities = "io.modelcontextprotocol/clientCapabilities";
constexpr std::string_view kMetaLogLevel = "io.modelcontextprotocol/logLevel";
constexpr std::string_view kMetaServerInfo = "io.modelcontextprotocol/serverInfo";
constexpr std::int64_t kListTtlMs = 300'000;

bool valid_tool_name(std::string_view n) {
  return !n.empty() && n.size() <= 128 && std::ranges::all_of(n, [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
           c == '.';
  });
}

// Tool-list changes reach session-era clients as notifications/tools/list_changed; the
// stateless era delivers them only on subscriptions/listen streams, which this server does not
// offer yet, so there it declares none.
json::object capabilities(bool list_changed) {
  return json::object{{"tools", json::object{{"listChanged", list_changed}}}, {"logging", json::object{}}};
}

std::string encode_cursor(std::size_t offset) { return base64_encode(fmt::format("offset:{}", offset)); }

std::optional<std::size_t> decode_cursor(std::string_view cursor) {
  auto raw = base64_decode(cursor);
  if (!raw || !raw->starts_with("offset:")) return std::nullopt;
  std::size_t n = 0;
  auto digits = std::string_view(*raw).substr(7);
  auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (ec != std::errc{} || p != digits.data() + digits.size()) return std::nullopt;
  return n;
}

// Gives every string of `schema` (properties, items, anyOf/oneOf branches) without maxLength
// the default one.
void cap_strings(json::value& schema, std::size_t cap, int depth = 0) {
  auto* o = schema.if_object();
  if (!o || depth > 32) return;
  if (string_or(*o, "type") == "string" && !o->contains("maxLength")) (*o)["maxLength"] = cap;
  if (auto* props = o->if_contains("properties"); props && props->is_object()) {
    for (auto& kv : props->get_object()) cap_strings(kv.value(), cap, depth + 1);
  }
  if (auto* items = o->if_contains("items")) cap_strings(*items, cap, depth + 1);
  for (const char* k : {"anyOf", "oneOf", "allOf"}) {
    if (auto* branches = o->if_contains(k); branches && branches->is_array()) {
      for (auto& b : branches->get_array()) cap_strings(b, cap, depth + 1);
    }
  }
}

json::object tool_result_json(ToolResult r) {
  json::object out{{"content", std::move(r.content)}};
  if (r.structured) out["structuredContent"] = std::move(*r.structured);
  out["isError"] = r.is_error;
  return out;
}

}  // namespace

// --- Server ----------------------------------------------------------------------------------

Server::Server(ServerInfo info, ServerOptions options) : info_(std::move(info)), options_(std::move(options)) {}

void Server::add_tool(ToolSpec spec) {
  if (!valid_tool_name(spec.name)) throw std::invalid_argument("invalid tool name: " + spec.name);
  if (std::ranges::any_of(tools_, [&](const auto& t) { return t->name == spec.name; })) {
    throw std::invalid_argument("duplicate tool: " + spec.name);
  }
  if (!spec.handler) throw std::invalid_argument("tool without handler: " + spec.name);
  if (auto ok = check_schema(spec.input_schema); !ok) {
    throw std::invalid_argument(fmt::format("tool {}: input schema: {}", spec.name, ok.error().message));
  }
  if (spec.output_schema && string_or(*spec.output_schema, "type") != "object") {
    throw std::invalid_argument("tool " + spec.name + ": output schema must be an object schema");
  }
  if (options_.default_max_length > 0) {
    json::value s = std::move(spec.input_schema);
    cap_strings(s, options_.default_max_length);
    spec.input_schema = std::move(s.as_object());
  }
  tools_.push_back(std::make_unique<ToolSpec>(std::move(spec)));
  const ToolSpec& added = *tools_.back();
  chains_.emplace(&added, chain(added, added.handler));
  visible_ready_ = false;
}

const std::vector<const ToolSpec*>& Server::visible_tools() const {
  if (!visible_ready_) {
    visible_.clear();
    for (const auto& t : tools_) {
      if (!options_.visible || options_.visible(*t)) visible_.push_back(t.get());
    }
    visible_ready_ = true;
  }
  return visible_;
}

const ToolSpec* Server::find_tool(std::string_view name) const {
  for (const auto* t : visible_tools()) {
    if (t->name == name) return t;
  }
  return nullptr;
}

const ToolSpec* Server::find_registered(std::string_view name) const {
  for (const auto& t : tools_) {
    if (t->name == name) return t.get();
  }
  return nullptr;
}

ToolHandler Server::chain(const ToolSpec& tool, ToolHandler handler) const {
  for (auto it = options_.middleware.rbegin(); it != options_.middleware.rend(); ++it) {
    handler = [&mw = *it, &tool, inner = std::move(handler)](ToolContext& c) -> Task<ToolResult> {
      co_return co_await mw(c, tool, inner);
    };
  }
  return handler;
}

Task<ToolResult> Server::run(ToolContext& ctx, const ToolSpec& tool, const ToolHandler& handler) const {
  // A registered tool's own handler runs through the chain built once at registration.
  if (&handler == &tool.handler) {
    if (auto it = chains_.find(&tool); it != chains_.end()) co_return co_await it->second(ctx);
  }
  const ToolHandler chained = chain(tool, handler);
  co_return co_await chained(ctx);
}

bool Server::refresh_tools() {
  const auto before = visible_tools();
  visible_ready_ = false;
  if (visible_tools() == before) return false;
  auto listeners = listeners_;  // a listener may unsubscribe while we call it
  for (auto& [id, fn] : listeners) fn();
  return true;
}

std::shared_ptr<void> Server::on_tools_changed(Listener fn) {
  const auto id = next_listener_++;
  listeners_.emplace(id, std::move(fn));
  return std::shared_ptr<void>(nullptr, [this, id](void*) { listeners_.erase(id); });
}

json::object Server::describe(const ToolSpec& t) const {
  json::object o{{"name", t.name}, {"title", t.title}, {"description", t.description}, {"inputSchema", t.input_schema}};
  if (t.output_schema) o["outputSchema"] = *t.output_schema;
  o["annotations"] = json::object{{"title", t.title},
                                  {"readOnlyHint", t.annotations.read_only},
                                  {"destructiveHint", t.annotations.destructive},
                                  {"idempotentHint", t.annotations.idempotent},
                                  {"openWorldHint", t.annotations.open_world}};
  return o;
}

// --- Session ---------------------------------------------------------------------------------

Session::Session(Server& server) : server_(server) {
  tools_subscription_ = server_.on_tools_changed([this] {
    // Only to a client that finished initialize (session era); the stateless era has no stream.
    if (notifier_ && initialized()) {
      notifier_(json::object{{"jsonrpc", "2.0"}, {"method", "notifications/tools/list_changed"}});
    }
  });
}

Session::~Session() { cancel_all("session closed"); }

void Session::cancel_all(std::string_view reason) {
  auto calls = in_flight_;  // cancel() may re-enter and erase
  for (auto& [key, token] : calls) token->cancel(std::string(reason));
}

Task<std::optional<json::object>> Session::handle_text(std::string_view text, Send related, RequestScope scope) {
  auto message = jsonrpc::parse_message(text);
  if (!message) co_return make_error(message.error().id, message.error().code, message.error().message);
  co_return co_await handle(std::move(*message), std::move(related), std::move(scope));
}

Task<std::optional<json::object>> Session::handle(jsonrpc::Message message, Send related, RequestScope scope) {
  if (auto* req = std::get_if<jsonrpc::Request>(&message)) {
    const auto& middleware = server_.options().request_middleware;
    if (!middleware) co_return co_await dispatch(std::move(*req), std::move(related), std::move(scope));
    const RequestInfo info = describe(*req);
    // Named, not a temporary of the co_await below (the g++ 12 trap of core/async.hpp).
    const RequestNext next = [this, req, &related](RequestScope inner) -> Task<std::optional<json::object>> {
      co_return co_await dispatch(std::move(*req), std::move(related), std::move(inner));
    };
    co_return co_await middleware(info, std::move(scope), next);
  }
  if (auto* n = std::get_if<jsonrpc::Notification>(&message)) on_notification(*n);
  co_return std::nullopt;  // responses: we send no requests, so there is nothing to match
}

RequestInfo Session::describe(const jsonrpc::Request& req) const {
  RequestInfo info{.method = req.method, .id = req.id};
  if (req.method == "tools/call") info.target = clip(string_or(req.params, "name"), 128);
  const auto* meta = find_object(req.params, "_meta");
  if (const auto* v = meta ? find(*meta, kMetaVersion) : nullptr; v && v->is_string()) {
    info.protocol_version = clip(v->get_string(), 32);
  } else if (req.method == "initialize") {
    info.protocol_version = clip(string_or(req.params, "protocolVersion"), 32);
  } else {
    info.protocol_version = legacy_version_;
  }
  if (meta) {
    info.traceparent = clip(string_or(*meta, "traceparent"), 64);
    info.tracestate = clip(string_or(*meta, "tracestate"), 512);
  }
  return info;
}

void Session::on_notification(const jsonrpc::Notification& n) {
  if (n.method == "notifications/cancelled") {
    if (const auto* id = find(n.params, "requestId"); id && jsonrpc::valid_id(*id)) {
      if (auto it = in_flight_.find(jsonrpc::id_key(*id)); it != in_flight_.end()) {
        it->second->cancel("cancelled by client");
      }
    }
  }
  // notifications/initialized and others need no action; unknown notifications are ignored.
}

json::object Session::finish(json::object result, bool modern) const {
  if (modern) {
    result["resultType"] = "complete";
    auto& meta = result["_meta"].emplace_object();
    meta[kMetaServerInfo] = json::object{{"name", server_.info().name}, {"version", server_.info().version}};
  }
  return result;
}

Task<std::optional<json::object>> Session::dispatch(jsonrpc::Request req, Send related, RequestScope scope) {
  const auto& id = req.id;
  const auto* meta = find_object(req.params, "_meta");
  const auto* version = meta ? find(*meta, kMetaVersion) : nullptr;

  if (version) {  // the stateless 2026-07-28 era: everything comes with the request
    if (!version->is_string()) {
      co_return make_error(id, jsonrpc::kInvalidParams, fmt::format("_meta \"{}\" must be a string", kMetaVersion));
    }
    if (version->get_string() != kModernVersion) {
      co_return make_error(id, jsonrpc::kUnsupportedProtocolVersion,
                           fmt::format("Unsupported protocol version: {}", std::string_view(version->get_string())),
                           json::object{{"supported", json::array{kModernVersion}}, {"requested", *version}});
    }
    if (!find_object(*meta, kMetaCapabilities)) {
      co_return make_error(id, jsonrpc::kInvalidParams,
                           fmt::format("_meta \"{}\" (an object) is required", kMetaCapabilities));
    }
    std::optional<LogLevel> level;
    if (const auto* lv = find(*meta, kMetaLogLevel)) {
      level = lv->is_string() ? parse_log_level(lv->get_string()) : std::nullopt;
      if (!level) {
        co_return make_error(
            id, jsonrpc::kInvalidParams,
            "invalid _meta log level (debug, info, notice, warning, error, critical, alert, emergency)");
      }
    }
    auto entry = methods().find(req.method);
    if (entry == methods().end() || !entry->second.stateless_era) {
      co_return make_error(id, jsonrpc::kMethodNotFound,
                           fmt::format("Method not found: {} (protocol {})", req.method, kModernVersion));
    }
    MethodCall call{std::move(req), std::move(related), std::move(scope), true, level};
    co_return co_await entry->second.run(*this, call);
  }

  // The session era.
  auto entry = methods().find(req.method);
  if (entry == methods().end() || !entry->second.session_era) {
    co_return make_error(id, jsonrpc::kMethodNotFound, fmt::format("Method not found: {}", req.method));
  }
  if (!entry->second.before_initialize && !initialized()) {
    co_return make_error(id, jsonrpc::kInvalidRequest,
                         fmt::format("{} before initialize: send initialize first, or put the protocol version "
                                     "{} and client capabilities in _meta",
                                     req.method, kModernVersion));
  }
  MethodCall call{std::move(req), std::move(related), std::move(scope), false, legacy_log_level_};
  co_return co_await entry->second.run(*this, call);
}

const std::map<std::string, Session::Method, std::less<>>& Session::methods() {
  using Reply = Task<std::optional<json::object>>;
  static const std::map<std::string, Method, std::less<>> table{
      {"initialize",
       {.session_era = true,
        .stateless_era = false,
        .before_initialize = true,
        .run = [](Session& s, MethodCall& c) -> Reply {
          co_return make_result(c.request.id, s.initialize(c.request));
        }}},
      {"ping",
       {.session_era = true,
        .stateless_era = false,
        .before_initialize = true,
        .run = [](Session&, MethodCall& c) -> Reply { co_return make_result(c.request.id, json::object{}); }}},
      {"server/discover",
       {.session_era = true,
        .stateless_era = true,
        .before_initialize = true,
        .run = [](Session& s, MethodCall& c) -> Reply {
          co_return make_result(c.request.id, c.modern ? s.finish(s.discover(true), true) : s.discover(false));
        }}},
      {"logging/setLevel",
       {.session_era = true,
        .stateless_era = false,
        .before_initialize = false,
        .run = [](Session& s, MethodCall& c) -> Reply {
          const auto* lv = find_string(c.request.params, "level");
          auto level = lv ? parse_log_level(*lv) : std::nullopt;
          if (!level) {
            co_return make_error(c.request.id, jsonrpc::kInvalidParams,
                                 "level must be one of: debug, info, notice, warning, error, critical, alert, "
                                 "emergency");
          }
          s.legacy_log_level_ = level;
          co_return make_result(c.request.id, json::object{});
        }}},
      {"tools/list",
       {.session_era = true,
        .stateless_era = true,
        .before_initialize = false,
        .run = [](Session& s, MethodCall& c) -> Reply { co_return s.list_tools(c.request, c.modern); }}},
      {"tools/call",
       {.session_era = true,
        .stateless_era = true,
        .before_initialize = false,
        .run = [](Session& s, MethodCall& c) -> Reply {
          co_return co_await s.call_tool(std::move(c.request), std::move(c.related), std::move(c.scope), c.modern,
                                         c.level);
        }}},
  };
  return table;
}

json::object Session::initialize(const jsonrpc::Request& req) {
  const auto requested = string_or(req.params, "protocolVersion");
  legacy_version_ = std::string(kLegacyVersions[0]);
  for (auto v : kLegacyVersions) {
    if (v == requested) legacy_version_ = std::string(v);
  }
  json::object result{{"protocolVersion", legacy_version_},
                      {"capabilities", capabilities(true)},
                      {"serverInfo", json::object{{"name", server_.info().name},
                                                  {"title", server_.info().title},
                                                  {"version", server_.info().version}}}};
  if (!server_.info().instructions.empty()) result["instructions"] = server_.info().instructions;
  return result;
}

json::object Session::discover(bool modern) const {
  json::object result{{"supportedVersions", json::array{kModernVersion}},
                      {"capabilities", capabilities(false)},
                      {"ttlMs", kListTtlMs},
                      {"cacheScope", "public"}};
  if (!server_.info().instructions.empty()) result["instructions"] = server_.info().instructions;
  if (!modern) {
    result["serverInfo"] = json::object{{"name", server_.info().name}, {"version", server_.info().version}};
  }
  return result;
}

std::optional<json::object> Session::list_tools(const jsonrpc::Request& req, bool modern) const {
  const auto& tools = server_.visible_tools();
  std::size_t offset = 0;
  if (const auto* c = find(req.params, "cursor"); c && !c->is_null()) {
    auto decoded = c->is_string() ? decode_cursor(c->get_string()) : std::nullopt;
    if (!decoded || *decoded > tools.size()) {
      return make_error(req.id, jsonrpc::kInvalidParams,
                        "invalid cursor: pass the nextCursor of a previous tools/list");
    }
    offset = *decoded;
  }
  const std::size_t end = std::min(tools.size(), offset + server_.options().page_size);
  json::array list;
  for (std::size_t i = offset; i < end; ++i) list.push_back(server_.describe(*tools[i]));
  json::object result{{"tools", std::move(list)}};
  if (end < tools.size()) result["nextCursor"] = encode_cursor(end);
  if (modern) {
    result["ttlMs"] = kListTtlMs;
    result["cacheScope"] = "public";
  }
  return make_result(req.id, finish(std::move(result), modern));
}

Task<std::optional<json::object>> Session::call_tool(jsonrpc::Request req, Send related, RequestScope scope,
                                                     bool modern, std::optional<LogLevel> level) {
  const auto* name = find_string(req.params, "name");
  if (!name) co_return make_error(req.id, jsonrpc::kInvalidParams, "tools/call needs \"name\" (a string)");
  const ToolSpec* tool = server_.find_tool(*name);
  const ToolSpec* hidden = tool ? nullptr : server_.find_registered(*name);
  if (hidden && !server_.options().middleware.empty()) {
    // A tool the server does not offer (its policy hides it) is refused by the middleware,
    // whose message names the reason (e.g. the flag), rather than reported as unknown.
    ToolContext ctx(json::object{}, state_, scope, related, nullptr, std::nullopt, std::chrono::steady_clock::now(),
                    CancelToken::make());
    const ToolHandler refuse = [](ToolContext&) -> Task<ToolResult> {
      co_return ToolResult::error("this tool is not offered by the server");
    };
    auto refused = co_await server_.run(ctx, *hidden, refuse);
    refused.is_error = true;
    co_return make_result(req.id, finish(tool_result_json(std::move(refused)), modern));
  }
  if (!tool) {
    co_return make_error(req.id, jsonrpc::kInvalidParams,
                         fmt::format("Unknown tool: {} (tools/list shows the available tools)", clip(*name)));
  }
  json::object args;
  if (const auto* a = find(req.params, "arguments"); a && !a->is_null()) {
    if (!a->is_object()) co_return make_error(req.id, jsonrpc::kInvalidParams, "\"arguments\" must be an object");
    args = a->get_object();
  }
  if (auto ok = validate_and_fill(tool->input_schema, args); !ok) {
    co_return make_result(req.id, finish(tool_result_json(ToolResult::error(fmt::format(
                                             "Invalid arguments for {}: {}", tool->name, ok.error().message))),
                                         modern));
  }
  json::value progress_token = nullptr;
  if (const auto* meta = find_object(req.params, "_meta")) {
    if (const auto* t = find(*meta, "progressToken"); t && (t->is_string() || t->is_int64() || t->is_uint64())) {
      progress_token = *t;
    }
  }

  // Two calls must never share an in-flight entry. A client reusing an id in flight gets an
  // error; the stateless HTTP session (shared by many clients, each counting from 1) keys by
  // a serial number as well, so each call stays cancellable and counted.
  auto key = jsonrpc::id_key(req.id);
  if (state_.get(kStatelessKey) == "1") key += "#" + std::to_string(++serial_);
  auto token = CancelToken::make();
  if (!in_flight_.emplace(key, token).second) {
    co_return make_error(req.id, jsonrpc::kInvalidRequest, "a request with this id is already in flight");
  }
  const auto timeout = server_.options().tool_timeout;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  net::steady_timer timer(co_await net::this_coro::executor, timeout);
  timer.async_wait([token](boost::system::error_code ec) {
    if (!ec) token->cancel("timeout");
  });

  ToolContext ctx(std::move(args), state_, std::move(scope), related, progress_token, level, deadline, token);
  ToolResult result;
  try {
    result = co_await server_.run(ctx, *tool, tool->handler);
  } catch (const std::exception& e) {
    result = ToolResult::error(fmt::format("internal error in {}: {}", tool->name, e.what()));
  }
  timer.cancel();
  in_flight_.erase(key);

  if (token->cancelled() && token->reason() == "cancelled by client") co_return std::nullopt;
  if (token->cancelled() && result.is_error) {
    // The tool's own error says where it was stopped ("stopped (timeout) while connecting to
    // ..."), when a layer below named the stage.
    std::string stage;
    if (!result.content.empty() && result.content.front().is_object()) {
      const auto text = string_or(result.content.front().get_object(), "text");
      if (const auto at = text.find("stopped (timeout) while "); at != std::string_view::npos) {
        stage = std::string(text.substr(at + 18));
      }
    }
    const auto limit = format_duration(std::chrono::duration_cast<Millis>(timeout));
    if (token->reason() != "timeout") {
      result = ToolResult::error(fmt::format("{} was stopped: {}", tool->name, token->reason()));
    } else if (!stage.empty()) {
      result = ToolResult::error(
          fmt::format("{} did not finish within {} (--tool-timeout): it was stopped {}", tool->name, limit, stage));
    } else {
      result = ToolResult::error(
          fmt::format("{} did not finish within {} (--tool-timeout) and was stopped; narrow the request "
                      "(namespace, labelSelector, limit) or raise --tool-timeout",
                      tool->name, limit));
    }
  }
  co_return make_result(req.id, finish(tool_result_json(std::move(result)), modern));
}

}  // namespace mcpk::mcp
