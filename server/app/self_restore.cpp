#include "server/app/self_restore.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "server/app/data_dir_lock.h"
#include "server/app/self_backup.h"
#include "server/store/store.h"

namespace rmgr::server {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kCopyChunk = 1 << 20;
constexpr std::uint64_t kMaxSmallPart = 1 << 20;

Error FileError(const fs::path& path, const std::string& what) {
  return MakeError(ErrorCode::kUnavailable, what + " " + path.string() + ": " + std::strerror(errno));
}

// Closes a descriptor on every path.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

Result<void> CheckTarget(const fs::path& data_dir, bool force) {
  std::error_code ec;
  if (!fs::exists(data_dir, ec)) return Ok();
  if (!fs::is_directory(data_dir, ec))
    return MakeError(ErrorCode::kConflict, data_dir.string() + " is not a directory");
  if (!force && !fs::is_empty(data_dir, ec)) {
    return MakeError(ErrorCode::kConflict, "data dir " + data_dir.string() +
                                               " is not empty; restore into a new directory (or --force)");
  }
  return Ok();
}

Result<std::string> ReadPart(int fd, std::uint64_t offset, std::uint64_t size) {
  if (size > kMaxSmallPart) return MakeError(ErrorCode::kMalformed, "a key or certificate part is too large");
  std::string bytes(static_cast<std::size_t>(size), '\0');
  std::size_t got = 0;
  while (got < bytes.size()) {
    const auto n = ::pread(fd, bytes.data() + got, bytes.size() - got, static_cast<off_t>(offset + got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return MakeError(ErrorCode::kMalformed, "the file ends inside a part (truncated)");
    got += static_cast<std::size_t>(n);
  }
  return bytes;
}

// Writes `size` bytes of `fd` from `offset`, or `bytes` when given, to a new
// 0600 file; `sha256` (when given) is checked against what landed in it, so a
// backup file changed between the check and the copy is caught too.
Result<void> WriteNew(const fs::path& path, int fd, std::uint64_t offset, std::uint64_t size,
                      const std::string* bytes, const std::string* sha256 = nullptr) {
  const int out = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (out < 0) return FileError(path, "cannot create");
  Fd closer{out};
  std::vector<char> buffer(kCopyChunk);
  std::uint64_t done = 0;
  const std::uint64_t total = bytes != nullptr ? bytes->size() : size;
  while (done < total) {
    const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(total - done, buffer.size()));
    ssize_t n = 0;
    if (bytes != nullptr) {
      std::memcpy(buffer.data(), bytes->data() + done, want);
      n = static_cast<ssize_t>(want);
    } else {
      n = ::pread(fd, buffer.data(), want, static_cast<off_t>(offset + done));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return FileError(path, "cannot read the part for");
    }
    for (ssize_t put = 0; put < n;) {
      const auto w = ::write(out, buffer.data() + put, static_cast<std::size_t>(n - put));
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) return FileError(path, "cannot write");
      put += w;
    }
    done += static_cast<std::uint64_t>(n);
  }
  if (::fsync(out) != 0) return FileError(path, "cannot fsync");
  if (sha256 != nullptr) {
    auto landed = Sha256OfRange(out, 0, total);
    if (!landed) return landed.error();
    if (*landed != *sha256) {
      return MakeError(
          ErrorCode::kMalformed,
          "the copy in " + path.string() + " does not match its SHA-256: the backup file changed meanwhile");
    }
  }
  return Ok();
}

fs::path Staged(const fs::path& final_path) {
  fs::path temp = final_path;
  temp += ".restore-tmp";
  return temp;
}

// Offsets of the parts, checked against the file's length.
Result<std::vector<std::uint64_t>> PartOffsets(const HeaderRead& header, std::uint64_t file_bytes) {
  auto parts_bytes = header.manifest.PartsBytes();
  if (!parts_bytes) return parts_bytes.error();
  const std::uint64_t expected = header.header_bytes + *parts_bytes;
  if (file_bytes < expected) {
    return MakeError(ErrorCode::kMalformed, "the file is truncated: its manifest describes " +
                                                std::to_string(expected) + " bytes, it has " +
                                                std::to_string(file_bytes));
  }
  if (file_bytes > expected) {
    return MakeError(ErrorCode::kMalformed,
                     "the file has " + std::to_string(file_bytes - expected) +
                         " bytes after its last part; it was not written by backup-self");
  }
  std::vector<std::uint64_t> offsets;
  std::uint64_t at = header.header_bytes;
  for (const auto& part : header.manifest.parts) {
    offsets.push_back(at);
    at += part.size;
  }
  return offsets;
}

}  // namespace

