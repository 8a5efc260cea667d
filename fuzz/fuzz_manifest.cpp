// Manifests and patches as users give them (tools/manifest.hpp): YAML or JSON text of one or
// more documents, or a v1 List. Whatever the text, the documents are JSON that serializes and
// parses back the same, errors are short, and aliases cannot make the work outgrow the input.
#include "fuzz_util.hpp"
#include "tools/manifest.hpp"

using namespace mcpk;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto text = fuzz::as_text(data, size);
  // A manifest arrives inside a JSON-RPC message, so it is valid UTF-8: skip anything else.
  if (!parse_json(to_json(json::value(json::string(text.begin(), text.end()))))) return 0;
  const auto docs = tools::parse_yaml_documents(text);
  if (docs) {
    std::size_t values = 0;
    for (const auto& d : *docs) {
      FUZZ_CHECK(fuzz::finite(d));
      const auto again = parse_json(to_json(d));
      FUZZ_CHECK(again && fuzz::same(d, *again));
      values += count_values(d);
    }
    FUZZ_CHECK(values <= size / 2 + 10'000);  // the alias budget (a "billion laughs" is refused)
  } else {
    FUZZ_CHECK(!docs.error().message.empty() && docs.error().message.size() < 4096);
  }
  const json::value manifest(json::string(text.begin(), text.end()));
  if (const auto objects = tools::manifest_objects(manifest)) {
    FUZZ_CHECK(!objects->empty());
    for (const auto& o : *objects) {
      FUZZ_CHECK(!string_or(o, "apiVersion").empty() && !string_or(o, "kind").empty());
      FUZZ_CHECK(find_object(o, "metadata") != nullptr);
    }
  }
  return 0;
}
