#include "federation/capi.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "core/text.hpp"

namespace mcpk::federation {
namespace {

std::int64_t int_at(const json::object* o, std::string_view key) {
  if (!o) return -1;
  return find_int(*o, key).value_or(-1);
}

Replicas replicas_of(const json::object* o) {
  return {.desired = int_at(o, "desiredReplicas"),
          .current = int_at(o, "replicas"),
          .ready = int_at(o, "readyReplicas"),
          .available = int_at(o, "availableReplicas"),
          .up_to_date = int_at(o, "upToDateReplicas")};
}

const Condition* condition(const WorkloadCluster& c, std::string_view type) {
  for (const auto& x : c.conditions) {
    if (x.type == type) return &x;
  }
  return nullptr;
}

std::string count(std::int64_t n) { return n < 0 ? std::string("?") : std::to_string(n); }

std::string replicas_line(std::string_view what, const Replicas& r) {
  if (r.desired < 0 && r.current < 0 && r.ready < 0) return fmt::format("{}: no replica counts reported", what);
  return fmt::format("{}: {} desired, {} current, {} ready, {} available, {} up to date", what, count(r.desired),
                     count(r.current), count(r.ready), count(r.available), count(r.up_to_date));
}

}  // namespace

std::string provider_of(std::string_view kind) {
  auto k = std::string(kind);
  for (std::string_view suffix : {"Cluster", "Managed"}) {
    if (k.size() > suffix.size() && k.ends_with(suffix)) k.resize(k.size() - suffix.size());
  }
  return lower_ascii(k);
}

Result<WorkloadCluster> parse_cluster(const json::value& object) {
  if (!object.is_object()) return fail(Errc::invalid_argument, "a Cluster must be a JSON object");
  const auto& o = object.get_object();
  const auto* meta = find_object(o, "metadata");
  const auto name = meta ? string_or(*meta, "name") : std::string_view{};
  if (name.empty()) return fail(Errc::invalid_argument, "a Cluster without metadata.name");
  WorkloadCluster c;
  c.name = std::string(name);
  c.ns = std::string(string_or(*meta, "namespace"));
  c.api_version = std::string(string_or(o, "apiVersion"));
  c.created = std::string(string_or(*meta, "creationTimestamp"));
  c.deleting = find(*meta, "deletionTimestamp") != nullptr;
  if (const auto* labels = find_object(*meta, "labels")) {
    for (const auto& [k, v] : *labels) {
      if (v.is_string()) c.labels.emplace(std::string(k), std::string(v.get_string()));
    }
  }
  if (auto it = c.labels.find("giantswarm.io/organization"); it != c.labels.end()) {
    c.organization = it->second;
  } else {
    c.organization = c.ns.starts_with("org-") ? c.ns.substr(4) : c.ns;
  }

  static const json::object kEmpty;
  const auto* spec = find_object(o, "spec");
  const auto& sp = spec ? *spec : kEmpty;
  if (const auto* ep = find_object(sp, "controlPlaneEndpoint")) {
    c.endpoint_host = std::string(string_or(*ep, "host"));
    c.endpoint_port = find_int(*ep, "port").value_or(0);
  }
  if (const auto* infra = find_object(sp, "infrastructureRef")) c.provider = provider_of(string_or(*infra, "kind"));
  c.paused = find_bool(sp, "paused").value_or(false);
  if (const auto* topology = find_object(sp, "topology")) c.version = std::string(string_or(*topology, "version"));

  const auto* status = find_object(o, "status");
  const auto& st = status ? *status : kEmpty;
  c.phase = std::string(string_or(st, "phase"));
  if (const auto* init = find_object(st, "initialization")) {  // v1beta2
    c.infrastructure_ready = find_bool(*init, "infrastructureProvisioned").value_or(false);
    c.control_plane_initialized = find_bool(*init, "controlPlaneInitialized").value_or(false);
  } else {  // v1beta1
    c.infrastructure_ready = find_bool(st, "infrastructureReady").value_or(false);
    c.control_plane_initialized = find_bool(st, "controlPlaneReady").value_or(false);
  }
  // v1beta2 counts at status.controlPlane/workers; v1beta1 carries them under status.v1beta2.
  const auto* counts = find_object(st, "v1beta2");
  const auto& cs = counts ? *counts : st;
  c.control_plane = replicas_of(find_object(cs, "controlPlane"));
  c.workers = replicas_of(find_object(cs, "workers"));
  // The newer conditions (metav1.Condition) where both are present.
  const json::array* conditions = find_array(cs, "conditions");
  if (!conditions) conditions = find_array(st, "conditions");
  if (conditions) {
    for (const auto& x : *conditions) {
      if (!x.is_object()) continue;
      const auto& co = x.get_object();
      c.conditions.push_back({.type = std::string(string_or(co, "type")),
                              .status = std::string(string_or(co, "status")),
                              .reason = std::string(string_or(co, "reason")),
                              .message = clip(string_or(co, "message"), 300)});
    }
  }
  return c;
}

bool WorkloadCluster::ready() const {
  if (deleting) return false;
  for (std::string_view type : {"Available", "Ready"}) {
    if (const auto* x = condition(*this, type)) return x->status == "True";
  }
  return infrastructure_ready && control_plane_initialized && phase == "Provisioned";
}

std::string WorkloadCluster::status() const {
  if (deleting || phase == "Deleting") return "Deleting";
  if (phase == "Failed") return "Failed";
  if (paused) return "Paused";
  if (ready()) return "Ready";
  if (phase == "Pending" || phase == "Provisioning") return "Provisioning";
  return "NotReady";
}

std::vector<std::string> health_summary(const WorkloadCluster& c) {
  std::vector<std::string> lines;
  lines.push_back(fmt::format("status: {} (phase {})", c.status(), c.phase.empty() ? "unknown" : c.phase));
  lines.push_back(fmt::format("infrastructure: {}{}", c.infrastructure_ready ? "provisioned" : "not provisioned",
                              c.provider.empty() ? "" : fmt::format(" ({})", c.provider)));
  lines.push_back(fmt::format("control plane: {}; {}", c.control_plane_initialized ? "initialized" : "not initialized",
                              replicas_line("replicas", c.control_plane)));
  lines.push_back(replicas_line("workers", c.workers));
  if (c.endpoint_host.empty()) {
    lines.emplace_back("API endpoint: not set yet");
  } else {
    lines.push_back(fmt::format("API endpoint: {}:{}", c.endpoint_host, c.endpoint_port));
  }
  for (const auto& x : c.conditions) {
    if (x.status == "True" && x.type != "Paused" && x.type != "Deleting") continue;
    if (x.status != "True" && (x.type == "Paused" || x.type == "Deleting")) continue;  // negative-polarity: fine
    lines.push_back(fmt::format("condition {}={}{}{}", x.type, x.status, x.reason.empty() ? "" : " (" + x.reason + ")",
                                x.message.empty() ? "" : ": " + x.message));
  }
  return lines;
}

}  // namespace mcpk::federation