Result<RestoreReport> RestoreSelfBackup(const fs::path& from, const fs::path& data_dir,
                                        std::string_view passphrase, bool force) {
  if (auto target = CheckTarget(data_dir, force); !target) return target.error();
  Fd file{::open(from.c_str(), O_RDONLY | O_CLOEXEC)};
  if (file.fd < 0) return FileError(from, "cannot open");
  struct stat st {};
  if (::fstat(file.fd, &st) != 0) return FileError(from, "cannot stat");

  // 1. Header, length, passphrase: before any expensive or writing step.
  auto header = ReadHeader(file.fd);
  if (!header) return header.error();
  const Manifest& manifest = header->manifest;
  auto offsets = PartOffsets(*header, static_cast<std::uint64_t>(st.st_size));
  if (!offsets) return offsets.error();
  auto keys = PassphraseKeys::Derive(passphrase, manifest.kdf);
  if (!keys) return keys.error();
  if (auto verified = VerifyHeader(*header, *keys); !verified) return verified.error();
  if (manifest.schema_version > store::NewestSchemaVersion()) {
    return MakeError(ErrorCode::kSchemaTooNew,
                     "the backup's store has schema version " + std::to_string(manifest.schema_version) +
                         ", this binary knows up to " + std::to_string(store::NewestSchemaVersion()) +
                         "; restore with a newer server");
  }
  const PartEntry* store_part = manifest.Find("store");
  const PartEntry* key_part = manifest.Find("server.key");
  if (store_part == nullptr || key_part == nullptr || !key_part->sealed) {
    return MakeError(ErrorCode::kMalformed, "the manifest lacks the store or the sealed server key");
  }

  // 2. Every part's hash; the sealed ones opened.
  std::string key, cert, tls_key, update_key;
  for (std::size_t i = 0; i < manifest.parts.size(); ++i) {
    const PartEntry& part = manifest.parts[i];
    auto hash = Sha256OfRange(file.fd, (*offsets)[i], part.size);
    if (!hash) return hash.error();
    if (*hash != part.sha256) {
      return MakeError(ErrorCode::kMalformed,
                       "part " + part.name + " does not match its SHA-256: the file was altered or damaged");
    }
    if (part.name == "store") continue;
    auto bytes = ReadPart(file.fd, (*offsets)[i], part.size);
    if (!bytes) return bytes.error();
    if (part.sealed) {
      auto plain = keys->Open(*bytes, part.nonce);
      if (!plain)
        return MakeError(ErrorCode::kUnauthenticated,
                         "part " + part.name + " does not open with the passphrase");
      *bytes = std::move(*plain);
    }
    if (part.name == "server.key") key = std::move(*bytes);
    if (part.name == "tls.crt") cert = std::move(*bytes);
    if (part.name == "tls.key") tls_key = std::move(*bytes);
    if (part.name == "update-signing.key") update_key = std::move(*bytes);
  }
  if (key.size() != 32) return MakeError(ErrorCode::kMalformed, "the restored server key is not 32 bytes");
  const bool tls = !cert.empty() && !tls_key.empty();

  // 3. Staged beside their final names, the store checked before anything moves.
  std::error_code ec;
  const bool made_dir = !fs::exists(data_dir, ec);
  fs::create_directories(data_dir, ec);
  if (ec)
    return MakeError(ErrorCode::kUnavailable, "cannot create " + data_dir.string() + ": " + ec.message());
  fs::permissions(data_dir, fs::perms::owner_all, ec);
  // Restoring over a dir (--force) that a running server uses would pull its store from under it.
  std::optional<DataDirLock> lock;
  if (!made_dir) {
    auto taken = DataDirLock::Acquire(data_dir, "restore into it");
    if (!taken) return taken.error();
    lock.emplace(std::move(taken).value());
  }
  const auto sources = SelfBackupSources::InDataDir(data_dir);
  std::vector<std::pair<fs::path, fs::path>> moves;  // staged → final
  const std::size_t store_index = static_cast<std::size_t>(store_part - manifest.parts.data());
  auto stage = [&](const fs::path& final_path, const std::string* bytes, std::uint64_t offset,
                   std::uint64_t size, const std::string* sha256 = nullptr) -> Result<void> {
    const fs::path staged = Staged(final_path);
    moves.emplace_back(staged, final_path);
    return WriteNew(staged, file.fd, offset, size, bytes, sha256);
  };
  auto cleanup = [&] {
    for (const auto& [staged, final_path] : moves) fs::remove(staged, ec);
    if (made_dir) fs::remove(data_dir, ec);  // only when empty again
  };
  Result<void> staged =
      stage(sources.database, nullptr, (*offsets)[store_index], store_part->size, &store_part->sha256);
  if (staged) staged = stage(sources.key, &key, 0, 0);
  if (staged && tls) staged = stage(sources.tls_cert, &cert, 0, 0);
  if (staged && tls) staged = stage(sources.tls_key, &tls_key, 0, 0);
  if (staged && !update_key.empty()) staged = stage(sources.update_key, &update_key, 0, 0);
  sodium_memzero(key.data(), key.size());
  sodium_memzero(tls_key.data(), tls_key.size());
  sodium_memzero(update_key.data(), update_key.size());
  if (staged) {
    auto facts = store::InspectSqliteFile(Staged(sources.database));
    if (!facts) staged = facts.error();
  }
  if (!staged) {
    cleanup();
    return staged.error();
  }

  // 4. Into place. A stale WAL beside the store would be replayed over it, and
  // leftovers of a rotation would open secrets with keys of another server.
  for (const char* suffix : {"-wal", "-shm", "-journal"})
    fs::remove(fs::path(sources.database.string() + suffix), ec);
  for (const char* suffix : {".next", ".old"}) fs::remove(fs::path(sources.key.string() + suffix), ec);
  for (const auto& [from_path, to_path] : moves) {
    if (::rename(from_path.c_str(), to_path.c_str()) != 0) {
      const Error error = FileError(to_path, "cannot rename into");
      cleanup();
      return error;
    }
  }
  const int dir_fd = ::open(data_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }

  // 5. Opened as a start opens it: migrations of an older schema run now.
  {
    auto opened = store::OpenSqliteStore(sources.database);
    if (!opened) return opened.error();
  }
  RestoreReport report;
  report.manifest = manifest;
  report.tls = tls;
  // Read through a connection of its own, as it is now (migrated, in WAL mode).
  auto facts = store::InspectSqliteFile(sources.database);
  if (!facts) return facts.error();
  report.restored = *facts;
  return report;
}

}  // namespace rmgr::server
