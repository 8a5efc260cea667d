#include "kube/kubeconfig.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <yaml-cpp/yaml.h>
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <system_error>

#include "core/base64.hpp"

namespace mcpk::kube {
namespace {

namespace fs = std::filesystem;

// ---------------------------------------------------------------------------------------------
// Reading one document. The first problem found is kept in `error`; readers return an empty
// value after it, and the caller checks `error` once per entry. Messages name the entry and the
// field, never a value (a value may be a credential).

struct Reader {
  std::optional<Error> error;

  void set_error(std::string message) {
    if (!error) error = Error(Errc::invalid_argument, std::move(message));
  }

  // A field of `map`, or an undefined node when absent. `map` must be a map or null.
  static YAML::Node field(const YAML::Node& map, const char* key) {
    if (!map.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
    return map[key];
  }

  static bool absent(const YAML::Node& n) { return !n.IsDefined() || n.IsNull(); }

  std::string str(const YAML::Node& map, const char* key, std::string_view where) {
    const YAML::Node n = field(map, key);
    if (absent(n)) return {};
    if (!n.IsScalar()) {
      set_error(fmt::format("{}: field \"{}\" must be a string", where, key));
      return {};
    }
    return n.Scalar();
  }

  bool boolean(const YAML::Node& map, const char* key, std::string_view where) {
    const YAML::Node n = field(map, key);
    if (absent(n)) return false;
    bool value = false;
    if (!n.IsScalar() || !YAML::convert<bool>::decode(n, value)) {
      set_error(fmt::format("{}: field \"{}\" must be true or false", where, key));
      return false;
    }
    return value;
  }

  std::vector<std::string> strings(const YAML::Node& map, const char* key, std::string_view where) {
    const YAML::Node n = field(map, key);
    std::vector<std::string> out;
    if (absent(n)) return out;
    if (!n.IsSequence()) {
      set_error(fmt::format("{}: field \"{}\" must be a list of strings", where, key));
      return out;
    }
    for (const auto& item : n) {
      if (!item.IsScalar()) {
        set_error(fmt::format("{}: field \"{}\" must be a list of strings", where, key));
        return {};
      }
      out.push_back(item.Scalar());
    }
    return out;
  }

  // A map-valued field (absent or null = empty map).
  YAML::Node object(const YAML::Node& map, const char* key, std::string_view where) {
    const YAML::Node n = field(map, key);
    if (!absent(n) && !n.IsMap()) {
      set_error(fmt::format("{}: field \"{}\" must be a map", where, key));
      return YAML::Node(YAML::NodeType::Null);
    }
    return absent(n) ? YAML::Node(YAML::NodeType::Null) : n;
  }

  // A *-data field: base64 in the file, bytes in memory.
  std::string data(const YAML::Node& map, const char* key, std::string_view where) {
    std::string text = str(map, key, where);
    if (text.empty()) return {};
    auto bytes = base64_decode(text);
    if (!bytes) {
      set_error(fmt::format("{}: field \"{}\" is not valid base64 ({})", where, key, bytes.error().message));
      return {};
    }
    return std::move(*bytes);
  }
};

// client-go ResolveLocalPaths: a non-empty relative path is joined to the file's directory.
void resolve(std::string& path, std::string_view base_dir) {
  if (path.empty() || base_dir.empty()) return;
  const fs::path p(path);
  if (p.is_absolute()) return;
  path = (fs::path(base_dir) / p).lexically_normal().string();
}

ExecConfig parse_exec(Reader& r, const YAML::Node& n, std::string_view where, std::string_view base_dir) {
  ExecConfig e;
  e.api_version = r.str(n, "apiVersion", where);
  e.command = r.str(n, "command", where);
  e.args = r.strings(n, "args", where);
  const YAML::Node env = Reader::field(n, "env");
  if (!Reader::absent(env)) {
    if (!env.IsSequence()) {
      r.set_error(fmt::format("{}: field \"env\" must be a list of {{name, value}}", where));
    } else {
      for (const auto& item : env) {
        if (!item.IsMap()) {
          r.set_error(fmt::format("{}: field \"env\" must be a list of {{name, value}}", where));
          break;
        }
        e.env.emplace_back(r.str(item, "name", where), r.str(item, "value", where));
      }
    }
  }
  e.install_hint = r.str(n, "installHint", where);
  e.provide_cluster_info = r.boolean(n, "provideClusterInfo", where);
  e.interactive_mode = r.str(n, "interactiveMode", where);
  // client-go SetDefaults_ExecConfig: the older API versions default to IfAvailable; v1 must
  // state it (checked when the context is used).
  if (e.interactive_mode.empty() && (e.api_version == "client.authentication.k8s.io/v1beta1" ||
                                     e.api_version == "client.authentication.k8s.io/v1alpha1")) {
    e.interactive_mode = "IfAvailable";
  }
  // Only a command with a path separator is a path; otherwise it is looked up in PATH.
  if (e.command.find('/') != std::string::npos) resolve(e.command, base_dir);
  return e;
}

ClusterEntry parse_cluster(Reader& r, const YAML::Node& n, std::string_view where, std::string_view base_dir) {
  ClusterEntry c;
  c.server = r.str(n, "server", where);
  c.certificate_authority = r.str(n, "certificate-authority", where);
  c.certificate_authority_data = r.data(n, "certificate-authority-data", where);
  c.insecure_skip_tls_verify = r.boolean(n, "insecure-skip-tls-verify", where);
  c.tls_server_name = r.str(n, "tls-server-name", where);
  c.proxy_url = r.str(n, "proxy-url", where);
  c.disable_compression = r.boolean(n, "disable-compression", where);
  resolve(c.certificate_authority, base_dir);
  return c;
}

UserEntry parse_user(Reader& r, const YAML::Node& n, std::string_view where, std::string_view base_dir) {
  UserEntry u;
  u.client_certificate = r.str(n, "client-certificate", where);
  u.client_certificate_data = r.data(n, "client-certificate-data", where);
  u.client_key = r.str(n, "client-key", where);
  u.client_key_data = r.data(n, "client-key-data", where);
  u.token = r.str(n, "token", where);
  u.token_file = r.str(n, "tokenFile", where);
  u.username = r.str(n, "username", where);
  u.password = r.str(n, "password", where);
  u.impersonate = r.str(n, "as", where);
  u.impersonate_groups = r.strings(n, "as-groups", where);
  const YAML::Node exec = r.object(n, "exec", where);
  if (exec.IsMap()) u.exec = parse_exec(r, exec, fmt::format("{}: exec", where), base_dir);
  const YAML::Node provider = r.object(n, "auth-provider", where);
  if (provider.IsMap()) {
    u.auth_provider = r.str(provider, "name", fmt::format("{}: auth-provider", where));
    if (u.auth_provider.empty()) u.auth_provider = "(unnamed)";
  }
  resolve(u.client_certificate, base_dir);
  resolve(u.client_key, base_dir);
  resolve(u.token_file, base_dir);
  return u;
}

ContextEntry parse_context(Reader& r, const YAML::Node& n, std::string_view where) {
  ContextEntry c;
  c.cluster = r.str(n, "cluster", where);
  c.user = r.str(n, "user", where);
  c.ns = r.str(n, "namespace", where);
  return c;
}

// clusters / users / contexts: a list of {name, <body>}; a name twice in one file is an error
// (as in client-go's conversion of the named lists into maps).
template <class Entry, class Parse>
void parse_list(Reader& r, const YAML::Node& root, const char* list, const char* body, const char* kind,
                std::map<std::string, Entry, std::less<>>& out, Parse parse) {
  const YAML::Node n = Reader::field(root, list);
  if (Reader::absent(n)) return;
  if (!n.IsSequence()) {
    r.set_error(fmt::format("field \"{}\" must be a list", list));
    return;
  }
  std::size_t index = 0;
  for (const auto& item : n) {
    if (r.error) return;
    if (!item.IsMap()) {
      r.set_error(fmt::format("{}[{}] must be a map with \"name\" and \"{}\"", list, index, body));
      return;
    }
    std::string name = r.str(item, "name", fmt::format("{}[{}]", list, index));
    const std::string where = fmt::format("{} \"{}\"", kind, name);
    const YAML::Node entry = r.object(item, body, where);
    Entry parsed = parse(entry, where);
    if (r.error) return;
    if (!out.try_emplace(std::move(name), std::move(parsed)).second) {
      r.set_error(fmt::format("duplicate {} name \"{}\"", kind, name));  // try_emplace left `name` intact
      return;
    }
    ++index;
  }
}

// Reads a whole file. ENOENT is reported as Errc::not_found (a missing file in the KUBECONFIG
// list is skipped); any other failure as invalid_argument with the system's reason.
Result<std::string> read_file(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    const int err = errno;
    return fail(err == ENOENT ? Errc::not_found : Errc::invalid_argument,
                std::error_code(err, std::generic_category()).message());
  }
  std::string out;
  char buf[8192];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  const bool failed = std::ferror(f) != 0;
  const int err = errno;
  std::fclose(f);
  if (failed) return fail(Errc::invalid_argument, std::error_code(err, std::generic_category()).message());
  return out;
}

std::string known_contexts(const Kubeconfig& config) {
  if (config.contexts.empty()) return "none";
  std::vector<std::string> names;  // std::map keeps them sorted
  for (const auto& [name, _] : config.contexts) names.push_back(name);
  return fmt::format("{}", fmt::join(names, ", "));
}

// A PEM from *-data (which wins, as in client-go) or else from the file at `path`.
Result<std::string> pem(const std::string& data, const std::string& path, std::string_view context,
                        std::string_view what, std::string_view owner) {
  if (!data.empty() || path.empty()) return data;
  auto text = read_file(path);
  if (!text) {
    return fail(Errc::invalid_argument, fmt::format("context \"{}\": cannot read {} file \"{}\" of {}: {}", context,
                                                    what, path, owner, text.error().message));
  }
  return std::move(*text);
}

}  // namespace

LoadingRules default_loading_rules(std::string explicit_path) {
  LoadingRules rules;
  rules.explicit_path = std::move(explicit_path);
  const char* env = std::getenv("KUBECONFIG");
  if (env != nullptr && *env != '\0') {
    // filepath.SplitList, then client-go's deduplicate (first occurrence kept); empty entries
    // carry no file and are dropped.
    std::set<std::string, std::less<>> seen;
    std::string_view rest(env);
    while (true) {
      const auto colon = rest.find(':');
      const std::string_view entry = rest.substr(0, colon);
      if (!entry.empty() && seen.emplace(entry).second) rules.precedence.emplace_back(entry);
      if (colon == std::string_view::npos) break;
      rest.remove_prefix(colon + 1);
    }
  } else if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    rules.precedence.push_back((fs::path(home) / ".kube" / "config").string());
  }
  return rules;
}

