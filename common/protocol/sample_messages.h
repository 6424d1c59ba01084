#pragma once
// Test helper: one fully populated message of every type (every optional
// field set), for round-trip tests. Values respect the wire schema.
// Thread safety: pure functions.

#include <string_view>
#include <vector>

#include "common/protocol/envelope.h"

namespace rmgr::protocol::testing {

//! The repository password used by the samples (tests look for leaks of it).
inline constexpr std::string_view kSamplePassword = "correct-horse-battery-staple";
//! The secret environment value used by the samples.
inline constexpr std::string_view kSampleEnvSecret = "AKIA-very-secret-key-value";

//! An instant from RFC 3339 text; aborts on bad text (test constants only).
TimePoint At(std::string_view rfc3339);

//! A command.run with every field set.
CommandRun SampleCommandRun();

//! One envelope per message type, in Payload order.
std::vector<Envelope> SampleEnvelopes();

}  // namespace rmgr::protocol::testing
