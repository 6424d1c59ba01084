#include "agent/outbox/outbox.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>
#include <utility>

#include "common/protocol/envelope.h"
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

Error IoError(std::string_view what, const std::filesystem::path& path, int err) {
  return MakeError(ErrorCode::kUnavailable,
                   std::string(what) + " " + path.string() + ": " + std::strerror(err));
}

// Job ids are ULIDs; anything else could escape the directory or clash with
// our suffixes, so only [0-9A-Za-z_-] is allowed in a file name.
bool SafeFileStem(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c == '-';
  });
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// fsync a directory so a rename or unlink inside it is durable.
Result<void> SyncDir(const std::filesystem::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return IoError("open directory", dir, errno);
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) return IoError("fsync directory", dir, err);
  return Ok();
}

// Writes `data` to `path` (created 0600, truncated) and fsyncs it.
Result<void> WriteFileSynced(const std::filesystem::path& path, std::string_view data) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return IoError("create", path, errno);
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      return IoError("write", path, err);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    const int err = errno;
    ::close(fd);
    return IoError("fsync", path, err);
  }
  if (::close(fd) != 0) return IoError("close", path, errno);
  return Ok();
}

// Reads at most `limit` + 1 bytes so an oversized file is noticed without reading it all.
Result<std::string> ReadFileLimited(const std::filesystem::path& path, std::size_t limit) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return IoError("open", path, errno);
  std::string out;
  char buf[8192];
  while (out.size() <= limit) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      return IoError("read", path, err);
    }
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

}  // namespace

Outbox::Outbox(std::filesystem::path dir, std::size_t max_entries)
    : dir_(std::move(dir)), max_entries_(max_entries) {}

Result<std::unique_ptr<Outbox>> Outbox::Open(const std::filesystem::path& state_dir,
                                             std::size_t max_entries) {
  std::unique_ptr<Outbox> box(new Outbox(state_dir / "outbox", max_entries));
  std::error_code ec;
  std::filesystem::create_directories(box->dir_, ec);
  if (ec) {
    return MakeError(ErrorCode::kUnavailable, "create " + box->dir_.string() + ": " + ec.message());
  }
  ::chmod(box->dir_.c_str(), 0700);  // results carry error text; best effort
  auto loaded = box->Load();
  if (!loaded) return loaded.error();
  return box;
}

Result<void> Outbox::Load() {
  std::lock_guard lock(mutex_);
  std::error_code ec;
  std::vector<std::filesystem::path> files;
  for (std::filesystem::directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_regular_file(ec)) files.push_back(it->path());
  }
  if (ec) return MakeError(ErrorCode::kUnavailable, "list " + dir_.string() + ": " + ec.message());
  std::sort(files.begin(), files.end());

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
      Quarantine(file, "unexpected file name");
      continue;
    }
    const std::string stem = name.substr(0, name.size() - kSuffix.size());
    auto text = ReadFileLimited(file, protocol::limits::kMaxFrameBytes);
    if (!text) {
      Log()->warn("skipping unreadable outbox file: {}", text.error().Describe());
      continue;
    }
    if (text->size() > protocol::limits::kMaxFrameBytes) {
      Quarantine(file, "larger than a frame");
      continue;
    }
    auto decoded = protocol::Decode(*text);
    if (!decoded) {
      Quarantine(file, decoded.error().Describe());
      continue;
    }
    auto* result = std::get_if<protocol::JobResult>(&decoded->payload);
    if (result == nullptr) {
      Quarantine(file, "not a job.result frame");
      continue;
    }
    if (result->job_id != stem) {
      Quarantine(file, "job id does not match the file name");
      continue;
    }
    // Over the bound only if max_entries shrank between runs; keep them all
    // rather than drop results: Put refuses new ones until acks catch up.
    entries_.emplace(stem, std::move(*result));
  }
  if (removed_temp) {
    if (auto synced = SyncDir(dir_); !synced) Log()->warn("{}", synced.error().Describe());
  }
  if (!entries_.empty()) Log()->info("outbox holds {} unacknowledged result(s)", entries_.size());
  return Ok();
}

