#include "agent/executor/browse_run.h"

#include "agent/executor/restic_listing.h"
#include "agent/runner/restic_output.h"
#include "common/protocol/envelope.h"
#include "common/protocol/limits.h"

namespace rmgr::agent {
namespace {

namespace limits = protocol::limits;

//! Keeps the first entries that fit one frame (setting truncated when any are dropped).
void FitIntoFrame(protocol::BrowseResult& result) {
  auto& entries = result.entries;
  for (std::size_t size = protocol::Encode(protocol::Envelope{"", result}).size();
       size > limits::kMaxFrameBytes && !entries.empty();
       size = protocol::Encode(protocol::Envelope{"", result}).size()) {
    const std::size_t excess = entries.size() * (size - limits::kMaxFrameBytes) / size + 1;
    entries.resize(entries.size() - std::min(excess, entries.size()));
    result.truncated = true;
  }
}

}  // namespace

BrowseRun::BrowseRun(protocol::BrowseRequest request, const runner::ResticCommandConfig& config,
                     std::chrono::milliseconds cancel_grace)
    : request_(std::move(request)), config_(config), stop_(cancel_grace) {}

protocol::BrowseResult BrowseRun::Execute() {
  protocol::BrowseResult result{.request_id = request_.request_id};
  const auto invocation =
      runner::BuildLsCommand(request_.repository, request_.snapshot_id, request_.path, config_);
  if (!invocation.ok()) {
    result.error = invocation.error().message;
    return result;
  }
  runner::ResticOutputCollector collector;
  const auto exit = stop_.RunRestic(
      *invocation, request_.repository.password,
      [&](protocol::LogStream stream, std::string_view line) {
        if (stream == protocol::LogStream::kStderr) {
          collector.OnStderr(line);
          return;
        }
        auto entry = ParseLsNode(line, request_.path);
        if (!entry) return;
        if (result.entries.size() < limits::kMaxBrowseEntries) {
          result.entries.push_back(std::move(*entry));
        } else {
          result.truncated = true;  // keep reading: restic must run to EOF
        }
      },
      runner::kMaxLineBytes);
  if (!exit.ok()) {
    result.error = exit.error().message;
    return result;
  }
  if (exit->exit_code != 0 || exit->cancelled) {
    protocol::JobResult failed;
    collector.FillResult(exit->exit_code, exit->cancelled, failed);
    result.entries.clear();
    result.truncated = false;
    result.error = exit->cancelled ? "listing stopped: the agent is shutting down"
                                   : failed.error.value_or("restic ls failed");
    return result;
  }
  FitIntoFrame(result);
  return result;
}

}  // namespace rmgr::agent
