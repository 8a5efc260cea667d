// Tool argument validation (mcp/schema.hpp). The schemas are the real ones: every R"J(...)J"
// literal of src/tools/*.cpp that check_schema accepts, with the server's default maxLength
// (1024) on strings that declare none, plus one fixed schema using every keyword the tools do
// not. Input: one byte picks the schema, the rest is the arguments' JSON text. A valid call's
// filled arguments validate again unchanged (filling defaults is idempotent); a refusal's
// message stays short whatever the input's size.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "fuzz_util.hpp"
#include "mcp/schema.hpp"

using namespace mcpk;

namespace {

constexpr std::string_view kFixed = R"J({"type":"object","properties":{
  "name":{"type":"string","minLength":1,"maxLength":253,"pattern":"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$"},
  "mode":{"enum":["a","b",1,null],"default":"a"},
  "n":{"type":["integer","null"],"exclusiveMinimum":0,"exclusiveMaximum":100},
  "x":{"type":"number","minimum":-1.5,"maximum":1e300},
  "c":{"const":{"k":[1,2]}},
  "tags":{"type":"array","items":{"type":"string","maxLength":16},"minItems":1,"maxItems":8,"uniqueItems":true},
  "one":{"oneOf":[{"type":"string","maxLength":8},{"type":"integer"}]},
  "any":{"anyOf":[{"type":"boolean"},{"type":"object","properties":{"d":{"type":"integer","default":3}}}]},
  "nested":{"type":"object","properties":{"e":{"type":"string","maxLength":4,"default":"x"}},
            "additionalProperties":{"type":"integer"},"required":["e"]}},
  "required":["name"],"additionalProperties":false})J";

void cap_strings(json::value& schema, int depth = 0) {  // as mcp::Server::add_tool does
  auto* o = schema.if_object();
  if (!o || depth > 32) return;
  if (string_or(*o, "type") == "string" && !o->contains("maxLength")) (*o)["maxLength"] = 1024;
  if (auto* props = o->if_contains("properties"); props && props->is_object())
    for (auto& kv : props->get_object()) cap_strings(kv.value(), depth + 1);
  if (auto* items = o->if_contains("items")) cap_strings(*items, depth + 1);
  for (const char* k : {"anyOf", "oneOf", "allOf"})
    if (auto* b = o->if_contains(k); b && b->is_array())
      for (auto& x : b->get_array()) cap_strings(x, depth + 1);
}

std::vector<json::object> load_schemas() {
  std::vector<std::string> texts{std::string(kFixed)};
  for (const auto& f : std::filesystem::directory_iterator(MCPK_TOOLS_DIR)) {
    if (f.path().extension() != ".cpp" || f.path().string().ends_with("_test.cpp")) continue;
    std::stringstream ss;
    ss << std::ifstream(f.path()).rdbuf();
    const std::string src = ss.str();
    for (auto at = src.find("R\"J("); at != std::string::npos; at = src.find("R\"J(", at + 1)) {
      const auto end = src.find(")J\"", at);
      if (end != std::string::npos) texts.push_back(src.substr(at + 4, end - at - 4));
    }
  }
  std::vector<json::object> out;
  for (const auto& t : texts) {
    auto v = parse_json(t);
    if (!v || !v->is_object() || !mcp::check_schema(v->as_object())) continue;
    cap_strings(*v);
    out.push_back(std::move(v->as_object()));
  }
  std::fprintf(stderr, "fuzz_schema: %zu schemas (%zu literals in %s)\n", out.size(), texts.size() - 1, MCPK_TOOLS_DIR);
  return out;
}

const std::vector<json::object>* schemas = nullptr;

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  schemas = new std::vector<json::object>(load_schemas());  // lives as long as the process
  FUZZ_CHECK(!schemas->empty());
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const json::object& schema = (*schemas)[data[0] % schemas->size()];
  auto v = parse_json(fuzz::as_text(data + 1, size - 1));
  if (!v || !v->is_object()) return 0;
  json::object args = v->as_object();
  const auto ok = mcp::validate_and_fill(schema, args);
  if (!ok) {
    FUZZ_CHECK(ok.error().code == Errc::invalid_argument && !ok.error().message.empty());
    // Values and names are quoted clipped, never whole (names were echoed whole: finding 3).
    FUZZ_CHECK(ok.error().message.size() < 8192);
    return 0;
  }
  json::object again = args;
  FUZZ_CHECK(mcp::validate_and_fill(schema, again));
  FUZZ_CHECK(again == args);
  return 0;
}
