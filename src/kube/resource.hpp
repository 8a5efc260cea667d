/// @file
/// @brief The dynamic resource client (client-go's dynamic.ResourceInterface): one resource
/// type, in one namespace or cluster-wide, with get / list / create / apply / patch / delete and
/// subresources. Every verb takes one RequestOptions (dry-run, field manager, force, deletion
/// propagation and grace period, selectors, paging, extra parameters). Tools use this and never
/// build an HTTP request themselves; failures are Errors carrying the API's Status (reason,
/// code, causes).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/async.hpp"
#include "core/error.hpp"
#include "core/json.hpp"
#include "kube/client.hpp"
#include "kube/discovery.hpp"

namespace mcpk::kube {

enum class PatchType { strategic, merge, json };

struct RequestOptions {
  bool dry_run = false;                              ///< dryRun=All: validated and admitted, never stored
  std::string field_manager;                         ///< fieldManager (apply: required; defaults to "mcp-kubernetes")
  bool force = false;                                ///< apply: take ownership of conflicting fields
  std::string propagation_policy;                    ///< delete: Foreground, Background, Orphan
  std::optional<std::int64_t> grace_period_seconds;  ///< delete
  std::string label_selector, field_selector;        ///< list
  std::int64_t limit = 0;                            ///< list: page size (0 = the server's)
  std::string continue_token;                        ///< list: the next page
  std::string subresource;                           ///< status, scale, log, ...
  std::vector<std::pair<std::string, std::string>> params;  ///< more query parameters (empty values dropped)
  std::string accept = "application/json";
};

class ResourceClient {
 public:
  /// `ns` is ignored for cluster-scoped resources; "" lists across all namespaces.
  ResourceClient(Client& client, ApiResource resource, std::string ns);

  Task<Result<json::value>> get(std::string name, RequestOptions opts, const CallContext& cc);
  Task<Result<json::value>> list(RequestOptions opts, const CallContext& cc);
  Task<Result<json::value>> create(json::value object, RequestOptions opts, const CallContext& cc);
  /// Server-side apply of `object` (JSON is YAML) to `name`.
  Task<Result<json::value>> apply(std::string name, json::value object, RequestOptions opts, const CallContext& cc);
  Task<Result<json::value>> patch(std::string name, PatchType type, json::value patch, RequestOptions opts,
                                  const CallContext& cc);
  /// The API's answer (the object being deleted, or a Status).
  Task<Result<json::value>> remove(std::string name, RequestOptions opts, const CallContext& cc);
  /// A subresource read as text (pod logs), with `opts.accept`.
  Task<Result<std::string>> get_text(std::string name, RequestOptions opts, const CallContext& cc);

  /// The request path of `name` (and `subresource`), or of the collection.
  std::string path(std::string_view name = {}, std::string_view subresource = {}) const;
  const ApiResource& resource() const { return resource_; }

 private:
  std::string target(std::string_view name, const RequestOptions& opts, bool write) const;
  HttpRequest request(const char* method, std::string_view name, const RequestOptions& opts, bool write) const;
  Task<Result<json::value>> json_call(HttpRequest req, const CallContext& cc);

  Client& client_;
  ApiResource resource_;
  std::string ns_;
};

}  // namespace mcpk::kube
