#include "tools/render.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <cctype>

#include "core/time.hpp"

namespace mcpk::tools {
namespace {

constexpr std::size_t kMaxEnv = 10;

void erase_if_equals(json::object& o, std::string_view key, const json::value& def) {
  if (auto* v = o.if_contains(key); v && *v == def) o.erase(key);
}

void slim_probe(json::object& probe) {
  erase_if_equals(probe, "timeoutSeconds", 1);
  erase_if_equals(probe, "periodSeconds", 10);
  erase_if_equals(probe, "successThreshold", 1);
  erase_if_equals(probe, "failureThreshold", 3);
  if (auto* h = probe.if_contains("httpGet"); h && h->is_object()) erase_if_equals(h->get_object(), "scheme", "HTTP");
}

void slim_container(json::object& c) {
  erase_if_equals(c, "terminationMessagePath", "/dev/termination-log");
  erase_if_equals(c, "terminationMessagePolicy", "File");
  erase_if_equals(c, "resources", json::object{});
  for (auto key : {"livenessProbe", "readinessProbe", "startupProbe"}) {
    if (auto* p = c.if_contains(key); p && p->is_object()) slim_probe(p->get_object());
  }
  if (auto* mounts = c.if_contains("volumeMounts"); mounts && mounts->is_array()) {
    auto& arr = mounts->get_array();
    arr.erase(std::remove_if(arr.begin(), arr.end(),
                             [](const json::value& m) {
                               const auto* o = m.if_object();
                               return o &&
                                      string_or(*o, "mountPath") == "/var/run/secrets/kubernetes.io/serviceaccount";
                             }),
              arr.end());
    if (arr.empty()) c.erase("volumeMounts");
  }
  if (auto* env = c.if_contains("env"); env && env->is_array() && env->get_array().size() > kMaxEnv) {
    auto& arr = env->get_array();
    const auto total = arr.size();
    arr.resize(kMaxEnv);
    arr.push_back(json::object{
        {"name", "..."},
        {"value", fmt::format("{} more of {} variables not shown (output=full shows all)", total - kMaxEnv, total)}});
  }
}

void slim_pod_spec(json::object& spec) {
  erase_if_equals(spec, "schedulerName", "default-scheduler");
  erase_if_equals(spec, "dnsPolicy", "ClusterFirst");
  erase_if_equals(spec, "securityContext", json::object{});
  erase_if_equals(spec, "terminationGracePeriodSeconds", 30);
  erase_if_equals(spec, "restartPolicy", "Always");
  erase_if_equals(spec, "enableServiceLinks", true);
  erase_if_equals(spec, "preemptionPolicy", "PreemptLowerPriority");
  erase_if_equals(spec, "priority", 0);
  for (auto key : {"containers", "initContainers", "ephemeralContainers"}) {
    if (auto* cs = spec.if_contains(key); cs && cs->is_array()) {
      for (auto& c : cs->get_array()) {
        if (c.is_object()) slim_container(c.get_object());
      }
    }
  }
  if (auto* vols = spec.if_contains("volumes"); vols && vols->is_array()) {
    auto& arr = vols->get_array();
    arr.erase(std::remove_if(arr.begin(), arr.end(),
                             [](const json::value& v) {
                               const auto* o = v.if_object();
                               return o && string_or(*o, "name").starts_with("kube-api-access-");
                             }),
              arr.end());
    if (arr.empty()) spec.erase("volumes");
  }
  if (auto* tols = spec.if_contains("tolerations"); tols && tols->is_array()) {
    auto& arr = tols->get_array();
    arr.erase(
        std::remove_if(arr.begin(), arr.end(),
                       [](const json::value& t) {
                         const auto* o = t.if_object();
                         if (!o) return false;
                         const auto key = string_or(*o, "key");
                         return (key == "node.kubernetes.io/not-ready" || key == "node.kubernetes.io/unreachable") &&
                                find_int(*o, "tolerationSeconds") == 300;
                       }),
        arr.end());
    if (arr.empty()) spec.erase("tolerations");
  }
}

void slim_template(json::object& tmpl) {
  if (auto* meta = tmpl.if_contains("metadata"); meta && meta->is_object()) {
    erase_if_equals(meta->get_object(), "creationTimestamp", nullptr);
  }
  if (auto* spec = tmpl.if_contains("spec"); spec && spec->is_object()) slim_pod_spec(spec->get_object());
}

void slim_metadata(json::object& meta) {
  for (auto key :
       {"managedFields", "resourceVersion", "uid", "generation", "selfLink", "ownerReferences", "finalizers"}) {
    meta.erase(key);
  }
  if (auto* ann = meta.if_contains("annotations"); ann && ann->is_object()) {
    ann->get_object().erase("kubectl.kubernetes.io/last-applied-configuration");
    if (ann->get_object().empty()) meta.erase("annotations");
  }
}

void slim_conditions(json::object& status) {
  if (auto* conds = status.if_contains("conditions"); conds && conds->is_array()) {
    for (auto& c : conds->get_array()) {
      if (auto* o = c.if_object()) {
        for (auto key : {"lastTransitionTime", "lastUpdateTime", "lastProbeTime", "lastHeartbeatTime"}) o->erase(key);
      }
    }
  }
  if (auto* cs = status.if_contains("containerStatuses"); cs && cs->is_array()) {
    for (auto& c : cs->get_array()) {
      if (auto* o = c.if_object()) o->erase("imageID");
    }
  }
}

void slim_object(json::object& o) {
  if (auto* meta = o.if_contains("metadata"); meta && meta->is_object()) slim_metadata(meta->get_object());
  if (auto* status = o.if_contains("status"); status && status->is_object()) slim_conditions(status->get_object());
  auto* spec_v = o.if_contains("spec");
  if (!spec_v || !spec_v->is_object()) return;
  auto& spec = spec_v->get_object();
  if (string_or(o, "kind") == "Pod") slim_pod_spec(spec);
  erase_if_equals(spec, "revisionHistoryLimit", 10);
  erase_if_equals(spec, "progressDeadlineSeconds", 600);
  erase_if_equals(spec, "strategy",
                  json::object{{"type", "RollingUpdate"},
                               {"rollingUpdate", json::object{{"maxSurge", "25%"}, {"maxUnavailable", "25%"}}}});
  if (auto* t = spec.if_contains("template"); t && t->is_object()) slim_template(t->get_object());
  if (auto* jt = spec.if_contains("jobTemplate"); jt && jt->is_object()) {
    if (auto* js = jt->get_object().if_contains("spec"); js && js->is_object()) {
      if (auto* t = js->get_object().if_contains("template"); t && t->is_object()) slim_template(t->get_object());
    }
  }
}

// --- YAML ----------------------------------------------------------------------------------

bool plain_safe(std::string_view s) {
  if (s.empty() || s.size() > 200) return false;
  static constexpr std::string_view kWords[] = {"true", "false", "yes", "no", "on", "off", "null", "~", "y", "n"};
  std::string lower(s);
  std::ranges::transform(lower, lower.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (std::ranges::find(kWords, lower) != std::end(kWords)) return false;
  const char first = s.front();
  if (!(std::isalpha(static_cast<unsigned char>(first)) || first == '_' || first == '/' || first == '.')) return false;
  if (s.back() == ' ' || s.back() == ':') return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' || c == '/' || c == '(' ||
        c == ')' || c == '=' || c == '+' || c == ',' || c == '@') {
      continue;
    }
    if (c == ' ' && i + 1 < s.size() && s[i + 1] != '#') continue;
    if (c == ':' && i + 1 < s.size() && s[i + 1] != ' ') continue;
    return false;
  }
  return true;
}

void emit_scalar(std::string& out, const json::value& v) {
  if (v.is_string()) {
    std::string_view s = v.get_string();
    if (plain_safe(s)) {
      out += s;
    } else {
      out += json::serialize(v);  // a JSON string literal is a valid YAML double-quoted scalar
    }
  } else if (v.is_null()) {
    out += "null";
  } else {
    out += json::serialize(v);
  }
}

void emit(std::string& out, const json::value& v, int indent, bool in_list_item);

void emit_key(std::string& out, std::string_view key) {
  const json::value k(key);
  emit_scalar(out, k);
  out += ':';
}

void emit_object(std::string& out, const json::object& o, int indent, bool first_inline) {
  bool first = true;
  for (const auto& kv : o) {
    if (!(first && first_inline)) out.append(static_cast<std::size_t>(indent), ' ');
    first = false;
    emit_key(out, kv.key());
    const auto& val = kv.value();
    if (val.is_object() && !val.get_object().empty()) {
      out += '\n';
      emit_object(out, val.get_object(), indent + 2, false);
    } else if (val.is_array() && !val.get_array().empty()) {
      out += '\n';
      emit(out, val, indent, false);
    } else if (val.is_string() && val.get_string().find('\n') != json::string::npos) {
      out += " |-\n";
      std::string_view s = val.get_string();
      std::size_t pos = 0;
      while (pos <= s.size()) {
        auto nl = s.find('\n', pos);
        auto line = s.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
        out.append(static_cast<std::size_t>(indent + 2), ' ');
        out += line;
        out += '\n';
        if (nl == std::string_view::npos) break;
        pos = nl + 1;
      }
    } else {
      out += ' ';
      if (val.is_object()) {
        out += "{}";
      } else if (val.is_array()) {
        out += "[]";
      } else {
        emit_scalar(out, val);
      }
      out += '\n';
    }
  }
}

void emit(std::string& out, const json::value& v, int indent, bool) {
  if (v.is_object()) {
    if (v.get_object().empty()) {
      out += "{}\n";
      return;
    }
    emit_object(out, v.get_object(), indent, false);
  } else if (v.is_array()) {
    if (v.get_array().empty()) {
      out += "[]\n";
      return;
    }
    for (const auto& item : v.get_array()) {
      out.append(static_cast<std::size_t>(indent), ' ');
      out += "- ";
      if (item.is_object() && !item.get_object().empty()) {
        emit_object(out, item.get_object(), indent + 2, true);
      } else if (item.is_array() && !item.get_array().empty()) {
        out += '\n';
        emit(out, item, indent + 2, true);
      } else {
        if (item.is_object()) {
          out += "{}";
        } else if (item.is_array()) {
          out += "[]";
        } else {
          emit_scalar(out, item);
        }
        out += '\n';
      }
    }
  } else {
    emit_scalar(out, v);
    out += '\n';
  }
}

std::string cell_text(const json::value& cell, std::string_view type, std::string_view format) {
  if (cell.is_null()) return "<none>";
  if (cell.is_string()) {
    std::string_view s = cell.get_string();
    if ((type == "date" || format == "date-time") && s.size() >= 20) {
      if (auto t = parse_rfc3339(s)) {
        // In seconds: nanoseconds would overflow for times more than 292 years ago.
        using std::chrono::floor;
        using std::chrono::seconds;
        return format_age(floor<seconds>(std::chrono::system_clock::now()) - floor<seconds>(*t));
      }
    }
    return s.empty() ? "<none>" : std::string(s);
  }
  if (cell.is_array()) {
    std::string out;
    for (const auto& x : cell.get_array()) {
      if (!out.empty()) out += ',';
      out += x.is_string() ? std::string(x.get_string()) : json::serialize(x);
    }
    return out.empty() ? "<none>" : out;
  }
  return json::serialize(cell);
}

}  // namespace

void slim(json::value& v) {
  auto* o = v.if_object();
  if (!o) return;
  if (auto* items = o->if_contains("items"); items && items->is_array()) {
    for (auto& item : items->get_array()) slim(item);
  }
  slim_object(*o);
}

std::string to_yaml(const json::value& v) {
  std::string out;
  emit(out, v, 0, false);
  return out;
}

std::string align_columns(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> width;
  for (const auto& row : rows) {
    if (width.size() < row.size()) width.resize(row.size(), 0);
    for (std::size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line.append(width[i] - row[i].size() + 3, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line;
    out += '\n';
  }
  return out;
}

std::string render_table(const json::object& table, bool with_namespace) {
  return align_columns(table_rows(table, with_namespace));
}

std::vector<std::vector<std::string>> table_rows(const json::object& table, bool with_namespace) {
  std::vector<std::size_t> cols;
  std::vector<std::string> header;
  std::vector<std::pair<std::string, std::string>> types;
  const auto* defs = find_array(table, "columnDefinitions");
  if (defs) {
    for (std::size_t i = 0; i < defs->size(); ++i) {
      const auto* d = (*defs)[i].if_object();
      if (!d || find_int(*d, "priority").value_or(0) != 0) continue;
      cols.push_back(i);
      std::string name(string_or(*d, "name"));
      std::ranges::transform(name, name.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
      header.push_back(std::move(name));
      types.emplace_back(std::string(string_or(*d, "type")), std::string(string_or(*d, "format")));
    }
  }
  std::vector<std::vector<std::string>> rows;
  if (with_namespace) header.insert(header.begin(), "NAMESPACE");
  rows.push_back(header);
  if (const auto* rs = find_array(table, "rows")) {
    for (const auto& rv : *rs) {
      const auto* r = rv.if_object();
      const auto* cells = r ? find_array(*r, "cells") : nullptr;
      if (!cells) continue;
      std::vector<std::string> row;
      if (with_namespace) {
        const auto* ns = find_path(rv, {"object", "metadata", "namespace"});
        row.push_back(ns && ns->is_string() ? std::string(ns->get_string()) : "");
      }
      for (std::size_t k = 0; k < cols.size(); ++k) {
        const auto i = cols[k];
        row.push_back(i < cells->size() ? cell_text((*cells)[i], types[k].first, types[k].second) : "");
      }
      rows.push_back(std::move(row));
    }
  }
  return rows;
}

}  // namespace mcpk::tools
