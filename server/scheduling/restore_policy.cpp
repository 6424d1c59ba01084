#include "server/scheduling/restore_policy.h"

#include <filesystem>

namespace rmgr::server::scheduling {
namespace {

constexpr std::string_view kField = "args.options.restore.target";

// The lexically normal form without a trailing slash ("/" stays "/"); empty
// when the path is not absolute or climbs with "..": such a target can name
// a place outside the root while looking like it is inside.
std::string Normal(const std::string& path) {
  if (path.empty() || path.front() != '/') return {};
  const std::filesystem::path normal = std::filesystem::path(path).lexically_normal();
  for (const auto& part : normal) {
    if (part == "..") return {};
  }
  std::string out = normal.string();
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

}  // namespace

bool IsWithinRoot(const std::string& path, const std::string& root) {
  const std::string p = Normal(path);
  const std::string r = Normal(root);
  if (p.empty() || r.empty()) return false;
  if (r == "/") return true;
  return p == r || (p.size() > r.size() && p.compare(0, r.size(), r) == 0 && p[r.size()] == '/');
}

Result<RestoreScope> CheckRestoreTarget(const store::Host& host, const std::string& target, auth::Role role) {
  if (Normal(target).empty()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "the restore target must be an absolute path without \"..\"", std::string(kField));
  }
  if (host.restore_root.empty()) {
    return MakeError(ErrorCode::kConflict,
                     "host \"" + host.name +
                         "\" has not reported its restore root yet: its agent must connect (and be recent "
                         "enough to report it) before anything is restored onto it",
                     std::string(kField));
  }
  if (IsWithinRoot(target, host.restore_root)) return RestoreScope::kInsideRoot;
  if (role != auth::Role::kAdmin) {
    return MakeError(ErrorCode::kPermissionDenied,
                     "operators restore only into the host's restore root " + host.restore_root +
                         "; a target elsewhere (in place included) needs an admin and the host's consent "
                         "(its agent started with --allow-restore-anywhere)",
                     std::string(kField));
  }
  if (!host.restore_anywhere) {
    return MakeError(ErrorCode::kPermissionDenied,
                     "host \"" + host.name + "\" does not consent to restores outside its restore root " +
                         host.restore_root + " (its agent would need --allow-restore-anywhere)",
                     std::string(kField));
  }
  return RestoreScope::kOutsideRoot;
}

}  // namespace rmgr::server::scheduling
