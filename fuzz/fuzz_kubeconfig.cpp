// Kubeconfig parsing (kube/kubeconfig.hpp) and the restricted kubeconfig of a workload
// cluster's Secret (restricted_rest_config). For every context whose cluster and user name no
// file (the fuzzer must not make us read /dev/zero), the REST config is built too.
#include "fuzz_util.hpp"
#include "kube/kubeconfig.hpp"

using namespace mcpk;

namespace {

bool names_no_file(const kube::Kubeconfig& kc, const kube::ContextEntry& ctx) {
  if (const auto c = kc.clusters.find(ctx.cluster); c != kc.clusters.end() && !c->second.certificate_authority.empty())
    return false;
  if (const auto u = kc.users.find(ctx.user); u != kc.users.end()) {
    const auto& e = u->second;
    if (!e.client_certificate.empty() || !e.client_key.empty() || e.exec) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto text = fuzz::as_text(data, size);
  if (const auto kc = kube::parse_kubeconfig(text, "/nonexistent/fuzz")) {
    for (const auto& [name, ctx] : kc->contexts) {
      if (names_no_file(*kc, ctx)) (void)kube::rest_config_for(*kc, name);
    }
  }
  const auto r = kube::restricted_rest_config(text, "Secret fuzz/kubeconfig");
  if (r) {
    // Only inline data gets through: no file, no command, no proxy, https only.
    FUZZ_CHECK(!r->exec && r->proxy_url.empty() && r->impersonate.empty() && r->impersonate_groups.empty());
    FUZZ_CHECK(r->token_file.empty() && r->server.starts_with("https://"));
  } else {
    FUZZ_CHECK(r.error().message.starts_with("Secret fuzz/kubeconfig: "));
  }
  return 0;
}
