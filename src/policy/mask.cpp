#include "policy/mask.hpp"

namespace mcpk::policy {
namespace {

constexpr std::string_view kLastApplied = "kubectl.kubernetes.io/last-applied-configuration";

std::size_t mask_map(json::object& o, std::string_view key) {
  std::size_t n = 0;
  if (auto* v = o.if_contains(key); v && v->is_object()) {
    for (auto& kv : v->get_object()) {
      kv.value() = kMasked;
      ++n;
    }
  }
  return n;
}

std::size_t mask_secret(json::object& o) {
  std::size_t n = mask_map(o, "data") + mask_map(o, "stringData");
  if (auto* meta = o.if_contains("metadata"); meta && meta->is_object()) {
    if (auto* ann = meta->get_object().if_contains("annotations"); ann && ann->is_object()) {
      if (auto* last = ann->get_object().if_contains(kLastApplied); last && last->is_string()) {
        // The last applied manifest holds the same data: mask inside it and keep it valid JSON.
        auto parsed = parse_json(last->get_string());
        if (parsed && parsed->is_object()) {
          n += mask_secret(parsed->get_object());
          *last = to_json(*parsed);
        } else {
          *last = kMasked;
          ++n;
        }
      }
    }
  }
  return n;
}

}  // namespace

std::size_t mask_secrets(json::value& v, bool secrets) {
  auto* o = v.if_object();
  if (!o) return 0;
  std::size_t n = 0;
  const auto kind = string_or(*o, "kind");
  auto* items = o->if_contains("items");
  auto* rows = o->if_contains("rows");
  const bool collection = (items && items->is_array()) || (rows && rows->is_array() && kind == "Table");
  if (kind == "Secret" || (secrets && !collection)) n += mask_secret(*o);
  if (items && items->is_array()) {
    for (auto& item : items->get_array()) {
      if (auto* io = item.if_object(); io && (secrets || kind == "SecretList" || string_or(*io, "kind") == "Secret")) {
        n += mask_secret(*io);
      } else {
        n += mask_secrets(item);
      }
    }
  }
  if (rows && rows->is_array() && kind == "Table") {
    for (auto& row : rows->get_array()) {
      if (auto* ro = row.if_object()) {
        if (auto* obj = ro->if_contains("object")) n += mask_secrets(*obj, secrets);
      }
    }
  }
  return n;
}

}  // namespace mcpk::policy