Result<Kubeconfig> parse_kubeconfig(std::string_view text, std::string_view base_dir) {
  Kubeconfig config;
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    // The parser's messages describe the syntax, not the (possibly secret) content.
    return fail(Errc::invalid_argument, fmt::format("not valid YAML or JSON (line {}, column {}: {})", e.mark.line + 1,
                                                    e.mark.column + 1, e.msg));
  }
  if (!root.IsDefined() || root.IsNull()) return config;  // an empty file is an empty config
  if (!root.IsMap()) return fail(Errc::invalid_argument, "not a kubeconfig: the document is not a map");

  Reader r;
  try {
    parse_list(r, root, "clusters", "cluster", "cluster", config.clusters,
               [&](const YAML::Node& n, std::string_view where) { return parse_cluster(r, n, where, base_dir); });
    parse_list(r, root, "users", "user", "user", config.users,
               [&](const YAML::Node& n, std::string_view where) { return parse_user(r, n, where, base_dir); });
    parse_list(r, root, "contexts", "context", "context", config.contexts,
               [&](const YAML::Node& n, std::string_view where) { return parse_context(r, n, where); });
    config.current_context = r.str(root, "current-context", "kubeconfig");
  } catch (const YAML::Exception& e) {
    return fail(Errc::invalid_argument, fmt::format("not a valid kubeconfig (line {}: {})", e.mark.line + 1, e.msg));
  }
  if (r.error) return std::unexpected(std::move(*r.error));
  return config;
}

