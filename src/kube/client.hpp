/// @file
/// @brief A Kubernetes API client for one context (client-go's rest.RESTClient + discovery +
/// dynamic client, trimmed to what the tools need), and the pool of clients per context.
///
/// Every call takes a CallContext: its deadline bounds the whole call and its cancel token
/// aborts the connection underneath. Non-2xx answers come back as Errors from status.hpp.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "core/async.hpp"
#include "core/cancel.hpp"
#include "core/error.hpp"
#include "core/json.hpp"
#include "core/scope.hpp"
#include "core/single_flight.hpp"
#include "kube/discovery.hpp"
#include "kube/kubeconfig.hpp"
#include "kube/rest.hpp"

namespace mcpk::kube {

/// One call's bounds and origin: its deadline bounds the whole call, its cancel token aborts
/// the connection underneath, and its scope says who calls (whose credential, for whom to
/// impersonate) and under which trace.
struct CallContext {
  Clock::time_point deadline;
  CancelTokenPtr cancel;
  RequestScope scope{};
};

inline constexpr std::string_view kAcceptTable = "application/json;as=Table;g=meta.k8s.io;v=v1,application/json";

/// /api/v1/namespaces/<ns>/pods/<name>/<sub> and the like; empty ns for cluster scope or
/// all namespaces; empty name for collections. Segments are path-escaped.
std::string resource_path(const ApiResource& r, std::string_view ns, std::string_view name = {},
                          std::string_view subresource = {});
/// "?a=1&b=x%20y" from pairs with non-empty values ("" when none).
std::string query_string(const std::vector<std::pair<std::string, std::string>>& params);

class Client;
/// Legacy discovery documents of (group, version, preferred), fetched a few at once; a group
/// version that fails is skipped (as kubectl does). Resources in the order given.
Task<std::vector<ApiResource>> fetch_group_versions(Client& client,
                                                    std::vector<std::tuple<std::string, std::string, bool>> gvs,
                                                    const CallContext& cc);

class Client {
 public:
  static Result<std::shared_ptr<Client>> create(net::any_io_executor executor, RestConfig config,
                                                TransportOptions options);

  const RestConfig& config() const { return transport_->config(); }
  RestTransport& transport() { return *transport_; }

  /// Any request; a non-2xx answer is an Error.
  Task<Result<HttpResponse>> request(HttpRequest request, const CallContext& cc);
  /// GET returning parsed JSON.
  Task<Result<json::value>> get_json(std::string target, const CallContext& cc,
                                     std::string accept = "application/json");

  /// The server's resources (cached after the first call; `refresh` reloads).
  Task<Result<std::shared_ptr<const std::vector<ApiResource>>>> api_resources(const CallContext& cc,
                                                                              bool refresh = false);
  /// resolve_resource() against discovery, reloading discovery once on a miss (a CRD
  /// installed after start is found).
  Task<Result<Resolution>> resolve(std::string_view type, std::string_view api_group, const CallContext& cc);

 private:
  explicit Client(std::shared_ptr<RestTransport> t) : transport_(std::move(t)) {}
  Task<Result<std::vector<ApiResource>>> load_discovery(const CallContext& cc);
  /// GET + JSON parse; `content_type`, when given, receives the answer's Content-Type.
  Task<Result<json::value>> fetch_json(std::string target, std::string accept, const CallContext& cc,
                                       std::string* content_type);

  std::shared_ptr<RestTransport> transport_;
  std::shared_ptr<const std::vector<ApiResource>> resources_;
  Clock::time_point loaded_at_{};
  // Concurrent first calls (or refreshes) share one discovery.
  SingleFlight<Result<std::shared_ptr<const std::vector<ApiResource>>>> discovery_flight_;
};

/// One Client per kubeconfig context, created on first use (an unreachable context never
/// delays start-up or other contexts).
class ClientPool {
 public:
  ClientPool(net::any_io_executor executor, Kubeconfig kubeconfig, TransportOptions options,
             std::string default_context);
  /// In-cluster mode: one client, no contexts.
  ClientPool(net::any_io_executor executor, RestConfig in_cluster, TransportOptions options);

  /// "" = the default context. Unknown contexts are errors listing the known ones.
  Result<std::shared_ptr<Client>> client(std::string_view context);
  const Kubeconfig& kubeconfig() const { return kubeconfig_; }
  const std::string& default_context() const { return default_context_; }
  bool in_cluster() const { return in_cluster_.has_value(); }

 private:
  net::any_io_executor executor_;
  Kubeconfig kubeconfig_;
  std::optional<RestConfig> in_cluster_;
  TransportOptions options_;
  std::string default_context_;
  std::map<std::string, std::shared_ptr<Client>, std::less<>> clients_;
};

}  // namespace mcpk::kube
