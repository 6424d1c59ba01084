#pragma once
// The frame: {"type": "...", "id": "<ulid or empty>", "payload": {...}} — one
// per WebSocket text frame. Encode turns an Envelope into a frame; Decode
// checks a frame strictly against the schema and never throws.
//
// Decode errors (rmgr::Error, no secrets in the message):
//   kTooLarge     frame over DecodeLimits::max_frame_bytes, or nested too deep
//   kMalformed    not JSON
//   kWrongType    a value of the wrong JSON type (the frame itself not an object)
//   kUnknownType  "type" names no message
//   kMissingField a required field is absent
//   kOutOfRange   a value breaks its rule: range, length, enum name, RFC 3339,
//                 ULID shape, too many list items, or a kind's required option
//   kUnknownField a field the message does not define
//   kInternal     out of memory
// Error::field is the path of the offending value, e.g.
// "payload.schedules[2].cron". A key repeated within one object is not an
// error: the last one wins (Boost.JSON's behaviour).
//
// Thread safety: pure functions.

#include <cstddef>
#include <iosfwd>
#include <span>
#include <string>
#include <string_view>

#include "common/protocol/limits.h"
#include "common/protocol/messages.h"
#include "common/result.h"

namespace rmgr::protocol {

//! One frame: a correlation id and a typed payload.
struct Envelope {
  std::string id{};   ///< ULID correlating a request and its answer, or empty.
  Payload payload{};  ///< The message; its type gives the envelope "type".

  friend bool operator==(const Envelope&, const Envelope&) = default;
};

//! Limits applied by Decode before and while parsing.
struct DecodeLimits {
  std::size_t max_frame_bytes = limits::kMaxFrameBytes;  ///< Larger frames are kTooLarge.
  std::size_t max_depth = limits::kMaxDepth;             ///< Deeper JSON nesting is kTooLarge.
  // Decoding is strict: agent and server ship together. A forward-compatible
  // mode (to let an old peer accept a newer one) would be a flag here that
  // makes the reader skip its unknown-field check; nothing else changes.
};

//! Envelope "type" of a payload, e.g. "schedule.fire".
std::string_view TypeName(const Payload& payload);

//! Every message type, in Payload alternative order.
std::span<const std::string_view> TypeNames();

//! The frame text. Strings are made valid UTF-8 (U+FFFD for bad bytes);
//! display-only text (error, log lines, current_files) is cut to its limit;
//! times are clamped to the wire range; non-finite numbers are written as 0.
//! Other schema rules are the sender's job: Encode writes what it is given
//! and the peer's Decode judges it (see Validate). Throws only std::bad_alloc.
std::string Encode(const Envelope& envelope);

//! Whether the peer will accept `envelope`: the error Decode(Encode(envelope))
//! would report, if any. For senders that must not emit a frame the peer
//! rejects forever (the agent's outbox checks a job.result before storing it).
Result<void> Validate(const Envelope& envelope);

//! Strict decode of one frame; never throws.
Result<Envelope> Decode(std::string_view frame, const DecodeLimits& limits = {});

//! The frame with every Secret replaced by "<redacted>", cut to about
//! `max_bytes`: the form to put in logs and debug output.
std::string Describe(const Envelope& envelope, std::size_t max_bytes = 1024);

//! Writes Describe(envelope) (so test failures and logs never show secrets).
std::ostream& operator<<(std::ostream& os, const Envelope& envelope);

}  // namespace rmgr::protocol
