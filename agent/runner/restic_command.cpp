#include "agent/runner/restic_command.h"

#include <algorithm>
#include <string_view>

namespace rmgr::agent::runner {
namespace {

using protocol::JobKind;

constexpr std::string_view kPasswordFile = "/dev/fd/3";

//! restic short (8) or full (64) ids, lower-case hex; also accepts "latest".
bool ValidSnapshotId(std::string_view id) {
  if (id == "latest") return true;
  if (id.size() < 8 || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool ReservedEnvName(std::string_view name) {
  return name.starts_with("RESTIC_PASSWORD") || name == "RESTIC_REPOSITORY" ||
         name == "RESTIC_REPOSITORY_FILE" || name == "RESTIC_CACHE_DIR" || name == "RESTIC_PROGRESS_FPS";
}

bool ValidEnvName(std::string_view name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

Result<ResticInvocation> Base(const protocol::Repository& repository, const ResticCommandConfig& config,
                              std::string_view subcommand) {
  if (repository.url.empty())
    return MakeError(ErrorCode::kInvalidArgument, "repository url is empty", "repository.url");
  if (config.progress_fps < 1) return MakeError(ErrorCode::kInvalidArgument, "progress_fps must be >= 1");
  ResticInvocation inv;
  inv.argv = {config.restic_binary, std::string(subcommand), "--password-file", std::string(kPasswordFile)};
  for (const auto& kv : config.base_env) {
    const auto name = std::string_view(kv).substr(0, kv.find('='));
    if (ReservedEnvName(name)) continue;  // the parent's own restic settings must not leak in
    inv.env.push_back(kv);
  }
  if (repository.env) {
    for (const auto& [name, value] : *repository.env) {
      if (!ValidEnvName(name))
        return MakeError(ErrorCode::kInvalidArgument, "bad env name: " + name, "repository.env");
      if (ReservedEnvName(name)) {
        return MakeError(ErrorCode::kInvalidArgument, "env may not set " + name, "repository.env");
      }
      inv.env.push_back(name + "=" +
                        value.Reveal());  // restic takes backend credentials from the environment
    }
  }
  inv.env.push_back("RESTIC_REPOSITORY=" + repository.url);
  inv.env.push_back("RESTIC_CACHE_DIR=" +
                    (config.state_dir.empty() ? std::string("cache") : config.state_dir + "/cache"));
  inv.env.push_back("RESTIC_PROGRESS_FPS=" + std::to_string(config.progress_fps));
  return inv;
}

void AddRepeated(std::vector<std::string>& argv, std::string_view flag,
                 const std::vector<std::string>& values) {
  for (const auto& v : values) {
    argv.emplace_back(flag);
    argv.push_back(v);
  }
}

void AddCount(std::vector<std::string>& argv, std::string_view flag, const std::optional<uint32_t>& value) {
  if (!value) return;
  argv.emplace_back(flag);
  argv.push_back(std::to_string(*value));
}

std::string_view Subcommand(JobKind kind) {
  switch (kind) {
    case JobKind::kBackup:
      return "backup";
    case JobKind::kForget:
      return "forget";
    case JobKind::kPrune:
      return "prune";
    case JobKind::kCheck:
      return "check";
    case JobKind::kRestore:
      return "restore";
    case JobKind::kInit:
      return "init";
    case JobKind::kUnlock:
      return "unlock";
    case JobKind::kSnapshots:
      return "snapshots";
    case JobKind::kLs:
      return "ls";
    case JobKind::kStats:
      return "stats";
    case JobKind::kDrill:
      return "restore";
  }
  return "";
}

}  // namespace

Result<ResticInvocation> BuildResticCommand(const protocol::CommandRun& run,
                                            const ResticCommandConfig& config) {
  if (run.kind == JobKind::kLs) {
    return MakeError(ErrorCode::kInvalidArgument, "ls is built from a browse request (BuildLsCommand)",
                     "kind");
  }
  if (run.kind == JobKind::kDrill) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "a drill runs several commands (BuildDrillListCommand, BuildDrillRestoreCommand)",
                     "kind");
  }
  auto base = Base(run.repository, config, Subcommand(run.kind));
  if (!base) return base;
  auto& argv = base->argv;
  if (config.features.retry_lock && config.retry_lock.count() > 0 && run.kind != JobKind::kInit &&
      run.kind != JobKind::kUnlock) {
    argv.emplace_back("--retry-lock");
    argv.push_back(std::to_string(config.retry_lock.count()) + "s");
  }
  switch (run.kind) {
    case JobKind::kBackup: {
      if (!run.source_group || run.source_group->paths.empty()) {
        return MakeError(ErrorCode::kMissingField, "backup needs a source group with paths", "source_group");
      }
      const auto& group = *run.source_group;
      argv.emplace_back("--json");
      const auto* backup = run.options.backup ? &*run.options.backup : nullptr;
      if (backup && backup->host) {
        argv.emplace_back("--host");
        argv.push_back(*backup->host);
      }
      AddRepeated(argv, "--tag", group.tags);
      if (backup) AddRepeated(argv, "--tag", backup->extra_tags);
      AddRepeated(argv, "--exclude", group.excludes);
      argv.emplace_back("--");  // a path starting with '-' is still a path
      argv.insert(argv.end(), group.paths.begin(), group.paths.end());
      break;
    }
    case JobKind::kForget: {
      if (!run.retention)
        return MakeError(ErrorCode::kMissingField, "forget needs a retention policy", "retention");
      const auto& r = *run.retention;
      argv.emplace_back("--json");
      AddCount(argv, "--keep-last", r.keep_last);
      AddCount(argv, "--keep-hourly", r.keep_hourly);
      AddCount(argv, "--keep-daily", r.keep_daily);
      AddCount(argv, "--keep-weekly", r.keep_weekly);
      AddCount(argv, "--keep-monthly", r.keep_monthly);
      AddCount(argv, "--keep-yearly", r.keep_yearly);
      if (r.keep_within) {
        argv.emplace_back("--keep-within");
        argv.push_back(*r.keep_within);
      }
      AddRepeated(argv, "--keep-tag", r.keep_tags);
      if (r.prune) argv.emplace_back("--prune");
      break;
    }
    case JobKind::kCheck:
      if (run.options.check && run.options.check->read_data_subset) {
        argv.emplace_back("--read-data-subset");
        argv.push_back(*run.options.check->read_data_subset);
      }
      break;
    case JobKind::kSnapshots:
      argv.emplace_back("--json");
      break;
    case JobKind::kStats:
      // The real size: every blob the snapshots use, once, as stored.
      argv.insert(argv.end(), {"--json", "--mode", "raw-data"});
      break;
    case JobKind::kRestore: {
      if (!run.options.restore)
        return MakeError(ErrorCode::kMissingField, "restore needs options", "options.restore");
      const auto& o = *run.options.restore;
      if (!ValidSnapshotId(o.snapshot_id)) {
        return MakeError(ErrorCode::kInvalidArgument, "bad snapshot id", "options.restore.snapshot_id");
      }
      if (o.target.empty())
        return MakeError(ErrorCode::kInvalidArgument, "empty target", "options.restore.target");
      if (config.features.restore_json)
        argv.emplace_back("--json");  // progress; 0.14's restore prints text only
      argv.emplace_back("--target");
      argv.push_back(o.target);
      AddRepeated(argv, "--include", o.include_paths);
      argv.push_back(o.snapshot_id);
      break;
    }
    case JobKind::kPrune:
    case JobKind::kInit:
    case JobKind::kUnlock:
    case JobKind::kLs:
    case JobKind::kDrill:
      break;
  }
  return base;
}

Result<ResticInvocation> BuildRestoreSizeCommand(const protocol::Repository& repository,
                                                 const std::vector<std::string>& snapshot_ids,
                                                 const ResticCommandConfig& config) {
  if (snapshot_ids.empty())
    return MakeError(ErrorCode::kInvalidArgument, "no snapshot to measure", "snapshot_ids");
  for (const auto& id : snapshot_ids) {
    if (!ValidSnapshotId(id))
      return MakeError(ErrorCode::kInvalidArgument, "bad snapshot id", "snapshot_ids");
  }
  auto base = Base(repository, config, "stats");
  if (!base) return base;
  base->argv.insert(base->argv.end(), {"--no-lock", "--json", "--mode", "restore-size"});
  base->argv.insert(base->argv.end(), snapshot_ids.begin(), snapshot_ids.end());
  return base;
}

Result<ResticInvocation> BuildDrillListCommand(const protocol::Repository& repository,
                                               const protocol::SourceGroup& group,
                                               const std::string& hostname,
                                               const ResticCommandConfig& config) {
  if (group.paths.empty())
    return MakeError(ErrorCode::kMissingField, "a drill needs the group's paths", "source_group");
  auto base = Base(repository, config, "ls");
  if (!base) return base;
  auto& argv = base->argv;
  argv.insert(argv.end(), {"--no-lock", "--json"});
  // The group's own snapshots: this host, the group's paths (restic matches
  // the whole set) and its tags, as its backups make them.
  if (!hostname.empty()) argv.insert(argv.end(), {"--host", hostname});
  AddRepeated(argv, "--path", group.paths);
  if (!group.tags.empty()) {
    std::string tags;
    for (const auto& tag : group.tags) tags += (tags.empty() ? "" : ",") + tag;
    argv.insert(argv.end(), {"--tag", tags});
  }
  argv.emplace_back("latest");
  return base;
}

std::string IncludePattern(std::string_view path) {
  // restic matches --include per path component with Go's filepath.Match:
  // escape its metacharacters so a name like "a[1].txt" means itself.
  std::string out;
  out.reserve(path.size());
  for (const char c : path) {
    if (c == '*' || c == '?' || c == '[' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

Result<ResticInvocation> BuildDrillRestoreCommand(const protocol::Repository& repository,
                                                  const std::string& snapshot_id, const std::string& target,
                                                  const std::vector<std::string>& paths,
                                                  const ResticCommandConfig& config) {
  if (!ValidSnapshotId(snapshot_id) || snapshot_id == "latest") {
    return MakeError(ErrorCode::kInvalidArgument, "bad snapshot id", "snapshot_id");
  }
  if (target.empty()) return MakeError(ErrorCode::kInvalidArgument, "empty target", "target");
  if (paths.empty()) return MakeError(ErrorCode::kInvalidArgument, "nothing to restore", "paths");
  auto base = Base(repository, config, "restore");
  if (!base) return base;
  auto& argv = base->argv;
  argv.insert(argv.end(), {"--no-lock", "--target", target});
  for (const auto& path : paths) {
    argv.emplace_back("--include");
    argv.push_back(IncludePattern(path));
  }
  argv.push_back(snapshot_id);
  return base;
}

Result<ResticInvocation> BuildLsCommand(const protocol::Repository& repository,
                                        const std::string& snapshot_id, const std::string& path,
                                        const ResticCommandConfig& config) {
  if (!ValidSnapshotId(snapshot_id))
    return MakeError(ErrorCode::kInvalidArgument, "bad snapshot id", "snapshot_id");
  if (!path.starts_with('/'))
    return MakeError(ErrorCode::kInvalidArgument, "path must start with '/'", "path");
  auto base = Base(repository, config, "ls");
  if (!base) return base;
  // Browsing only reads: no lock, so a listing never leaves a stale one behind.
  base->argv.emplace_back("--no-lock");
  base->argv.emplace_back("--json");
  base->argv.push_back(snapshot_id);
  base->argv.push_back(path);
  return base;
}

}  // namespace rmgr::agent::runner
