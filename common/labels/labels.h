#pragma once
// Host labels (`role=laptop`, `site=berlin`) and the selectors that pick
// hosts by them (`role=laptop,site!=lab`). DESIGN.md "Fleet policy": labels
// are how an operator names kinds of machines; notification routing
// (issue 11) and policies (issue 14) select hosts with the same grammar, so it
// is spelled once here, below both the server and the CLI.
//
// Keys are lower-case: [a-z0-9][a-z0-9._/-]*, at most 63 bytes. Values are
// [A-Za-z0-9._-]+, at most 63 bytes. A host has at most kMaxLabels. These are
// narrow on purpose: a key or value never needs quoting in a selector, a
// JSON path, a URL query or a shell command.
//
// Selector grammar: terms separated by commas, blanks around a term ignored.
//   key=value   the host has the label with that value ("==" is the same)
//   key!=value  the host lacks the label or has another value
//   key         the host has the label, any value
//   !key        the host lacks the label
// All terms must hold. The empty selector selects every host.
// Thread safety: value types and pure functions.

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace rmgr::labels {

//! A host's labels, key → value, kept sorted by key.
using Labels = std::map<std::string, std::string>;

inline constexpr std::size_t kMaxLabels = 32;           ///< Labels on one host.
inline constexpr std::size_t kMaxPartBytes = 63;        ///< Bytes of a key or a value.
inline constexpr std::size_t kMaxSelectorBytes = 1024;  ///< Bytes of a selector.

//! True for a well-formed label key (see above; non-empty).
bool IsKey(std::string_view text);
//! True for a well-formed label value (see above; non-empty).
bool IsValue(std::string_view text);

//! Checks a whole label set: count, every key and value. The error names the
//! first bad entry.
Result<void> Validate(const Labels& labels);

//! Parses "key=value" (the CLI's and the enrollment config's form).
Result<std::pair<std::string, std::string>> ParseLabel(std::string_view text);

//! What one selector term asks of a label.
enum class Op {
  kEquals,     ///< key=value
  kNotEquals,  ///< key!=value
  kExists,     ///< key
  kAbsent,     ///< !key
};

//! One term of a selector.
struct Term {
  std::string key;  ///< Always a well-formed key.
  Op op = Op::kExists;
  std::string value;  ///< Empty for kExists and kAbsent.
  bool operator==(const Term&) const = default;
};

//! A parsed selector: every term must hold.
class Selector {
 public:
  //! Parses `text`; an error says which term is wrong and why.
  static Result<Selector> Parse(std::string_view text);

  //! True when `labels` satisfy every term (always, for the empty selector).
  bool Matches(const Labels& labels) const;
  //! The canonical spelling: terms in their given order, no blanks, "=" for
  //! equality. Parse(ToString()) gives the same selector back.
  std::string ToString() const;
  //! True for the selector that selects every host.
  bool empty() const { return terms_.empty(); }
  const std::vector<Term>& terms() const { return terms_; }

 private:
  std::vector<Term> terms_;
};

}  // namespace rmgr::labels
