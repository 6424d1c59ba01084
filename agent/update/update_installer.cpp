#include "agent/update/update_installer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "agent/outbox/durable_file.h"
#include "agent/update/update_layout.h"
#include "common/update/agent_bundle.h"
#include "common/update/bundle_signature.h"

namespace rmgr::agent::update {
namespace {

Error Refused(std::string why) {
  return MakeError(ErrorCode::kPermissionDenied, std::move(why));
}

// Writes the executable under a temporary name, then renames it: a crash
// leaves either no executable or a whole one.
Result<void> WriteExecutable(const std::filesystem::path& path, std::string_view bytes) {
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  if (ec)
    return MakeError(ErrorCode::kUnavailable,
                     "cannot create " + path.parent_path().string() + ": " + ec.message());
  std::filesystem::permissions(path.parent_path(), std::filesystem::perms::owner_all,
                               std::filesystem::perm_options::replace, ec);
  const std::filesystem::path temp = path.string() + ".tmp";
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0700);
  if (fd < 0)
    return MakeError(ErrorCode::kUnavailable, "cannot create " + temp.string() + ": " + std::strerror(errno));
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  const bool ok = done == bytes.size() && ::fchmod(fd, 0700) == 0 && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || std::rename(temp.c_str(), path.c_str()) != 0) {
    std::filesystem::remove(temp, ec);
    return MakeError(ErrorCode::kUnavailable, "cannot write " + path.string() + ": " + std::strerror(errno));
  }
  return SyncDirectory(path.parent_path());
}

}  // namespace

Result<void> InstallUpdate(const protocol::AgentUpdate& update, const InstallContext& context) {
  if (!context.update_key) {
    return Refused(
        "no update key pinned; re-enroll this agent (restic-manager-agent enroll) to accept updates");
  }
  if (update.size == 0 || update.size > rmgr::update::kMaxBundleBytes)
    return Refused("the announced bundle size is out of range");
  auto bundle = context.fetch(update.path, update.size);
  if (!bundle) return bundle.error();
  if (bundle->size() != update.size) {
    return Refused("the downloaded bundle has " + std::to_string(bundle->size()) + " bytes, " +
                   std::to_string(update.size) + " were announced");
  }
  const std::string sha = rmgr::update::Sha256Hex(*bundle);
  if (sha != update.sha256)
    return Refused("the downloaded bundle's SHA-256 " + sha + " is not the announced one");
  if (auto verified = rmgr::update::VerifyBundle(*context.update_key, sha, update.signature); !verified) {
    return Refused(verified.error().message);
  }
  // Signed by the pinned key from here on; the manifest must still be for this host and version.
  auto opened = rmgr::update::OpenBundle(*bundle);
  if (!opened) return Refused("the signed bundle is unusable: " + opened.error().message);
  const auto& manifest = opened->manifest;
  if (manifest.version != update.version) {
    return Refused("the bundle is version " + manifest.version + ", not the announced " + update.version);
  }
  if (manifest.os != context.os || manifest.arch != context.arch) {
    return Refused("the bundle is for " + manifest.os + "/" + manifest.arch + ", this host is " + context.os +
                   "/" + context.arch);
  }
  const std::string_view executable = std::string_view(*bundle).substr(opened->binary_offset);
  if (auto written = WriteExecutable(ExecutablePath(context.state_dir, update.version), executable);
      !written) {
    return written.error();
  }
  return WritePending(context.state_dir, PendingUpdate{update.version, update.rollout_id});
}

}  // namespace rmgr::agent::update
