// YAML text to JSON values (parse_yaml_documents, declared in manifest.hpp), built from
// yaml-cpp's event stream rather than its node tree, so that the hazards of untrusted text are
// bounded here:
// - aliases: every value produced, aliases' copies included, is charged to a budget of half
//   the text's bytes plus 10,000 (no "billion laughs");
// - yaml-cpp 0.7 makes no progress on a stray ',' (or other flow indicator) at the top level:
//   it returns empty documents forever, allocating each. No text holds more documents than its
//   "---" and "..." markers allow, so past that the parse stops with an error;
// - control characters (a NUL makes yaml-cpp guess UTF-32 and emit invalid UTF-8) are refused;
// - nesting deeper than 100 and mapping keys that are not scalars are refused.
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/parser.h>

#include <fmt/format.h>
#include <charconv>
#include <map>
#include <optional>
#include <regex>
#include <sstream>

#include "tools/manifest.hpp"

namespace mcpk::tools {
namespace {

constexpr std::size_t kMaxDepth = 100;

// A plain scalar typed as YAML 1.2's core schema reads it; a quoted one (tag "!") or one tagged
// !!str stays a string.
json::value scalar(const std::string& s, const std::string& tag) {
  if (tag == "!" || tag == "tag:yaml.org,2002:str") return json::value(s);
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  static const std::regex kInt(R"(^[-+]?[0-9]+$)");
  static const std::regex kFloat(R"(^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$)");
  if (s.size() < 40 && std::regex_match(s, kInt)) {
    std::int64_t v = 0;
    const char* b = s.data() + (s[0] == '+' ? 1 : 0);
    if (auto [p, ec] = std::from_chars(b, s.data() + s.size(), v); ec == std::errc{}) return v;
  }
  if (s.size() < 40 && std::regex_match(s, kFloat)) {
    try {
      return std::stod(s);  // out of double's range: std::out_of_range, kept as text
    } catch (const std::exception&) {
    }
  }
  return json::value(s);
}

// Thrown from the event handler to stop yaml-cpp's parser; caught in parse_yaml_documents.
struct Refused {
  std::string message;
};

class JsonBuilder final : public YAML::EventHandler {
 public:
  explicit JsonBuilder(std::size_t budget) : budget_(budget) {}

  /// The finished documents (null ones skipped).
  std::vector<json::value> documents;

  void OnDocumentStart(const YAML::Mark&) override {
    stack_.clear();
    root_.reset();
  }
  void OnDocumentEnd() override {
    if (root_ && !root_->is_null()) documents.push_back(std::move(*root_));
    root_.reset();
  }
  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override { add(nullptr, anchor, mark); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    auto it = anchors_.find(anchor);
    if (it == anchors_.end()) refuse(mark, "an alias names no anchor");
    charge(it->second.second, mark);
    add(it->second.first, YAML::NullAnchor, mark, /*charged=*/true);
  }
  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    add(scalar(value, tag), anchor, mark);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    open(json::array(), anchor, mark);
  }
  void OnSequenceEnd() override { close(); }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    open(json::object(), anchor, mark);
  }
  void OnMapEnd() override { close(); }

 private:
  struct Frame {
    json::value value;
    YAML::anchor_t anchor;
    std::optional<std::string> key;  // in a mapping: the key whose value comes next
  };

  [[noreturn]] static void refuse(const YAML::Mark& mark, std::string_view why) {
    throw Refused{fmt::format("invalid YAML at line {}, column {}: {}", mark.line + 1, mark.column + 1, why)};
  }

  void charge(std::size_t n, const YAML::Mark& mark) {
    if (n > budget_) {
      refuse(mark,
             "the YAML expands to far more values than its size holds (aliases repeated into a \"billion "
             "laughs\"); write the values out");
    }
    budget_ -= n;
  }

  // A map waiting for its key takes a scalar as the key; anything else is a value.
  bool wants_key() const {
    return !stack_.empty() && stack_.back().value.is_object() && !stack_.back().key.has_value();
  }

  void open(json::value empty, YAML::anchor_t anchor, const YAML::Mark& mark) {
    if (wants_key()) refuse(mark, "YAML mapping keys must be scalars");
    if (stack_.size() >= kMaxDepth) refuse(mark, "YAML nested too deeply");
    charge(1, mark);
    stack_.push_back(Frame{std::move(empty), anchor, std::nullopt});
  }

  void close() {
    Frame f = std::move(stack_.back());
    stack_.pop_back();
    remember(f.anchor, f.value);
    place(std::move(f.value));
  }

  void add(json::value v, YAML::anchor_t anchor, const YAML::Mark& mark, bool charged = false) {
    if (!charged) charge(1, mark);
    if (wants_key()) {
      if (!v.is_string()) refuse(mark, "YAML mapping keys must be scalars");
      remember(anchor, v);
      stack_.back().key = std::string(v.get_string());
      return;
    }
    remember(anchor, v);
    place(std::move(v));
  }

  void remember(YAML::anchor_t anchor, const json::value& v) {
    if (anchor != YAML::NullAnchor) anchors_[anchor] = {v, count_values(v)};
  }

  void place(json::value v) {
    if (stack_.empty()) {
      root_ = std::move(v);
      return;
    }
    auto& top = stack_.back();
    if (auto* a = top.value.if_array()) {
      a->push_back(std::move(v));
    } else {
      top.value.as_object()[*top.key] = std::move(v);
      top.key.reset();
    }
  }

  std::size_t budget_;
  std::vector<Frame> stack_;
  std::optional<json::value> root_;
  std::map<YAML::anchor_t, std::pair<json::value, std::size_t>> anchors_;
};

std::size_t occurrences(std::string_view text, std::string_view what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string_view::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

// YAML allows no control characters but tab, LF and CR (c-printable). A NUL would also make
// yaml-cpp guess UTF-16 or UTF-32 and decode valid UTF-8 text into invalid UTF-8 strings.
Result<void> check_printable(std::string_view text) {
  std::size_t line = 1, column = 1;
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F) {
      return fail(Errc::invalid_argument,
                  fmt::format("invalid YAML at line {}, column {}: control character U+{:04X} is not allowed", line,
                              column, c));
    }
    if (c == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return {};
}

}  // namespace

Result<std::vector<json::value>> parse_yaml_documents(std::string_view text) {
  if (auto ok = check_printable(text); !ok) return std::unexpected(ok.error());
  JsonBuilder builder(text.size() / 2 + 10'000);
  const std::size_t max_documents = occurrences(text, "---") + occurrences(text, "...") + 1;
  try {
    std::istringstream in{std::string(text)};
    YAML::Parser parser(in);
    for (std::size_t documents = 0; parser.HandleNextDocument(builder);) {
      if (++documents > max_documents) {
        return fail(Errc::invalid_argument,
                    "invalid YAML: the parser made no progress (a ',', ']' or '}' outside a flow collection?)");
      }
    }
  } catch (const Refused& r) {
    return fail(Errc::invalid_argument, r.message);
  } catch (const YAML::Exception& e) {
    return fail(Errc::invalid_argument,
                fmt::format("invalid YAML at line {}, column {}: {}", e.mark.line + 1, e.mark.column + 1, e.msg));
  }
  return std::move(builder.documents);
}

}  // namespace mcpk::tools