Result<Kubeconfig> load_kubeconfig(const LoadingRules& rules) {
  const bool is_explicit = !rules.explicit_path.empty();
  const std::vector<std::string> files = is_explicit ? std::vector<std::string>{rules.explicit_path} : rules.precedence;

  Kubeconfig merged;
  std::set<std::string, std::less<>> seen;
  for (const auto& file : files) {
    if (file.empty() || !seen.insert(file).second) continue;
    auto text = read_file(file);
    if (!text) {
      if (text.error().code == Errc::not_found) {
        if (is_explicit) return fail(Errc::not_found, fmt::format("kubeconfig file \"{}\" does not exist", file));
        continue;  // a missing file in the list is skipped
      }
      return fail(Errc::invalid_argument,
                  fmt::format("cannot read kubeconfig file \"{}\": {}", file, text.error().message));
    }
    std::error_code ec;
    fs::path absolute = fs::absolute(fs::path(file), ec);
    if (ec) absolute = fs::path(file);
    const std::string base_dir = absolute.lexically_normal().parent_path().string();

    auto one = parse_kubeconfig(*text, base_dir);
    if (!one) {
      return fail(one.error().code, fmt::format("kubeconfig file \"{}\": {}", file, one.error().message));
    }
    // The first file that defines a name wins (whole entries, never field by field); the
    // first file that sets current-context wins.
    for (auto& [name, c] : one->clusters) merged.clusters.try_emplace(name, std::move(c));
    for (auto& [name, u] : one->users) merged.users.try_emplace(name, std::move(u));
    for (auto& [name, c] : one->contexts) merged.contexts.try_emplace(name, std::move(c));
    if (merged.current_context.empty()) merged.current_context = std::move(one->current_context);
    merged.files.push_back(file);
  }
  return merged;
}

