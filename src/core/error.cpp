#include "core/error.hpp"

namespace mcpk {

const char* to_string(Errc code) noexcept {
  switch (code) {
    case Errc::invalid_argument:
      return "invalid_argument";
    case Errc::not_found:
      return "not_found";
    case Errc::forbidden:
      return "forbidden";
    case Errc::unauthenticated:
      return "unauthenticated";
    case Errc::conflict:
      return "conflict";
    case Errc::unavailable:
      return "unavailable";
    case Errc::timeout:
      return "timeout";
    case Errc::cancelled:
      return "cancelled";
    case Errc::too_large:
      return "too_large";
    case Errc::not_supported:
      return "not_supported";
    case Errc::internal:
      return "internal";
  }
  return "unknown";
}

}  // namespace mcpk
