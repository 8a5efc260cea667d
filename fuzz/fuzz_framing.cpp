// HTTP framing checks (transport/framing.hpp). The input is read by Beast's request parser,
// as the server does, and the header it yields is judged by framing_error; the same bytes
// feed valid_host, media_type and accepts (Accept before the first '\n', the type after it).
#include <boost/asio/buffer.hpp>
#include <boost/beast/http.hpp>

#include "fuzz_util.hpp"
#include "transport/framing.hpp"

using namespace mcpk;
namespace http = boost::beast::http;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto text = fuzz::as_text(data, size);

  http::request_parser<http::empty_body> parser;
  parser.header_limit(16 * 1024);
  parser.eager(false);
  boost::system::error_code ec;
  parser.put(boost::asio::buffer(data, size), ec);
  if (parser.is_header_done()) (void)transport::framing_error(parser.get().base());

  if (transport::valid_host(text)) FUZZ_CHECK(!text.empty() && text.size() <= 261);

  const std::string mt = transport::media_type(text);
  FUZZ_CHECK(mt.size() <= text.size() && mt.find(';') == std::string::npos);
  FUZZ_CHECK(transport::media_type(mt) == mt);  // idempotent

  const auto nl = text.find('\n');
  const auto accept = text.substr(0, nl);
  const auto type = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
  (void)transport::accepts(accept, type);
  FUZZ_CHECK(transport::accepts("", type) && transport::accepts("*/*", type));
  return 0;
}