Result<RestConfig> rest_config_for(const Kubeconfig& config, std::string_view context) {
  const std::string name(context.empty() ? std::string_view(config.current_context) : context);
  if (name.empty()) {
    return fail(Errc::invalid_argument,
                fmt::format("no current-context is set; pass a context (known: {})", known_contexts(config)));
  }
  const auto ctx_it = config.contexts.find(name);
  if (ctx_it == config.contexts.end()) {
    return fail(Errc::not_found,
                fmt::format("context \"{}\" not found in the kubeconfig (known: {})", name, known_contexts(config)));
  }
  const ContextEntry& ctx = ctx_it->second;

  RestConfig rc;
  rc.context = name;
  rc.cluster_name = ctx.cluster;
  rc.user_name = ctx.user;
  if (!ctx.ns.empty()) rc.ns = ctx.ns;

  // Cluster.
  if (ctx.cluster.empty()) return fail(Errc::invalid_argument, fmt::format("context \"{}\" names no cluster", name));
  const auto cl_it = config.clusters.find(ctx.cluster);
  if (cl_it == config.clusters.end()) {
    return fail(Errc::not_found,
                fmt::format("context \"{}\": cluster \"{}\" not found in the kubeconfig", name, ctx.cluster));
  }
  const ClusterEntry& cluster = cl_it->second;
  const std::string cluster_owner = fmt::format("cluster \"{}\"", ctx.cluster);
  if (cluster.server.empty()) {
    return fail(Errc::invalid_argument, fmt::format("context \"{}\": no server found for {}", name, cluster_owner));
  }
  const bool has_ca = !cluster.certificate_authority.empty() || !cluster.certificate_authority_data.empty();
  if (cluster.insecure_skip_tls_verify && has_ca) {
    return fail(Errc::invalid_argument,
                fmt::format("context \"{}\": {} sets both insecure-skip-tls-verify and a certificate authority; "
                            "specifying a root certificates file with the insecure flag is not allowed",
                            name, cluster_owner));
  }
  if (!cluster.proxy_url.empty()) {
    // client-go accepts http, https and socks5 proxies. The URL is not repeated: it may hold
    // credentials (user:password@).
    const auto sep = cluster.proxy_url.find("://");
    std::string scheme = sep == std::string::npos ? std::string() : cluster.proxy_url.substr(0, sep);
    std::ranges::transform(scheme, scheme.begin(),
                           [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    if (scheme != "http" && scheme != "https" && scheme != "socks5") {
      return fail(Errc::invalid_argument,
                  fmt::format("context \"{}\": invalid proxy-url for {}: the scheme must be http, https or socks5",
                              name, cluster_owner));
    }
  }
  auto ca = pem(cluster.certificate_authority_data, cluster.certificate_authority, name, "certificate-authority",
                cluster_owner);
  if (!ca) return std::unexpected(std::move(ca.error()));
  rc.ca_pem = std::move(*ca);
  rc.insecure_skip_tls_verify = cluster.insecure_skip_tls_verify;
  rc.tls_server_name = cluster.tls_server_name;
  rc.proxy_url = cluster.proxy_url;

  // User (none named = anonymous).
  bool client_tls = false;
  if (!ctx.user.empty()) {
    const auto us_it = config.users.find(ctx.user);
    if (us_it == config.users.end()) {
      return fail(Errc::not_found,
                  fmt::format("context \"{}\": user \"{}\" not found in the kubeconfig", name, ctx.user));
    }
    const UserEntry& user = us_it->second;
    const std::string user_owner = fmt::format("user \"{}\"", ctx.user);
    if (!user.auth_provider.empty()) {
      return fail(Errc::not_supported,
                  fmt::format("context \"{}\": {} uses the legacy auth-provider \"{}\", which is not supported; use an "
                              "exec credential plugin instead (client.authentication.k8s.io, e.g. "
                              "gke-gcloud-auth-plugin or kubelogin)",
                              name, user_owner, user.auth_provider));
    }
    const bool has_client_cert = !user.client_certificate.empty() || !user.client_certificate_data.empty();
    const bool has_client_key = !user.client_key.empty() || !user.client_key_data.empty();
    if (has_client_cert && !has_client_key) {
      return fail(Errc::invalid_argument,
                  fmt::format("context \"{}\": {} has a client certificate but no client-key or client-key-data", name,
                              user_owner));
    }
    if (has_client_key && !has_client_cert) {
      return fail(Errc::invalid_argument,
                  fmt::format("context \"{}\": {} has a client key but no client-certificate or "
                              "client-certificate-data",
                              name, user_owner));
    }
    const bool has_basic = !user.username.empty() || !user.password.empty();
    if (!user.token.empty() && has_basic) {
      return fail(Errc::invalid_argument,
                  fmt::format("context \"{}\": more than one authentication method found for {} (token, basicAuth); "
                              "only one is allowed",
                              name, user_owner));
    }
    if (!user.impersonate_groups.empty() && user.impersonate.empty()) {
      return fail(Errc::invalid_argument,
                  fmt::format("context \"{}\": {} requests impersonation groups (as-groups) without impersonating a "
                              "user (as)",
                              name, user_owner));
    }
    if (user.exec) {
      const ExecConfig& e = *user.exec;
      auto bad_exec = [&](std::string_view why) {
        return fail(Errc::invalid_argument,
                    fmt::format("context \"{}\": exec plugin of {}: {}", name, user_owner, why));
      };
      if (e.command.empty()) return bad_exec("command must be specified");
      if (e.api_version.empty()) return bad_exec("apiVersion must be specified");
      for (const auto& [var, _] : e.env) {
        if (var.empty()) return bad_exec("every env entry needs a name");
      }
      if (e.interactive_mode.empty())
        return bad_exec("interactiveMode must be specified (Never, IfAvailable or Always)");
      if (e.interactive_mode != "Never" && e.interactive_mode != "IfAvailable" && e.interactive_mode != "Always") {
        return bad_exec(
            fmt::format("invalid interactiveMode \"{}\" (Never, IfAvailable or Always)", e.interactive_mode));
      }
    }

    auto cert = pem(user.client_certificate_data, user.client_certificate, name, "client-certificate", user_owner);
    if (!cert) return std::unexpected(std::move(cert.error()));
    auto key = pem(user.client_key_data, user.client_key, name, "client-key", user_owner);
    if (!key) return std::unexpected(std::move(key.error()));
    rc.client_cert_pem = std::move(*cert);
    rc.client_key_pem = std::move(*key);
    client_tls = has_client_cert;
    // client-go: a token wins over tokenFile, but the file is kept so a rotated token is re-read.
    rc.token = user.token;
    rc.token_file = user.token_file;
    rc.username = user.username;
    rc.password = user.password;
    rc.impersonate = user.impersonate;
    rc.impersonate_groups = user.impersonate_groups;
    rc.exec = user.exec;
  }

  // client-go DefaultServerURL: a server without a scheme gets https:// when TLS is configured
  // (a CA, a client certificate or insecure-skip-tls-verify), else http://.
  rc.server = cluster.server;
  if (rc.server.find("://") == std::string::npos) {
    const bool tls = has_ca || client_tls || cluster.insecure_skip_tls_verify;
    rc.server = (tls ? "https://" : "http://") + rc.server;
  }
  return rc;
}

}  // namespace mcpk::kube
