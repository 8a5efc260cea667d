// Helpers shared by the fuzz targets: an invariant check that aborts (libFuzzer saves the
// input), and JSON equality that tolerates Boost.JSON's imprecise double parsing.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "core/json.hpp"

#define FUZZ_CHECK(cond)                                                                \
  do {                                                                                  \
    if (!(cond)) {                                                                      \
      std::fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                     \
    }                                                                                   \
  } while (0)

namespace fuzz {

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

/// Whether every number in `v` is finite. Boost.JSON 1.81 reads an out-of-range number (1e400)
/// as infinity and writes it back as `Infinity`, which is not JSON (reported, see
/// docs/reliability.md): round trips are only checked on values without one.
inline bool finite(const mcpk::json::value& v) {
  if (v.is_double()) return std::isfinite(v.get_double());
  if (const auto* a = v.if_array()) {
    for (const auto& x : *a)
      if (!finite(x)) return false;
  }
  if (const auto* o = v.if_object()) {
    for (const auto& kv : *o)
      if (!finite(kv.value())) return false;
  }
  return true;
}

/// Same JSON value; two doubles only need to both be doubles (a parse→serialize→parse round
/// trip may move one by an ulp).
inline bool same(const mcpk::json::value& a, const mcpk::json::value& b) {
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case boost::json::kind::double_:
      return true;
    case boost::json::kind::array: {
      const auto &x = a.get_array(), &y = b.get_array();
      if (x.size() != y.size()) return false;
      for (std::size_t i = 0; i < x.size(); ++i)
        if (!same(x[i], y[i])) return false;
      return true;
    }
    case boost::json::kind::object: {
      const auto &x = a.get_object(), &y = b.get_object();
      if (x.size() != y.size()) return false;
      for (const auto& kv : x) {
        const auto* other = y.if_contains(kv.key());
        if (!other || !same(kv.value(), *other)) return false;
      }
      return true;
    }
    default:
      return a == b;
  }
}

}  // namespace fuzz
