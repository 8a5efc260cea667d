#include "core/version.hpp"

#include <fmt/format.h>
#include <openssl/opensslv.h>
#include <boost/version.hpp>

namespace mcpk {

const char* version() noexcept { return MCPK_VERSION; }

std::string version_line() {
  return fmt::format("mcp-kubernetes {} (g++ {}.{}.{}, Boost {}.{}.{}, {})", MCPK_VERSION, __GNUC__, __GNUC_MINOR__,
                     __GNUC_PATCHLEVEL__, BOOST_VERSION / 100000, BOOST_VERSION / 100 % 1000, BOOST_VERSION % 100,
                     OPENSSL_VERSION_TEXT);
}

}  // namespace mcpk
