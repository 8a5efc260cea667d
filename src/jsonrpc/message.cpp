#include "jsonrpc/message.hpp"

#include <fmt/format.h>
#include <expected>

namespace mcpk::jsonrpc {
namespace {

std::unexpected<Invalid> invalid(std::string message, json::value id = nullptr) {
  return std::unexpected(Invalid{kInvalidRequest, std::move(message), std::move(id)});
}

}  // namespace

bool valid_id(const json::value& id) noexcept { return id.is_string() || id.is_int64() || id.is_uint64(); }

std::string id_key(const json::value& id) {
  if (id.is_string()) return fmt::format("s:{}", std::string_view(id.get_string()));
  if (id.is_int64()) return fmt::format("n:{}", id.get_int64());
  if (id.is_uint64()) return fmt::format("n:{}", id.get_uint64());
  return "x:" + to_json(id);
}

std::expected<Message, Invalid> parse_message(std::string_view text) {
  auto v = parse_json(text);
  if (!v) return std::unexpected(Invalid{kParseError, "Parse error: " + v.error().message, nullptr});
  return classify(std::move(*v));
}

std::expected<Message, Invalid> classify(json::value v) {
  if (v.is_array()) return invalid("JSON-RPC batches are not supported; send one message at a time");
  auto* o = v.if_object();
  if (!o) return invalid("a JSON-RPC message must be a JSON object");
  json::value id = nullptr;
  const bool has_id = o->contains("id");
  if (has_id) {
    id = o->at("id");
    if (!valid_id(id)) {
      return invalid("\"id\" must be a string or an integer");
    }
  }
  const auto* version = find_string(*o, "jsonrpc");
  if (!version || *version != "2.0") return invalid("\"jsonrpc\" must be \"2.0\"", id);

  if (const auto* method_v = find(*o, "method")) {
    const auto* method = method_v->if_string();
    if (!method || method->empty()) return invalid("\"method\" must be a non-empty string", id);
    json::object params;
    if (const auto* p = find(*o, "params")) {
      if (p->is_object()) {
        params = p->get_object();
      } else if (!p->is_null()) {
        return std::unexpected(Invalid{kInvalidParams, "\"params\" must be an object", id});
      }
    }
    if (has_id) return Request{std::move(id), std::string(*method), std::move(params)};
    return Notification{std::string(*method), std::move(params)};
  }
  // A response (to a request this side sent).
  if (!has_id) return invalid("a message needs \"method\" (request, notification) or \"id\" (response)");
  Response r{std::move(id), std::nullopt, std::nullopt};
  if (const auto* res = find(*o, "result")) r.result = *res;
  if (const auto* err = find_object(*o, "error")) r.error = *err;
  if (r.result.has_value() == r.error.has_value()) {
    return invalid("a response needs exactly one of \"result\" and \"error\"", r.id);
  }
  return r;
}

json::object make_result(const json::value& id, json::value result) {
  return json::object{{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}};
}

json::object make_error(const json::value& id, int code, std::string_view message, json::value data) {
  json::object err{{"code", code}, {"message", message}};
  if (!data.is_null()) err["data"] = std::move(data);
  return json::object{{"jsonrpc", "2.0"}, {"id", id}, {"error", std::move(err)}};
}

json::object make_notification(std::string_view method, json::object params) {
  return json::object{{"jsonrpc", "2.0"}, {"method", method}, {"params", std::move(params)}};
}

}  // namespace mcpk::jsonrpc
