#include "common/labels/labels.h"

#include <algorithm>

namespace rmgr::labels {
namespace {

bool LowerOrDigit(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}
bool Alnum(char c) {
  return LowerOrDigit(c) || (c >= 'A' && c <= 'Z');
}

std::string_view Trim(std::string_view text) {
  const auto blank = [](char c) { return c == ' ' || c == '\t'; };
  while (!text.empty() && blank(text.front())) text.remove_prefix(1);
  while (!text.empty() && blank(text.back())) text.remove_suffix(1);
  return text;
}

Error BadSelector(std::string_view term, std::string_view why) {
  return MakeError(ErrorCode::kInvalidArgument,
                   "selector term \"" + std::string(term) + "\": " + std::string(why), "selector");
}

constexpr std::string_view kKeyRule =
    "a label key is 1-63 of a-z 0-9 . _ / - and starts with a letter or digit";
constexpr std::string_view kValueRule = "a label value is 1-63 of A-Z a-z 0-9 . _ -";

}  // namespace

bool IsKey(std::string_view text) {
  if (text.empty() || text.size() > kMaxPartBytes || !LowerOrDigit(text.front())) return false;
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return LowerOrDigit(c) || c == '.' || c == '_' || c == '/' || c == '-'; });
}

bool IsValue(std::string_view text) {
  if (text.empty() || text.size() > kMaxPartBytes) return false;
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return Alnum(c) || c == '.' || c == '_' || c == '-'; });
}

Result<void> Validate(const Labels& labels) {
  if (labels.size() > kMaxLabels) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "a host has at most " + std::to_string(kMaxLabels) + " labels", "labels");
  }
  for (const auto& [key, value] : labels) {
    if (!IsKey(key)) {
      return MakeError(ErrorCode::kInvalidArgument, "label \"" + key + "\": " + std::string(kKeyRule),
                       "labels");
    }
    if (!IsValue(value)) {
      return MakeError(ErrorCode::kInvalidArgument, "label \"" + key + "\": " + std::string(kValueRule),
                       "labels");
    }
  }
  return Ok();
}

Result<std::pair<std::string, std::string>> ParseLabel(std::string_view text) {
  const auto eq = text.find('=');
  if (eq == std::string_view::npos) {
    return MakeError(ErrorCode::kInvalidArgument, "a label is key=value, got \"" + std::string(text) + "\"",
                     "labels");
  }
  std::pair<std::string, std::string> label{std::string(text.substr(0, eq)),
                                            std::string(text.substr(eq + 1))};
  if (!IsKey(label.first)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "label \"" + std::string(text) + "\": " + std::string(kKeyRule), "labels");
  }
  if (!IsValue(label.second)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "label \"" + std::string(text) + "\": " + std::string(kValueRule), "labels");
  }
  return label;
}

Result<Selector> Selector::Parse(std::string_view text) {
  if (text.size() > kMaxSelectorBytes) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "a selector has at most " + std::to_string(kMaxSelectorBytes) + " bytes", "selector");
  }
  Selector selector;
  if (Trim(text).empty()) return selector;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    const std::string_view raw = Trim(text.substr(start, comma - start));
    start = comma + 1;
    if (raw.empty()) return BadSelector(raw, "empty term (two commas, or a comma at an end)");
    Term term;
    std::string_view key;
    if (const auto ne = raw.find("!="); ne != std::string_view::npos) {
      term.op = Op::kNotEquals;
      key = Trim(raw.substr(0, ne));
      term.value = std::string(Trim(raw.substr(ne + 2)));
    } else if (const auto eq = raw.find('='); eq != std::string_view::npos) {
      term.op = Op::kEquals;
      key = Trim(raw.substr(0, eq));
      std::string_view value = raw.substr(eq + 1);
      if (!value.empty() && value.front() == '=') value.remove_prefix(1);
      term.value = std::string(Trim(value));
    } else if (raw.front() == '!') {
      term.op = Op::kAbsent;
      key = Trim(raw.substr(1));
    } else {
      term.op = Op::kExists;
      key = raw;
    }
    if (!IsKey(key)) return BadSelector(raw, kKeyRule);
    if ((term.op == Op::kEquals || term.op == Op::kNotEquals) && !IsValue(term.value)) {
      return BadSelector(raw, kValueRule);
    }
    term.key = std::string(key);
    selector.terms_.push_back(std::move(term));
  }
  return selector;
}

bool Selector::Matches(const Labels& labels) const {
  return std::all_of(terms_.begin(), terms_.end(), [&](const Term& term) {
    const auto found = labels.find(term.key);
    switch (term.op) {
      case Op::kEquals:
        return found != labels.end() && found->second == term.value;
      case Op::kNotEquals:
        return found == labels.end() || found->second != term.value;
      case Op::kExists:
        return found != labels.end();
      case Op::kAbsent:
        return found == labels.end();
    }
    return false;
  });
}

std::string Selector::ToString() const {
  std::string out;
  for (const Term& term : terms_) {
    if (!out.empty()) out += ',';
    switch (term.op) {
      case Op::kEquals:
        out += term.key + "=" + term.value;
        break;
      case Op::kNotEquals:
        out += term.key + "!=" + term.value;
        break;
      case Op::kExists:
        out += term.key;
        break;
      case Op::kAbsent:
        out += "!" + term.key;
        break;
    }
  }
  return out;
}

}  // namespace rmgr::labels
