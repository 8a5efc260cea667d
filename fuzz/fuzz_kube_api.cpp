// What the API server sends: discovery documents (kube/discovery.hpp, aggregated and legacy)
// and error answers (kube/status.hpp). Input: one byte picks the HTTP status and the API
// group asked for; the rest up to the last '\n' is the body, after it the type to resolve.
#include <array>

#include "fuzz_util.hpp"
#include "kube/discovery.hpp"
#include "kube/status.hpp"

using namespace mcpk;

namespace {

constexpr std::array<int, 16> kStatus = {0, 200, 400, 401, 403, 404, 405, 409, 410, 415, 422, 429, 500, 502, 503, 504};
constexpr std::array<std::string_view, 4> kGroup = {"", "apps", "apps/v1", "core"};

void resolve(const Result<std::vector<kube::ApiResource>>& list, std::string_view type, std::string_view group) {
  if (!list) return;
  for (const auto& r : *list) {
    (void)r.group_version();
    (void)r.qualified_name();
    (void)r.has_verb("list");
    (void)r.has_subresource("status");
  }
  const auto res = kube::resolve_resource(*list, type, group);
  if (!res) FUZZ_CHECK(!res.error().message.empty());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const auto rest = fuzz::as_text(data + 1, size - 1);
  const auto nl = rest.rfind('\n');
  const auto body = rest.substr(0, nl);
  const auto type = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
  const int status = kStatus[data[0] % kStatus.size()];
  const auto group = kGroup[(data[0] >> 4) % kGroup.size()];

  const Error e = kube::status_error(
      kube::HttpResponse{
          .status = status, .body = std::string(body), .content_type = "application/json", .headers = {}},
      "fuzz");
  FUZZ_CHECK(!e.message.empty());

  const auto doc = parse_json(body);
  if (!doc) return 0;
  resolve(kube::parse_aggregated_discovery(*doc), type, group);
  resolve(kube::parse_resource_list(*doc, group == "core" ? "" : "apps", "v1", (data[0] & 8) != 0), type, group);
  return 0;
}
