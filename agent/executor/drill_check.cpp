#include "agent/executor/drill_check.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>

namespace rmgr::agent {
namespace {

namespace json = boost::json;

//! A file descriptor closed on scope exit.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

//! Reads up to `size` bytes (fewer only at end of file); -1 on an error.
ssize_t ReadFull(int fd, char* buffer, std::size_t size) {
  std::size_t got = 0;
  while (got < size) {
    const ssize_t n = ::read(fd, buffer + got, size - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -1;
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  return static_cast<ssize_t>(got);
}

TimePoint MtimeOf(const struct stat& st) {
  return TimePoint{std::chrono::duration_cast<Clock::duration>(std::chrono::seconds{st.st_mtim.tv_sec} +
                                                               std::chrono::nanoseconds{st.st_mtim.tv_nsec})};
}

constexpr std::size_t kChunk = 64 * 1024;

}  // namespace

DrillLsLine ParseDrillLsLine(std::string_view line) {
  DrillLsLine out;
  boost::system::error_code ec;
  const json::value doc = json::parse(line, ec);
  if (ec || !doc.is_object()) return out;
  const json::object& o = doc.get_object();
  const auto text = [&](std::string_view key) -> std::optional<std::string_view> {
    const json::value* v = o.if_contains(key);
    if (v == nullptr || !v->is_string()) return std::nullopt;
    return std::string_view(v->get_string());
  };
  // restic 0.14 names the line's kind "struct_type"; 0.17+ adds "message_type" (struct_type deprecated).
  if (text("struct_type") == "snapshot" || text("message_type") == "snapshot") {
    if (const auto id = text("id"); id && id->size() == 64) out.snapshot_id = std::string(*id);
    return out;
  }
  if (text("type") != "file") return out;
  const auto path = text("path");
  const auto mtime = text("mtime");
  const json::value* size = o.if_contains("size");
  if (!path || !path->starts_with('/') || !mtime) return out;
  DrillFile file;
  file.path = std::string(*path);
  if (size == nullptr) {
    file.size = 0;  // restic leaves out a zero size
  } else if (size->is_uint64()) {
    file.size = size->get_uint64();
  } else if (size->is_int64() && size->get_int64() >= 0) {
    file.size = static_cast<uint64_t>(size->get_int64());
  } else {
    return out;
  }
  const auto parsed = ParseRfc3339(*mtime);
  if (!parsed.ok()) return out;
  file.mtime = parsed->time;
  out.file = std::move(file);
  return out;
}

DrillSampler::DrillSampler(uint32_t count, uint64_t max_bytes, uint64_t seed)
    : count_(count), max_bytes_(max_bytes), rng_(seed) {
  reservoir_.reserve(count);
}

void DrillSampler::Offer(DrillFile file) {
  ++offered_;
  if (file.size > max_bytes_ || count_ == 0) return;
  ++eligible_;
  if (reservoir_.size() < count_) {
    reservoir_.push_back(std::move(file));
    return;
  }
  // Algorithm R: the n-th eligible file replaces a random slot with probability count/n.
  std::uniform_int_distribution<uint64_t> pick(0, eligible_ - 1);
  if (const uint64_t slot = pick(rng_); slot < count_) reservoir_[slot] = std::move(file);
}

std::vector<DrillFile> DrillSampler::Take() {
  std::shuffle(reservoir_.begin(), reservoir_.end(), rng_);
  std::vector<DrillFile> out;
  uint64_t total = 0;
  for (auto& file : reservoir_) {
    if (file.size > max_bytes_ - total) continue;
    total += file.size;
    out.push_back(std::move(file));
  }
  reservoir_.clear();
  return out;
}

DrillVerdict CheckRestoredFile(const DrillFile& recorded, const std::filesystem::path& restored,
                               const std::function<bool()>& stopped) {
  struct stat restored_st {};
  if (::lstat(restored.c_str(), &restored_st) != 0 || !S_ISREG(restored_st.st_mode))
    return DrillVerdict::kUnreadable;
  if (static_cast<uint64_t>(restored_st.st_size) != recorded.size) return DrillVerdict::kMismatched;
  Fd restored_fd(::open(restored.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (restored_fd.get() < 0) return DrillVerdict::kUnreadable;

  // The live file is compared only when it still looks as the snapshot saw it.
  struct stat live_st {};
  const bool live_unchanged = ::lstat(recorded.path.c_str(), &live_st) == 0 && S_ISREG(live_st.st_mode) &&
                              static_cast<uint64_t>(live_st.st_size) == recorded.size &&
                              MtimeOf(live_st) == recorded.mtime;
  Fd live_fd(live_unchanged ? ::open(recorded.path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW) : -1);

  std::array<char, kChunk> restored_buf{};
  std::array<char, kChunk> live_buf{};
  bool differ = false;
  bool live_readable = live_fd.get() >= 0;
  for (;;) {
    if (stopped && stopped()) return DrillVerdict::kUnreadable;
    const ssize_t n = ReadFull(restored_fd.get(), restored_buf.data(), restored_buf.size());
    if (n < 0) return DrillVerdict::kUnreadable;
    if (live_readable && !differ) {
      const ssize_t m = ReadFull(live_fd.get(), live_buf.data(), live_buf.size());
      if (m < 0) {
        live_readable = false;  // the live side's trouble, not the backup's
      } else if (m != n ||
                 std::memcmp(restored_buf.data(), live_buf.data(), static_cast<std::size_t>(n)) != 0) {
        differ = true;
      }
    }
    if (n == 0) break;
  }
  if (!live_readable) return DrillVerdict::kSizeOnly;
  return differ ? DrillVerdict::kMismatched : DrillVerdict::kVerified;
}

void Count(protocol::DrillSummary& summary, const DrillFile& file, DrillVerdict verdict) {
  ++summary.sampled;
  const auto keep = [&](std::vector<std::string>& paths) {
    if (paths.size() < protocol::DrillSummary::kMaxExamples) paths.push_back(file.path);
  };
  switch (verdict) {
    case DrillVerdict::kVerified:
      ++summary.verified;
      return;
    case DrillVerdict::kSizeOnly:
      ++summary.size_only;
      return;
    case DrillVerdict::kMismatched:
      ++summary.mismatched;
      keep(summary.mismatched_paths);
      return;
    case DrillVerdict::kUnreadable:
      ++summary.unreadable;
      keep(summary.unreadable_paths);
      return;
  }
}

DrillOutcome JudgeDrill(const protocol::DrillSummary& summary) {
  const std::string of = " of " + std::to_string(summary.sampled) + " sampled files";
  if (summary.mismatched > 0) {
    return {protocol::JobStatus::kFailed, protocol::ErrorKind::kVerifyMismatch,
            std::to_string(summary.mismatched) + of +
                " came back different from the backup (first: " + summary.mismatched_paths.front() + ")"};
  }
  if (summary.unreadable > 0) {
    return {protocol::JobStatus::kPartial, protocol::ErrorKind::kNone,
            std::to_string(summary.unreadable) + of +
                " could not be restored or read (first: " + summary.unreadable_paths.front() + ")"};
  }
  if (summary.sampled == 0) {
    return {protocol::JobStatus::kPartial, protocol::ErrorKind::kNone,
            "the latest snapshot holds no regular file within the drill's size limit: nothing was verified"};
  }
  return {};
}

}  // namespace rmgr::agent
