// JobRun's measuring jobs: the restore size a stats job adds after raw-data,
// and the restore drill (sample, restore into scratch, compare). The rest of
// a job's run is in job_run.cpp.
#include <map>
#include <random>
#include <set>
#include <system_error>

#include "agent/executor/drill_check.h"
#include "agent/executor/job_run.h"
#include "agent/runner/restic_stats.h"
#include "common/util/log.h"

namespace rmgr::agent {

using protocol::ErrorKind;
using protocol::JobKind;
using protocol::LogStream;

void JobRun::MeasureRestoreSize(const runner::ResticOutputCollector& collector) {
  // raw-data printed one object (restic 0.16+ may print more lines: the last object wins).
  std::optional<runner::StatsOutput> raw_data;
  std::string why = "restic stats printed no JSON object";
  for (const auto& line : collector.json_lines()) {
    auto parsed = runner::ParseStatsOutput(line);
    if (parsed) {
      raw_data = *parsed;
    } else {
      why = parsed.error().message;
    }
  }
  if (!raw_data) {
    Fail(ErrorKind::kOther, why);
    Note(why);
    return;
  }
  // The latest snapshot of each host × paths, as `restic snapshots --latest 1` groups them.
  auto list = ListSnapshots(std::nullopt);
  if (!list) {
    if (stop_.reason()) {
      EndStopped();
      return;
    }
    Fail(ErrorKind::kOther, "cannot list the snapshots for their restore size: " + list.error().message);
    Note(*result_.error);
    return;
  }
  std::map<std::pair<std::string, std::set<std::string>>, const protocol::SnapshotInfo*> latest;
  for (const auto& snapshot : list->snapshots) {
    const auto key =
        std::pair(snapshot.hostname, std::set<std::string>(snapshot.paths.begin(), snapshot.paths.end()));
    auto& slot = latest[key];
    if (slot == nullptr || slot->time <= snapshot.time) slot = &snapshot;
  }
  std::vector<std::string> ids;
  for (const auto& [key, snapshot] : latest) ids.push_back(snapshot->id);
  runner::StatsOutput restore_size;
  if (!ids.empty()) {
    auto invocation = runner::BuildRestoreSizeCommand(run_.repository, ids, options_.restic);
    if (!invocation) {
      Fail(ErrorKind::kOther, invocation.error().message);
      return;
    }
    runner::ResticOutputCollector side;
    std::optional<Result<runner::StatsOutput>> parsed;
    const auto exit = RunSideRestic(
        *invocation,
        [&](std::string_view line) {
          if (line.starts_with('{')) parsed = runner::ParseStatsOutput(line);
        },
        side, runner::kMaxLineBytes);
    if (!exit) {
      Fail(ErrorKind::kOther, exit.error().message);
      return;
    }
    if (exit->exit_code != 0 || exit->cancelled) {
      FailFromRestic(side, *exit, "restic stats --mode restore-size");
      return;
    }
    if (!parsed || !*parsed) {
      Fail(ErrorKind::kOther, parsed ? parsed->error().message : "restic stats printed no JSON object");
      Note(*result_.error);
      return;
    }
    restore_size = **parsed;
  }
  result_.stats = runner::MakeRepositoryStats(*raw_data, restore_size);
  SetSnapshotIndex(std::move(list), true);
  Note("stats: " + std::to_string(result_.stats->raw_data_bytes) + " bytes stored in " +
       std::to_string(result_.stats->blobs) + " blobs for " + std::to_string(result_.stats->snapshots) +
       " snapshots; the latest " + std::to_string(result_.stats->restore_snapshots) + " restore " +
       std::to_string(result_.stats->restore_size_bytes) + " bytes");
}

void JobRun::RunDrill() {
  if (!run_.source_group) {
    Fail(ErrorKind::kOther, "a drill needs a source group");
    return;
  }
  namespace fs = std::filesystem;
  const fs::path state =
      options_.restic.state_dir.empty() ? fs::temp_directory_path() : fs::path(options_.restic.state_dir);
  const fs::path scratch = state / "drill" / run_.job_id;
  // Removed however the drill ends: success, failure, cancel, timeout.
  struct Scratch {
    fs::path path;
    ~Scratch() {
      std::error_code ec;
      fs::remove_all(path, ec);
    }
  } guard{scratch};
  std::error_code ec;
  fs::remove_all(scratch, ec);
  fs::create_directories(scratch, ec);
  if (!ec) fs::permissions(scratch, fs::perms::owner_all, fs::perm_options::replace, ec);
  if (ec) {
    Fail(ErrorKind::kOther,
         "cannot make the drill's scratch directory " + scratch.string() + ": " + ec.message());
    Note(*result_.error);
    return;
  }
  protocol::DrillSummary summary;
  if (!RunDrillSteps(scratch, summary)) return;
  const DrillOutcome outcome = JudgeDrill(summary);
  result_.status = outcome.status;
  result_.error_kind = outcome.error_kind;
  result_.error = outcome.error;
  result_.drill = std::move(summary);
  Note("drill: " + std::to_string(result_.drill->verified) + " verified, " +
       std::to_string(result_.drill->size_only) + " size only (live file changed), " +
       std::to_string(result_.drill->mismatched) + " mismatched, " +
       std::to_string(result_.drill->unreadable) + " unreadable of " +
       std::to_string(result_.drill->sampled) + " sampled from snapshot " +
       result_.drill->snapshot_id.substr(0, 8));
}

bool JobRun::RunDrillSteps(const std::filesystem::path& scratch, protocol::DrillSummary& summary) {
  const protocol::DrillOptions options = run_.options.drill.value_or(protocol::DrillOptions{});
  // 1. The group's latest snapshot, streamed: only the sample is kept.
  char host[256] = {};
  if (::gethostname(host, sizeof(host) - 1) != 0) host[0] = '\0';
  auto list = runner::BuildDrillListCommand(run_.repository, *run_.source_group, host, options_.restic);
  if (!list) {
    Fail(ErrorKind::kOther, list.error().message);
    return false;
  }
  DrillSampler sampler(options.sample_files, options.max_bytes, std::random_device{}());
  std::optional<std::string> snapshot_id;
  runner::ResticOutputCollector listing;
  auto listed = RunSideRestic(
      *list,
      [&](std::string_view line) {
        DrillLsLine parsed = ParseDrillLsLine(line);
        if (parsed.snapshot_id && !snapshot_id) snapshot_id = std::move(parsed.snapshot_id);
        if (parsed.file) sampler.Offer(std::move(*parsed.file));
      },
      listing, runner::kMaxLineBytes);
  if (!listed) {
    Fail(ErrorKind::kOther, listed.error().message);
    return false;
  }
  if (listed->exit_code != 0 || listed->cancelled) {
    FailFromRestic(listing, *listed, "restic ls latest");
    return false;
  }
  if (!snapshot_id) {
    Fail(ErrorKind::kOther, "the group has no snapshot to drill (restic ls latest printed none)");
    Note(*result_.error);
    return false;
  }
  summary.snapshot_id = *snapshot_id;
  const std::vector<DrillFile> sample = sampler.Take();
  Note("drill: sampled " + std::to_string(sample.size()) + " of " + std::to_string(sampler.offered()) +
       " files of snapshot " + snapshot_id->substr(0, 8));
  if (sample.empty()) return true;

  // 2. Restore the sample into the scratch directory.
  std::vector<std::string> paths;
  for (const auto& file : sample) paths.push_back(file.path);
  auto restore = runner::BuildDrillRestoreCommand(run_.repository, *snapshot_id, scratch.string(), paths,
                                                  options_.restic);
  if (!restore) {
    Fail(ErrorKind::kOther, restore.error().message);
    return false;
  }
  runner::ResticOutputCollector restoring;
  auto restored = RunSideRestic(
      *restore, [&](std::string_view line) { log_->Add(LogStream::kStdout, line); }, restoring,
      runner::kMaxLineBytes);
  if (!restored) {
    Fail(ErrorKind::kOther, restored.error().message);
    return false;
  }
  if (restored->cancelled || stop_.reason()) {
    EndStopped();
    return false;
  }
  result_.exit_code = restored->exit_code;

  // 3. Check each file; a restic that restored nothing failed as itself.
  const auto stopped = [this] { return stop_.reason().has_value(); };
  for (const auto& file : sample) {
    const std::filesystem::path copy = scratch / std::filesystem::path(file.path).relative_path();
    const DrillVerdict verdict = CheckRestoredFile(file, copy, stopped);
    if (stop_.reason()) {
      EndStopped();
      return false;
    }
    Count(summary, file, verdict);
    if (verdict != DrillVerdict::kUnreadable) summary.bytes_restored += file.size;
  }
  if (restored->exit_code != 0 && summary.unreadable == summary.sampled) {
    FailFromRestic(restoring, *restored, "restic restore");
    return false;
  }
  return true;
}

}  // namespace rmgr::agent
