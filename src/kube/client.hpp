/// @file
/// @brief A Kubernetes API client for one identity on one cluster (client-go's rest.RESTClient
/// + discovery, trimmed to what the tools need); clients per caller come from client_source.hpp.
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
#include "kube/cluster.hpp"
#include "kube/discovery.hpp"
#include "kube/kubeconfig.hpp"
#include "kube/rest.hpp"

namespace mcpk::kube {

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

/// One identity's client of one cluster: REST calls, discovery (the cluster's, shared) and
/// resolution of resource types. Made for one caller identity (`owner`), never handed to another.
class Client {
 public:
  /// A client of `cluster` with `config`'s endpoint and TLS identity, sending what
  /// `decorators` add (see Cluster::transport), for the caller identity `owner`.
  static Result<std::shared_ptr<Client>> create(std::shared_ptr<Cluster> cluster, const RestConfig& config,
                                                DecoratorChain decorators, std::string owner);
  /// A stand-alone client with the config's own identity (tests, the benchmark).
  static Result<std::shared_ptr<Client>> create(net::any_io_executor executor, RestConfig config,
                                                TransportOptions options);

  const RestConfig& config() const { return transport_->config(); }
  RestTransport& transport() { return *transport_; }
  Cluster& cluster() { return *cluster_; }
  /// The caller identity this client was made for.
  const std::string& owner() const { return owner_; }

  /// Any request; a non-2xx answer is an Error.
  Task<Result<HttpResponse>> request(HttpRequest request, const CallContext& cc);
  /// GET returning parsed JSON.
  Task<Result<json::value>> get_json(std::string target, const CallContext& cc,
                                     std::string accept = "application/json");

  /// The server's resources (cached per cluster after the first call; `refresh` reloads).
  Task<Result<std::shared_ptr<const std::vector<ApiResource>>>> api_resources(const CallContext& cc,
                                                                              bool refresh = false);
  /// resolve_resource() against discovery, reloading discovery once on a miss (a CRD
  /// installed after start is found).
  Task<Result<Resolution>> resolve(std::string_view type, std::string_view api_group, const CallContext& cc);

 private:
  Client(std::shared_ptr<Cluster> c, std::shared_ptr<RestTransport> t, std::string owner)
      : cluster_(std::move(c)), transport_(std::move(t)), owner_(std::move(owner)) {}
  Task<Result<std::vector<ApiResource>>> load_discovery(const CallContext& cc);
  /// GET + JSON parse; `content_type`, when given, receives the answer's Content-Type.
  Task<Result<json::value>> fetch_json(std::string target, std::string accept, const CallContext& cc,
                                       std::string* content_type);

  std::shared_ptr<Cluster> cluster_;
  std::shared_ptr<RestTransport> transport_;
  std::string owner_;
};

}  // namespace mcpk::kube
