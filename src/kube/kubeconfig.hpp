/// @file
/// @brief Kubeconfig loading exactly as kubectl does it (client-go tools/clientcmd), and the
/// per-context REST configuration derived from it.
///
/// Loading rules: an explicit path (--kubeconfig) must exist and is the only file; otherwise
/// the KUBECONFIG list (':'-separated; missing files skipped, empty entries ignored), otherwise
/// ~/.kube/config (absent = empty config). Merge: for clusters, users and contexts the first
/// file that defines a name wins; current-context comes from the first file that sets it.
/// Relative paths (certificate-authority, client-certificate, client-key, tokenFile, exec
/// command when it contains a '/') are resolved against the directory of the file that holds
/// them. Nothing here logs or returns credentials in error messages.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace mcpk::kube {

/// users[].user.exec: a client.authentication.k8s.io credential plugin.
struct ExecConfig {
  std::string api_version;  ///< client.authentication.k8s.io/v1 or v1beta1
  std::string command;      ///< resolved against the kubeconfig's directory when it contains '/'
  std::vector<std::string> args;
  std::vector<std::pair<std::string, std::string>> env;
  std::string install_hint;
  bool provide_cluster_info = false;
  std::string interactive_mode;  ///< Never | IfAvailable | Always ("" = IfAvailable for v1beta1)
};

struct ClusterEntry {
  std::string server;
  std::string certificate_authority;       ///< path (absolute after loading)
  std::string certificate_authority_data;  ///< PEM bytes (already base64-decoded)
  bool insecure_skip_tls_verify = false;
  std::string tls_server_name;
  std::string proxy_url;
  bool disable_compression = false;
};

struct UserEntry {
  std::string client_certificate;       ///< path
  std::string client_certificate_data;  ///< PEM bytes (decoded)
  std::string client_key;               ///< path
  std::string client_key_data;          ///< PEM bytes (decoded)
  std::string token;
  std::string token_file;  ///< path
  std::string username, password;
  std::string impersonate;
  std::vector<std::string> impersonate_groups;
  std::optional<ExecConfig> exec;
  std::string auth_provider;  ///< name of a legacy auth-provider, if any (not supported: reported)
};

struct ContextEntry {
  std::string cluster;
  std::string user;
  std::string ns;  ///< "namespace" in the file
};

struct Kubeconfig {
  std::map<std::string, ClusterEntry, std::less<>> clusters;
  std::map<std::string, UserEntry, std::less<>> users;
  std::map<std::string, ContextEntry, std::less<>> contexts;
  std::string current_context;
  std::vector<std::string> files;  ///< the files that were read, in precedence order
};

struct LoadingRules {
  std::string explicit_path;            ///< --kubeconfig; must exist when set
  std::vector<std::string> precedence;  ///< KUBECONFIG entries, or ~/.kube/config
};

/// Rules from the environment: KUBECONFIG (split on ':'), else $HOME/.kube/config.
LoadingRules default_loading_rules(std::string explicit_path = {});

/// Parses one kubeconfig document (YAML or JSON). `base_dir` resolves relative paths.
/// *-data fields are base64-decoded; a bad one is an error naming the entry and field.
Result<Kubeconfig> parse_kubeconfig(std::string_view text, std::string_view base_dir);

/// Loads and merges per the rules above. Unreadable or invalid files are errors naming the file.
Result<Kubeconfig> load_kubeconfig(const LoadingRules& rules);

/// What a REST client needs for one context; files are read, so only PEM/token bytes remain
/// (except token_file, kept as a path so a rotated token is re-read).
struct RestConfig {
  std::string context;  ///< context name ("" for in-cluster)
  std::string cluster_name, user_name;
  std::string server;  ///< https://host[:port][/path]
  std::string ca_pem;  ///< empty = system trust store
  bool insecure_skip_tls_verify = false;
  std::string tls_server_name;
  std::string client_cert_pem, client_key_pem;
  std::string token;
  std::string token_file;
  std::string username, password;
  std::string impersonate;
  std::vector<std::string> impersonate_groups;
  std::optional<ExecConfig> exec;
  std::string proxy_url;
  std::string ns = "default";  ///< the context's namespace, else "default"
};

/// Builds the RestConfig of `context` ("" = current-context). Errors: unknown context (listing
/// the known ones), missing cluster/user entry, unreadable CA/cert/key file, cert without key,
/// unsupported auth-provider — each naming the context.
Result<RestConfig> rest_config_for(const Kubeconfig& config, std::string_view context = {});

/// The REST configuration of a kubeconfig that does not come from the operator's own files
/// (a workload cluster's kubeconfig Secret): whoever can write that Secret must not make the
/// server read its files, run commands or route through a proxy. So only inline data is
/// accepted: server, certificate-authority-data, client-certificate-data / client-key-data,
/// token, username/password, tls-server-name, insecure-skip-tls-verify. An exec plugin, an
/// auth-provider, any file path (certificate-authority, client-certificate, client-key,
/// tokenFile), a proxy-url or impersonation (the server sets its own) is a clear error naming
/// the field; so is an http:// server. `origin` names the source in messages ("Secret
/// org-a/wc1-kubeconfig"). Nothing of the content is echoed.
Result<RestConfig> restricted_rest_config(std::string_view kubeconfig_text, std::string_view origin,
                                          std::string_view context = {});

}  // namespace mcpk::kube
