#pragma once
// Secret: a string that must never reach a log. Formatting it with fmt/spdlog
// or an ostream prints "<redacted>"; only Reveal() gives the value, and the
// one caller that needs it (the agent handing the password to restic over a
// pipe) says so at the call site. Secret is about not logging; it does not
// lock or wipe memory.
// Thread safety: a value type; no shared state.

#include <fmt/format.h>

#include <cstddef>
#include <iosfwd>
#include <string>
#include <string_view>
#include <utility>

namespace rmgr::schema {

//! A password or credential carried by a message.
class Secret {
 public:
  //! What every formatter prints instead of the value.
  static constexpr std::string_view kRedacted = "<redacted>";

  //! No secret.
  Secret() = default;
  //! Wraps `value`; the caller should not keep other copies around.
  explicit Secret(std::string value) : value_(std::move(value)) {}

  //! The secret itself; grep-able so every use can be reviewed.
  const std::string& Reveal() const { return value_; }
  //! True when no secret is set.
  bool empty() const { return value_.empty(); }
  //! Length in bytes (safe to log).
  std::size_t size() const { return value_.size(); }

  //! Compares values (in tests and the round-trip fuzzer).
  friend bool operator==(const Secret&, const Secret&) = default;

 private:
  std::string value_;
};

//! Prints "<redacted>", never the value.
std::ostream& operator<<(std::ostream& os, const Secret& secret);

}  // namespace rmgr::schema

//! fmt/spdlog print "<redacted>" for a Secret.
template <>
struct fmt::formatter<rmgr::schema::Secret> : fmt::formatter<std::string_view> {
  template <class FormatContext>
  auto format(const rmgr::schema::Secret&, FormatContext& ctx) const {
    return fmt::formatter<std::string_view>::format(rmgr::schema::Secret::kRedacted, ctx);
  }
};
