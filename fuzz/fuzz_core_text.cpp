// Small parsers of core/: Go durations, RFC 3339 times, base64 and clip, each run on the whole
// input, with their round trips: format(parse(x)) parses back to the same value.
#include <chrono>

#include "core/base64.hpp"
#include "core/duration.hpp"
#include "core/text.hpp"
#include "core/time.hpp"
#include "fuzz_util.hpp"

using namespace mcpk;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto text = fuzz::as_text(data, size);

  if (const auto d = parse_duration(text)) {
    FUZZ_CHECK(d->count() >= 0);
    const auto again = parse_duration(format_duration(*d));
    FUZZ_CHECK(again && *again == *d);
  }

  if (const auto t = parse_rfc3339(text)) {
    const auto again = parse_rfc3339(format_rfc3339(*t));  // second precision
    FUZZ_CHECK(again);
    const auto diff = *t - *again;
    FUZZ_CHECK(diff < std::chrono::seconds(1) && diff > -std::chrono::seconds(1));
    // The age as src/tools/render.cpp computes it (whole seconds; in nanoseconds it overflowed
    // for times before ~1734: finding 5, now a unit test).
    namespace ch = std::chrono;
    (void)format_age(ch::floor<ch::seconds>(ch::system_clock::now()) - ch::floor<ch::seconds>(*t));
  }

  if (const auto bytes = base64_decode(text)) {
    const auto again = base64_decode(base64_encode(*bytes));
    FUZZ_CHECK(again && *again == *bytes);
  }
  const auto encoded = base64_encode(text);
  FUZZ_CHECK(encoded.size() % 4 == 0);
  const auto decoded = base64_decode(encoded);
  FUZZ_CHECK(decoded && *decoded == text);

  const std::size_t max = size ? data[0] : 64;
  const auto c = clip(text, max);
  FUZZ_CHECK(c.starts_with(text.substr(0, max)));
  FUZZ_CHECK(text.size() <= max ? c == text : c.size() <= max + 32);
  return 0;
}
