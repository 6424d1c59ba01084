#include "server/api/api_schema.h"

#include <algorithm>

#include "common/util/ulid.h"
#include "server/store/store_types.h"

namespace rmgr::server::api {

bool HasNoNul(std::string_view text) {
  return text.find('\0') == std::string_view::npos;
}

bool IsId(std::string_view text) {
  return IsUlid(text);
}

bool IsHostMode(std::string_view text) {
  return text == "always_on" || text == "intermittent";
}

bool IsScheduleKind(std::string_view text) {
  const auto kind = store::FromString<store::JobKind>(text);
  return kind && protocol::IsSchedulable(*kind);
}

bool IsJobKind(std::string_view text) {
  return store::FromString<store::JobKind>(text).has_value();
}

Result<store::JobKind> JobKindOf(std::string_view text, std::string_view field) {
  auto kind = store::FromString<store::JobKind>(text);
  if (!kind) return MakeError(ErrorCode::kInvalidArgument, "unknown job kind", std::string(field));
  return *kind;
}

Result<void> CheckPaths(const std::vector<std::string>& paths, std::string_view field, bool absolute) {
  for (std::size_t i = 0; i < paths.size(); ++i) {
    const std::string& path = paths[i];
    const auto fail = [&](std::string message) {
      return MakeError(ErrorCode::kInvalidArgument, std::move(message),
                       std::string(field) + "[" + std::to_string(i) + "]");
    };
    if (path.find_first_of(std::string_view("\0\r\n", 3)) != std::string::npos) {
      return fail("must not contain NUL, CR or LF");
    }
    if (absolute && (path.empty() || path.front() != '/')) return fail("must be an absolute path");
    // Any ".." segment, wherever it sits: "/a/../b", "/..", "../x", "a/..".
    std::size_t begin = 0;
    while (begin <= path.size()) {
      const std::size_t end = std::min(path.find('/', begin), path.size());
      if (std::string_view(path).substr(begin, end - begin) == "..") return fail("must not contain a '..' segment");
      begin = end + 1;
    }
  }
  return Ok();
}

void Normalize(JobOptionsSpec& options) {
  if (options.backup && !options.backup->extra_tags) options.backup->extra_tags.emplace();
  if (options.restore && !options.restore->include_paths) options.restore->include_paths.emplace();
  if (options.drill) {
    if (!options.drill->sample_files)
      options.drill->sample_files = protocol::DrillOptions::kDefaultSampleFiles;
    if (!options.drill->max_bytes) options.drill->max_bytes = protocol::DrillOptions::kDefaultMaxBytes;
  }
}

Result<void> CheckKindSpecs(store::JobKind kind, const std::optional<protocol::Retention>& retention,
                            const JobOptionsSpec& options) {
  if (kind == store::JobKind::kForget) {
    if (!retention) return MakeError(ErrorCode::kMissingField, "a forget needs a retention policy", "retention");
    if (!protocol::HasKeepRule(*retention)) {
      return MakeError(ErrorCode::kInvalidArgument, "a retention policy needs at least one keep_* rule",
                       "retention");
    }
  } else if (retention) {
    return MakeError(ErrorCode::kInvalidArgument, "only a forget takes a retention policy", "retention");
  }
  if (options.backup && kind != store::JobKind::kBackup) {
    return MakeError(ErrorCode::kInvalidArgument, "backup options on a job that is not a backup", "options.backup");
  }
  if (options.check && kind != store::JobKind::kCheck) {
    return MakeError(ErrorCode::kInvalidArgument, "check options on a job that is not a check", "options.check");
  }
  if (options.restore && kind != store::JobKind::kRestore) {
    return MakeError(ErrorCode::kInvalidArgument, "restore options on a job that is not a restore",
                     "options.restore");
  }
  if (options.drill && kind != store::JobKind::kDrill) {
    return MakeError(ErrorCode::kInvalidArgument, "drill options on a job that is not a drill",
                     "options.drill");
  }
  if (kind == store::JobKind::kRestore) {
    if (!options.restore) return MakeError(ErrorCode::kMissingField, "a restore needs options.restore", "options.restore");
    if (auto ok = CheckPaths({options.restore->target}, "options.restore.target", true); !ok) {
      return MakeError(ErrorCode::kInvalidArgument, ok.error().message, "options.restore.target");
    }
    if (options.restore->include_paths) {
      if (auto ok = CheckPaths(*options.restore->include_paths, "options.restore.include_paths", true); !ok) return ok;
    }
  }
  return Ok();
}

}  // namespace rmgr::server::api
