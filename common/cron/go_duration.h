#pragma once
// Go's time.ParseDuration, byte for byte: `@every <duration>` in a cron
// expression is written in Go syntax ("1h30m", "90s", "1.5h", "-2m", "0").
// Thread safety: a pure function.

#include <chrono>
#include <string_view>

#include "common/result.h"

namespace rmgr::cron {

//! Parses a Go duration ("300ms", "-1.5h", "2h45m"; units ns us µs μs ms s m h)
//! with Go's rounding and overflow rules. Errors are kMalformed and quote the input.
Result<std::chrono::nanoseconds> ParseGoDuration(std::string_view text);

}  // namespace rmgr::cron
