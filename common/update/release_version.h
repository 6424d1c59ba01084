#pragma once
// Release versions of the agent: what a bundle's manifest names, what an
// agent reports in hello and what the host list compares with the server's
// own version. A version is also a directory name on the agent
// (<state>/versions/<version>/), so its alphabet is closed.
// Thread safety: pure functions.

#include <string_view>

namespace rmgr::update {

//! The version this build of server and agent calls its own.
inline constexpr std::string_view kBuildVersion = "0.1.0";

//! 1..64 characters of [0-9A-Za-z.+-], starting with a digit or letter, no "..":
//! safe as a path component and in a URL path.
bool IsReleaseVersion(std::string_view version);

//! Orders dotted versions: numeric components compare as numbers, others as
//! text, a missing component is lower ("1.2" < "1.2.0" < "1.10"). A
//! pre-release suffix after '-' is not special-cased. <0, 0 or >0.
int CompareVersions(std::string_view a, std::string_view b);

}  // namespace rmgr::update
