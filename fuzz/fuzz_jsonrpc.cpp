// JSON-RPC message parsing (jsonrpc/message.hpp): any text is classified without crashing;
// parse → serialize → parse classifies the same; the answers we build from a message classify
// as what they are.
#include <variant>

#include "fuzz_util.hpp"
#include "jsonrpc/message.hpp"

using namespace mcpk;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto text = fuzz::as_text(data, size);
  const auto m = jsonrpc::parse_message(text);
  const auto v = parse_json(text);
  FUZZ_CHECK(v.has_value() == (m.has_value() || m.error().code != jsonrpc::kParseError));
  if (!m) {
    FUZZ_CHECK(m.error().id.is_null() || jsonrpc::valid_id(m.error().id));
    (void)to_json(jsonrpc::make_error(m.error().id, m.error().code, m.error().message));
  }
  if (!v) return 0;
  FUZZ_CHECK(fuzz::finite(*v));  // 1e400 was read as infinity and written as `Infinity` (finding 4)

  const std::string again = to_json(*v);
  const auto v2 = parse_json(again);
  FUZZ_CHECK(v2 && fuzz::same(*v, *v2));
  const auto m2 = jsonrpc::parse_message(again);
  FUZZ_CHECK(m.has_value() == m2.has_value());
  if (!m) {
    FUZZ_CHECK(m.error().code == m2.error().code && m.error().id == m2.error().id);
    return 0;
  }
  FUZZ_CHECK(m->index() == m2->index());

  if (const auto* r = std::get_if<jsonrpc::Request>(&*m)) {
    FUZZ_CHECK(jsonrpc::valid_id(r->id));
    (void)jsonrpc::id_key(r->id);
    const auto answer = jsonrpc::classify(jsonrpc::make_result(r->id, r->params));
    FUZZ_CHECK(answer && std::holds_alternative<jsonrpc::Response>(*answer));
    FUZZ_CHECK(jsonrpc::id_key(std::get<jsonrpc::Response>(*answer).id) == jsonrpc::id_key(r->id));
    const auto err = jsonrpc::classify(jsonrpc::make_error(r->id, jsonrpc::kInternalError, r->method));
    FUZZ_CHECK(err && std::get<jsonrpc::Response>(*err).error.has_value());
  } else if (const auto* n = std::get_if<jsonrpc::Notification>(&*m)) {
    const auto back = jsonrpc::classify(jsonrpc::make_notification(n->method, n->params));
    FUZZ_CHECK(back && std::get<jsonrpc::Notification>(*back).method == n->method);
  } else {
    const auto& resp = std::get<jsonrpc::Response>(*m);
    FUZZ_CHECK(jsonrpc::valid_id(resp.id) && resp.result.has_value() != resp.error.has_value());
  }
  return 0;
}
