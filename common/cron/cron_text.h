#pragma once
// Text helpers shared by the cron parser: Go's notion of white space (the
// reference splits fields with strings.Fields and trims with TrimSpace, both
// Unicode-aware) and quoting of user text for one-line error messages.
// Internal to common/cron. Thread safety: pure functions.

#include <string>
#include <string_view>
#include <vector>

namespace rmgr::cron {

//! Length in bytes of the Go white-space rune (unicode.IsSpace) starting at
//! `s[pos]`, or 0 when the rune there is not white space.
size_t GoSpaceLength(std::string_view s, size_t pos);

//! Go's strings.Fields: the non-empty runs between white-space runes.
std::vector<std::string_view> SplitGoFields(std::string_view s);

//! Go's strings.TrimSpace: `s` without leading and trailing white-space runes.
std::string_view TrimGoSpace(std::string_view s);

//! `s` in double quotes with control and non-ASCII bytes escaped (\n, \t, \xNN),
//! cut to 64 bytes with "..." so an error message stays one short line.
std::string Quote(std::string_view s);

}  // namespace rmgr::cron
