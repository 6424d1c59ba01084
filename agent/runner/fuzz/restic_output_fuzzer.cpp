// libFuzzer harness for reading restic's output. An input is what restic
// wrote to a pipe: LineSplitter cuts it into lines as ResticProcess does, and
// every line goes where the agent sends it — a ResticOutputCollector as
// stdout and as stderr, and ParseLsNode (`ls --json`) for two directories; the whole
// input and every line go to ParseSnapshotList (`snapshots --json`). For any
// input nothing crashes or trips a sanitizer, and every message built from
// it is one the server accepts (protocol::Validate): the progress of a status
// line, the result for any exit code, a browse entry, the snapshot index.
// Built with -fsanitize=fuzzer under clang (RMGR_FUZZ=ON); the GCC build
// replays the committed corpus (cmake/Fuzzing.cmake).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "agent/executor/restic_listing.h"
#include "agent/runner/line_splitter.h"
#include "agent/runner/restic_output.h"
#include "agent/runner/restic_process.h"
#include "common/protocol/envelope.h"

namespace {

namespace protocol = rmgr::protocol;
using rmgr::agent::runner::LineSplitter;
using rmgr::agent::runner::ResticOutputCollector;
using rmgr::agent::runner::StdoutKind;

constexpr std::string_view kJobId = "01HZX3P0000000000000000J0B";
constexpr std::string_view kRequestId = "01HZX3P000000000000000REQ1";

[[noreturn]] void Die(const char* what, std::string_view detail) {
  std::fprintf(stderr, "restic_output_fuzzer: %s\n%.*s\n", what, static_cast<int>(detail.size()),
               detail.data());
  std::abort();
}

void MustValidate(const protocol::Payload& payload, const char* what, std::string_view line) {
  if (auto valid = protocol::Validate(protocol::Envelope{"", payload}); !valid.ok()) {
    Die(what, valid.error().Describe() + "\nline: " + std::string(line));
  }
}

void CheckSnapshotList(std::string_view text) {
  auto list = rmgr::agent::ParseSnapshotList(text);
  if (!list.ok()) return;
  if (!std::is_sorted(list->snapshots.begin(), list->snapshots.end(),
                      [](const auto& a, const auto& b) { return a.time < b.time; })) {
    Die("snapshot list is not oldest first", text);
  }
  // Each snapshot was checked alone; the index as a whole must pass too.
  protocol::JobResult result{.job_id = std::string(kJobId), .status = protocol::JobStatus::kSucceeded};
  result.snapshot_index =
      protocol::SnapshotIndex{.complete = list->skipped == 0, .snapshots = list->snapshots};
  if (list->snapshots.size() <= protocol::limits::kMaxSnapshots) {
    MustValidate(result, "snapshot index rejected", text);
  }
}

void CheckLsNode(std::string_view line, std::string_view dir) {
  auto entry = rmgr::agent::ParseLsNode(line, dir);
  if (!entry) return;
  protocol::BrowseResult result{.request_id = std::string(kRequestId), .entries = {*entry}};
  MustValidate(result, "browse entry rejected", line);
}

void CheckStdoutLine(ResticOutputCollector& collector, std::string_view line) {
  auto parsed = collector.OnStdout(line);
  if (parsed.kind != StdoutKind::kStatus) return;
  parsed.progress.job_id = std::string(kJobId);
  MustValidate(parsed.progress, "progress rejected", line);
}

// One result per job status FillResult can give.
void CheckResults(const ResticOutputCollector& collector, std::string_view input) {
  for (const auto& [exit_code, cancelled] :
       {std::pair{0, false}, {3, false}, {1, false}, {130, false}, {-1, true}}) {
    protocol::JobResult result{.job_id = std::string(kJobId)};
    collector.FillResult(exit_code, cancelled, result);
    MustValidate(result, "job result rejected", input);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> lines;
  const rmgr::agent::runner::LineCallback keep = [&](protocol::LogStream, std::string_view line) {
    lines.emplace_back(line);
  };
  {
    // Cut where restic's pipe reads might: the splitter must not care.
    LineSplitter splitter(protocol::LogStream::kStdout, keep, rmgr::agent::runner::kMaxLineBytes);
    const std::size_t chunk = size == 0 ? 1 : 1 + data[0] % 61;
    for (std::size_t at = 0; at < size; at += chunk) splitter.Feed(input.substr(at, chunk));
    splitter.Finish();
  }

  // Like JobRun, one collector for both streams; here every line is both.
  ResticOutputCollector collector;
  for (const auto& line : lines) {
    if (line.size() > rmgr::agent::runner::kMaxLineBytes || line.find('\n') != std::string::npos) {
      Die("LineSplitter delivered an over-long or multi-line line", line);
    }
    CheckStdoutLine(collector, line);
    collector.OnStderr(line);
    CheckLsNode(line, "/");
    CheckLsNode(line, "/srv/data/");
    CheckSnapshotList(line);
  }
  CheckSnapshotList(input);
  CheckResults(collector, input);
  return 0;
}
