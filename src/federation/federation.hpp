/// @file
/// @brief Federation as tools see it: which workload cluster a name means for the caller, and
/// the caller's client of it.
///
/// Every call is checked against the management cluster *as the caller*: the Cluster must still
/// exist and the caller must still be allowed to read it. The first call naming a cluster
/// resolves it before anything else ("ns/name" by a get, a bare name by listing, refused when two
/// namespaces use it). Later calls with the same name remember the answer and run the check side
/// by side with the call's own work (`Access::check`): the tool runs read-only work at once and
/// waits for the check before it answers, and waits for it before any change. A Cluster found
/// gone is forgotten at once (its clients, its connections, what callers remembered of it).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/pending.hpp"
#include "federation/clients.hpp"
#include "kube/client_source.hpp"

namespace mcpk::federation {

/// What a call gets for a workload cluster: the Cluster, the caller's client of it, and, when
/// the name was resolved from memory, the check still running (null when it already ran).
struct Access {
  WorkloadCluster cluster;
  std::shared_ptr<kube::Client> client;
  std::shared_ptr<Pending<Result<void>>> check;
};

class Federation {
 public:
  /// `management` gives the caller's client of the management cluster (its default context)
  /// and the server's own (the local caller), which reads kubeconfig Secrets.
  Federation(net::any_io_executor executor, kube::ClientSource& management, WorkloadOptions options);

  /// The Clusters the caller may list (label selector may be empty), at most `max`.
  Task<Result<std::vector<WorkloadCluster>>> list(std::string label_selector, std::size_t max,
                                                  const kube::CallContext& cc);
  /// The Cluster `name` ("ns/name" or a bare name) means for the caller, read now.
  Task<Result<WorkloadCluster>> find(std::string name, const kube::CallContext& cc);
  /// The caller's client of the workload cluster `name`.
  Task<Result<Access>> access(std::string name, const kube::CallContext& cc);
  /// The caller's client of a Cluster just read (fan-out: no second check).
  Task<Result<std::shared_ptr<kube::Client>>> client_of(const WorkloadCluster& cluster, const kube::CallContext& cc);

  const WorkloadClients& clients() const { return clients_; }
  const WorkloadOptions& options() const { return clients_.options(); }

 private:
  Task<Result<WorkloadCluster>> find_fresh(std::string name, kube::CallContext cc);
  Task<Result<void>> recheck(WorkloadCluster remembered, std::string memo_key, kube::CallContext cc);
  /// A Cluster the management cluster no longer has: every trace of it goes.
  void forget(const std::string& qualified);

  net::any_io_executor executor_;
  kube::ClientSource& management_;
  WorkloadClients clients_;
  // What a caller's name meant: identity key + '\0' + name → the Cluster, for the client cache's TTL.
  struct Memo {
    WorkloadCluster cluster;
    std::chrono::steady_clock::time_point at;
  };
  std::map<std::string, Memo, std::less<>> memo_;
};

}  // namespace mcpk::federation
