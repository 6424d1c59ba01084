#pragma once
// What a job carries for its command.run, as the server keeps it
// (store::Job::args_json, made from a schedule or a POST /jobs body): the
// forget policy and the kind's options, in exactly their wire form, so the
// dispatcher copies them into the CommandRun struct.
// Thread safety: value type and pure functions.

#include <optional>
#include <string>
#include <string_view>

#include "common/protocol/messages.h"
#include "common/result.h"

namespace rmgr::protocol {

//! A job's stored arguments: {"retention": ..., "options": ...}, each optional.
struct JobArgs {
  std::optional<Retention> retention{};  ///< The forget policy (forget jobs).
  std::optional<JobOptions> options{};   ///< Kind-specific options.

  friend bool operator==(const JobArgs&, const JobArgs&) = default;
};

//! Reads stored args with the wire rules (strict: unknown or invalid fields
//! are errors naming the field, e.g. "retention.keep_last").
Result<JobArgs> DecodeJobArgs(std::string_view text);

//! The stored JSON text of `args` (absent parts left out).
std::string EncodeJobArgs(const JobArgs& args);

}  // namespace rmgr::protocol
