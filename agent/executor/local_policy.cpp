#include "agent/executor/local_policy.h"

#include <algorithm>
#include <system_error>

namespace rmgr::agent {
namespace {

namespace fs = std::filesystem;

// The path with every existing symlink resolved and the rest made lexically
// normal: where a write to it would land today.
fs::path Resolved(const fs::path& path) {
  std::error_code ec;
  fs::path out = fs::weakly_canonical(path, ec);
  if (ec) return path.lexically_normal();
  return out;
}

// Both absolute and normal: inside when the way from root to path never climbs.
bool Within(const fs::path& path, const fs::path& root) {
  const fs::path relative = path.lexically_relative(root);
  return !relative.empty() && *relative.begin() != "..";
}

// Characters a hook's argument words may hold under an allowlist: none that
// /bin/sh gives a meaning (no quoting, expansion, chaining or redirection).
bool PlainWordChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("/._-=:,+@%").find(c) != std::string_view::npos;
}

}  // namespace

Result<void> CheckRestoreTarget(const LocalPolicy& policy, const std::string& target) {
  if (target.empty() || target.front() != '/') {
    return MakeError(ErrorCode::kInvalidArgument, "the restore target must be an absolute path", "target");
  }
  if (policy.restore_anywhere) return Ok();
  if (!policy.restore_root.empty() && Within(Resolved(target), Resolved(policy.restore_root))) return Ok();
  return MakeError(ErrorCode::kPermissionDenied,
                   "this agent restores only into its restore root " + policy.restore_root.string() +
                       " (target " + target +
                       " is outside it; start the agent with --allow-restore-anywhere to consent)",
                   "target");
}

Result<void> CheckHook(const LocalPolicy& policy, const std::string& command) {
  switch (policy.hooks) {
    case protocol::HookPolicy::kAllow:
      return Ok();
    case protocol::HookPolicy::kRefuse:
      return MakeError(ErrorCode::kPermissionDenied, "this agent refuses hooks (--hooks refuse)", "hooks");
    case protocol::HookPolicy::kAllowlist:
      break;
  }
  const std::size_t space = command.find(' ');
  const std::string program = command.substr(0, space);
  if (std::find(policy.hook_allow.begin(), policy.hook_allow.end(), program) == policy.hook_allow.end()) {
    return MakeError(ErrorCode::kPermissionDenied,
                     "hook program " + program + " is not on this agent's allowlist (--hook-allow)", "hooks");
  }
  if (!std::all_of(command.begin(), command.end(), [](char c) { return c == ' ' || PlainWordChar(c); })) {
    return MakeError(
        ErrorCode::kPermissionDenied,
        "hook " + program +
            " has shell syntax in its arguments, which an allowlist does not run (plain words only)",
        "hooks");
  }
  return Ok();
}

}  // namespace rmgr::agent