void Outbox::Quarantine(const std::filesystem::path& file, std::string_view why) {
  const auto corrupt_dir = dir_ / kCorruptDir;
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
  if (auto synced = SyncDir(corrupt_dir); !synced) Log()->warn("{}", synced.error().Describe());
  if (auto synced = SyncDir(dir_); !synced) Log()->warn("{}", synced.error().Describe());
}

Result<void> Outbox::Put(const protocol::JobResult& result) {
  if (!SafeFileStem(result.job_id)) {
    return MakeError(ErrorCode::kInvalidArgument, "job id is not usable as an outbox file name",
                     "payload.job_id");
  }
  const protocol::Envelope envelope{.id = {}, .payload = result};
  // A frame the server rejects would be resent forever and never acked.
  if (auto valid = protocol::Validate(envelope); !valid) return valid.error();
  const std::string frame = protocol::Encode(envelope);
  // Keep (and compare) the result as it will read back after a restart:
  // the wire floors times to milliseconds and truncates long error text.
  auto reread = protocol::Decode(frame);
  auto* stored = reread ? std::get_if<protocol::JobResult>(&reread->payload) : nullptr;
  if (stored == nullptr)
    return MakeError(ErrorCode::kInternal, "job.result frame does not decode", "payload");

  std::lock_guard lock(mutex_);
  if (auto it = entries_.find(result.job_id); it != entries_.end()) {
    if (it->second == *stored) return Ok();
    return MakeError(ErrorCode::kConflict, "outbox already holds a different result for job " + result.job_id,
                     "payload.job_id");
  }
  if (entries_.size() >= max_entries_) {
    return MakeError(ErrorCode::kTooLarge, "outbox is full: " + std::to_string(entries_.size()) +
                                               " results await result.ack (limit " +
                                               std::to_string(max_entries_) + ")");
  }
  const auto final_path = dir_ / (result.job_id + std::string(kSuffix));
  const auto temp_path = dir_ / (result.job_id + std::string(kTempSuffix));
  if (auto written = WriteFileSynced(temp_path, frame); !written) {
    std::error_code ignored;
    std::filesystem::remove(temp_path, ignored);
    return written.error();
  }
  if (::rename(temp_path.c_str(), final_path.c_str()) != 0) {
    const int err = errno;
    std::error_code ignored;
    std::filesystem::remove(temp_path, ignored);
    return IoError("rename to", final_path, err);
  }
  if (auto synced = SyncDir(dir_); !synced) {
    // The file is complete under its final name; only the rename's
    // durability is in doubt. Keep it: reporting failure would make the
    // caller retry into the same state.
    Log()->warn("{}", synced.error().Describe());
  }
  entries_.emplace(result.job_id, std::move(*stored));
  return Ok();
}

Result<void> Outbox::Ack(std::string_view job_id) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(job_id);
  if (it == entries_.end()) return Ok();
  const auto path = dir_ / (it->first + std::string(kSuffix));
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return IoError("remove", path, errno);
  entries_.erase(it);
  if (auto synced = SyncDir(dir_); !synced) return synced.error();
  return Ok();
}

std::vector<protocol::JobResult> Outbox::Pending() const {
  std::vector<protocol::JobResult> out;
  {
    std::lock_guard lock(mutex_);
    out.reserve(entries_.size());
    for (const auto& [id, result] : entries_) out.push_back(result);
  }
  std::stable_sort(out.begin(), out.end(), [](const protocol::JobResult& a, const protocol::JobResult& b) {
    if (a.finished_at != b.finished_at) return a.finished_at < b.finished_at;
    return a.job_id < b.job_id;
  });
  return out;
}

std::size_t Outbox::Size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace rmgr::agent
