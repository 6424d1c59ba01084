#pragma once
// ULIDs: 26-character, time-ordered, random identifiers for jobs, hosts,
// schedules and envelopes. Thread safety: NewUlid is safe from any thread.

#include <string>
#include <string_view>

#include "common/util/time_format.h"

namespace rmgr {

//! A fresh ULID for the given instant (default: now), Crockford base32, upper case.
//! Ids this process makes in one millisecond increase in the order they are made.
std::string NewUlid(TimePoint at = Clock::now());

//! True when `text` has the shape of a ULID (26 Crockford base32 characters).
bool IsUlid(std::string_view text);

}  // namespace rmgr
