#include "kube/in_cluster.hpp"

#include <fmt/format.h>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace mcpk::kube {

Result<RestConfig> in_cluster_config(std::string_view service_account_dir) {
  const char* host = std::getenv("KUBERNETES_SERVICE_HOST");
  const char* port = std::getenv("KUBERNETES_SERVICE_PORT");
  if (!host || !*host || !port || !*port) {
    return fail(
        Errc::invalid_argument,
        "--in-cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set (not running in a pod?)");
  }
  const std::filesystem::path dir(service_account_dir);
  RestConfig r;
  const std::string h(host);
  r.server = h.find(':') != std::string::npos ? fmt::format("https://[{}]:{}", h, port)
                                              : fmt::format("https://{}:{}", h, port);
  r.token_file = (dir / "token").string();
  if (!std::filesystem::exists(r.token_file)) {
    return fail(Errc::invalid_argument, fmt::format("--in-cluster: no service account token at {}", r.token_file));
  }
  std::ifstream ca(dir / "ca.crt");
  if (!ca) return fail(Errc::invalid_argument, fmt::format("--in-cluster: no CA at {}", (dir / "ca.crt").string()));
  std::stringstream ss;
  ss << ca.rdbuf();
  r.ca_pem = ss.str();
  if (std::ifstream ns(dir / "namespace"); ns) {
    std::getline(ns, r.ns);
  }
  if (r.ns.empty()) r.ns = "default";
  return r;
}

}  // namespace mcpk::kube
