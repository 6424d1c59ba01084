#include "agent/outbox/frame_dir.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>

#include "agent/outbox/durable_file.h"
#include "common/protocol/limits.h"
#include "common/util/log.h"

namespace rmgr::agent {
namespace {

constexpr std::string_view kSuffix = ".json";
constexpr std::string_view kTempSuffix = ".json.tmp";
constexpr std::string_view kCorruptDir = "corrupt";

std::shared_ptr<spdlog::logger> Log() {
  return Logger("outbox");
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::filesystem::path FileOf(const std::filesystem::path& dir, std::string_view key) {
  return dir / (std::string(key) + std::string(kSuffix));
}

void Quarantine(const std::filesystem::path& dir, const std::filesystem::path& file, std::string_view why) {
  const auto corrupt_dir = dir / kCorruptDir;
  std::error_code ec;
  std::filesystem::create_directories(corrupt_dir, ec);
  auto target = corrupt_dir / file.filename();
  for (int n = 1; !ec && std::filesystem::exists(target, ec) && n < 1000; ++n) {
    target = corrupt_dir / (file.filename().string() + "." + std::to_string(n));
  }
  if (!ec) std::filesystem::rename(file, target, ec);
  if (ec) {
    Log()->warn("corrupt outbox file {} ({}), and it could not be moved aside: {}", file.string(), why,
                ec.message());
    return;
  }
  Log()->warn("moved corrupt outbox file {} to {}: {}", file.string(), target.string(), why);
  if (auto synced = SyncDirectory(corrupt_dir); !synced) Log()->warn("{}", synced.error().Describe());
  if (auto synced = SyncDirectory(dir); !synced) Log()->warn("{}", synced.error().Describe());
}

}  // namespace

bool IsSafeFrameKey(std::string_view key) {
  if (key.empty() || key.size() > 128) return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c == '-';
  });
}

Result<std::vector<std::pair<std::string, protocol::Envelope>>> LoadFrameDir(const std::filesystem::path& dir,
                                                                             const FrameCheck& check) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return MakeError(ErrorCode::kUnavailable, "create " + dir.string() + ": " + ec.message());
  ::chmod(dir.c_str(), 0700);  // frames carry error text and ids; best effort

  std::vector<std::filesystem::path> files;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_regular_file(ec)) files.push_back(it->path());
  }
  if (ec) return MakeError(ErrorCode::kUnavailable, "list " + dir.string() + ": " + ec.message());
  std::sort(files.begin(), files.end());

  std::vector<std::pair<std::string, protocol::Envelope>> kept;
  bool removed_temp = false;
  for (const auto& file : files) {
    const std::string name = file.filename().string();
    if (EndsWith(name, kTempSuffix)) {
      // A crash between create and rename: the real file (if any) is intact.
      Log()->warn("removing leftover temp file {}", file.string());
      std::filesystem::remove(file, ec);
      removed_temp = true;
      continue;
    }
    if (!EndsWith(name, kSuffix)) {
      Quarantine(dir, file, "unexpected file name");
      continue;
    }
    std::string key = name.substr(0, name.size() - kSuffix.size());
    auto text = ReadFileLimited(file, protocol::limits::kMaxFrameBytes);
    if (!text) {
      Log()->warn("skipping unreadable outbox file: {}", text.error().Describe());
      continue;
    }
    if (text->size() > protocol::limits::kMaxFrameBytes) {
      Quarantine(dir, file, "larger than a frame");
      continue;
    }
    auto decoded = protocol::Decode(*text);
    if (!decoded) {
      Quarantine(dir, file, decoded.error().Describe());
      continue;
    }
    if (const std::string why = check(key, *decoded); !why.empty()) {
      Quarantine(dir, file, why);
      continue;
    }
    kept.emplace_back(std::move(key), std::move(*decoded));
  }
  if (removed_temp) {
    if (auto synced = SyncDirectory(dir); !synced) Log()->warn("{}", synced.error().Describe());
  }
  return kept;
}

Result<void> StoreFrame(const std::filesystem::path& dir, std::string_view key, std::string_view frame) {
  const auto final_path = FileOf(dir, key);
  const auto temp_path = dir / (std::string(key) + std::string(kTempSuffix));
  if (auto written = WriteFileSynced(temp_path, frame); !written) {
    ::unlink(temp_path.c_str());
    return written.error();
  }
  if (::rename(temp_path.c_str(), final_path.c_str()) != 0) {
    const int err = errno;
    ::unlink(temp_path.c_str());
    return MakeError(ErrorCode::kUnavailable, "rename to " + final_path.string() + ": " + std::strerror(err));
  }
  if (auto synced = SyncDirectory(dir); !synced) {
    // The file is complete under its final name; only the rename's
    // durability is in doubt. Keep it: reporting failure would make the
    // caller retry into the same state.
    Log()->warn("{}", synced.error().Describe());
  }
  return Ok();
}

Result<void> RemoveFrame(const std::filesystem::path& dir, std::string_view key) {
  const auto path = FileOf(dir, key);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return MakeError(ErrorCode::kUnavailable, "remove " + path.string() + ": " + std::strerror(errno));
  }
  return SyncDirectory(dir);
}

}  // namespace rmgr::agent
