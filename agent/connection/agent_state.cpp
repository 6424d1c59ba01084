#include "agent/connection/agent_state.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <boost/json.hpp>
#include <cerrno>
#include <system_error>

#include "common/schema/document.h"
#include "common/tls/fingerprint.h"
#include "common/update/bundle_signature.h"
#include "common/util/ulid.h"

namespace rmgr::agent {

//! The file's fields and rules (see common/schema/field_codec.h); the codec finds it by ADL.
template <class F>
void Fields(F& f, schema::Is<AgentState> auto& s) {
  f("server_url", s.server_url, schema::Text{.min = 1, .max = 2048});
  f("host_id", s.host_id, schema::Text{.min = 1, .max = 64});
  f("host_name", s.host_name, schema::Text{.min = 1, .max = 255});
  f("host_token", s.host_token, schema::Text{.min = 1, .max = 4096});
  f("install_id", s.install_id, schema::Text{.min = 26, .max = 26, .shape = &IsUlid, .shape_name = "a ULID"});
  f("tls_fingerprint", s.tls_fingerprint,
    schema::Text{.min = 71, .max = 71, .shape = &tls::IsFingerprint, .shape_name = "sha256:<64 hex digits>"});
  f("tls_next_fingerprint", s.tls_next_fingerprint,
    schema::Text{.min = 71, .max = 71, .shape = &tls::IsFingerprint, .shape_name = "sha256:<64 hex digits>"});
  f("update_key", s.update_key,
    schema::Text{.min = 72, .max = 72, .shape = &update::IsPublicKeyText, .shape_name = "ed25519:<64 hex digits>"});
}

namespace {

constexpr std::string_view kStateFile = "agent.json";
constexpr std::size_t kMaxStateBytes = std::size_t{64} * 1024;

Error IoError(std::string_view action, const std::filesystem::path& path, int err) {
  return MakeError(ErrorCode::kUnavailable, fmt::format("cannot {} {}: {}", action, path.string(),
                                                        std::generic_category().message(err)));
}

// Closes a file descriptor when it goes out of scope.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;

  int get() const { return fd_; }
  //! Closes now and reports close's error (for a file just written, it can be the write's).
  int Close() {
    const int rc = ::close(fd_);
    fd_ = -1;
    return rc;
  }

 private:
  int fd_;
};

// Writes `text` to a new 0600 file at `path` and makes it durable.
Result<void> WriteDurably(const std::filesystem::path& path, std::string_view text) {
  Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (fd.get() < 0) return IoError("create", path, errno);
  // A file left over by a crash keeps its old mode; O_CREAT's mode applies only to new files.
  if (::fchmod(fd.get(), 0600) != 0) return IoError("chmod", path, errno);
  while (!text.empty()) {
    const ssize_t n = ::write(fd.get(), text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return IoError("write", path, errno);
    text.remove_prefix(static_cast<std::size_t>(n));
  }
  if (::fsync(fd.get()) != 0) return IoError("fsync", path, errno);
  if (fd.Close() != 0) return IoError("close", path, errno);
  return Ok();
}

// fsync a directory so that a rename inside it is durable.
Result<void> SyncDirectory(const std::filesystem::path& dir) {
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) return IoError("open directory", dir, errno);
  if (::fsync(fd.get()) != 0) return IoError("fsync directory", dir, errno);
  return Ok();
}

// Creates `dir` (0700) and its missing parents; an existing directory is left as it is.
Result<void> MakeStateDirectory(const std::filesystem::path& dir) {
  if (dir.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(dir.parent_path(), ec);
    if (ec) return IoError("create directory", dir.parent_path(), ec.value());
  }
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return IoError("create directory", dir, errno);
  return Ok();
}

Result<std::string> ReadAll(int fd, const std::filesystem::path& path) {
  std::string text;
  std::array<char, 4096> chunk{};
  for (;;) {
    const ssize_t n = ::read(fd, chunk.data(), chunk.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return IoError("read", path, errno);
    if (n == 0) return text;
    text.append(chunk.data(), static_cast<std::size_t>(n));
    if (text.size() > kMaxStateBytes) {
      return MakeError(
          ErrorCode::kMalformed,
          fmt::format("{} is larger than {} bytes: not an agent state file", path.string(), kMaxStateBytes));
    }
  }
}

}  // namespace

Result<void> SaveAgentState(const std::filesystem::path& state_dir, const AgentState& state) {
  const boost::json::object doc = schema::WriteObject(state, /*redact=*/false);
  // Never write a file the next start would refuse.
  if (auto valid = schema::ReadObject<AgentState>(doc); !valid) {
    return MakeError(ErrorCode::kInvalidArgument, "cannot save the agent state: " + valid.error().Describe(),
                     valid.error().field);
  }
  if (auto made = MakeStateDirectory(state_dir); !made) return made;

  const auto file = state_dir / kStateFile;
  const auto temp = state_dir / (std::string(kStateFile) + ".tmp");
  if (auto written = WriteDurably(temp, boost::json::serialize(doc) + "\n"); !written) {
    ::unlink(temp.c_str());
    return written;
  }
  if (::rename(temp.c_str(), file.c_str()) != 0) {
    const int err = errno;
    ::unlink(temp.c_str());
    return IoError("rename to", file, err);
  }
  return SyncDirectory(state_dir);
}

Result<AgentState> LoadAgentState(const std::filesystem::path& state_dir) {
  const auto file = state_dir / kStateFile;
  const Fd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) {
      return MakeError(
          ErrorCode::kNotFound,
          "this agent is not enrolled: run restic-manager-agent enroll --server URL --token T --state-dir " +
              state_dir.string());
    }
    return IoError("open", file, errno);
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return IoError("stat", file, errno);
  if (!S_ISREG(st.st_mode)) {
    return MakeError(ErrorCode::kMalformed, fmt::format("{} is not a regular file", file.string()));
  }
  if ((st.st_mode & 077) != 0) {
    return MakeError(
        ErrorCode::kPermissionDenied,
        fmt::format("{} holds the host token but other users may access it (mode {:04o}): run chmod 600 {}",
                    file.string(), st.st_mode & 07777, file.string()));
  }
  auto text = ReadAll(fd.get(), file);
  if (!text) return text.error();
  auto state = schema::DecodeObject<AgentState>(*text, {.max_bytes = kMaxStateBytes, .max_depth = 4});
  if (!state) {
    return MakeError(ErrorCode::kMalformed, fmt::format("{} is not a valid agent state file: {}",
                                                        file.string(), state.error().Describe()));
  }
  return state;
}

Result<void> EnsureInstallId(const std::filesystem::path& state_dir, AgentState& state) {
  if (state.install_id) return Ok();
  AgentState updated = state;
  updated.install_id = NewUlid();
  if (auto saved = SaveAgentState(state_dir, updated); !saved) return saved;
  state = std::move(updated);
  return Ok();
}

}  // namespace rmgr::agent
