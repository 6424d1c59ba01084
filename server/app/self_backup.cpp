#include "server/app/self_backup.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <vector>

#include "common/tls/self_signed.h"
#include "common/util/time_format.h"
#include "server/app/server_config.h"
#include "server/auth/update_signing_key.h"

namespace rmgr::server {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kMaxSmallFile = 1 << 20;  // key and TLS files
constexpr std::size_t kCopyChunk = 1 << 20;

Error FileError(const fs::path& path, const std::string& what) {
  return MakeError(ErrorCode::kUnavailable, what + " " + path.string() + ": " + std::strerror(errno));
}

// A small file whole; for secrets, refused when group or others may read it.
Result<std::string> ReadSmall(const fs::path& path, bool secret) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return FileError(path, "cannot open");
  struct stat st {};
  if (::fstat(fd, &st) != 0 || st.st_size < 0 || static_cast<std::size_t>(st.st_size) > kMaxSmallFile) {
    ::close(fd);
    return MakeError(ErrorCode::kTooLarge, path.string() + " is not a small regular file");
  }
  if (secret && (st.st_mode & 077) != 0) {
    ::close(fd);
    return MakeError(ErrorCode::kPermissionDenied,
                     path.string() + " is readable by group or others; chmod 600 it");
  }
  std::string bytes(static_cast<std::size_t>(st.st_size), '\0');
  std::size_t got = 0;
  while (got < bytes.size()) {
    const auto n = ::read(fd, bytes.data() + got, bytes.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  ::close(fd);
  if (got != bytes.size()) return FileError(path, "cannot read");
  return bytes;
}

bool WriteAll(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    const auto n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

// Appends the whole file `from` to `fd`.
Result<void> AppendFile(int fd, const fs::path& from) {
  const int in = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) return FileError(from, "cannot open");
  std::vector<char> buffer(kCopyChunk);
  for (;;) {
    const auto n = ::read(in, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ::close(in);
      return FileError(from, "cannot read");
    }
    if (n == 0) break;
    if (!WriteAll(fd, buffer.data(), static_cast<std::size_t>(n))) {
      ::close(in);
      return FileError(from, "cannot copy");
    }
  }
  ::close(in);
  return Ok();
}

Result<std::string> Sha256OfFile(const fs::path& path, std::uint64_t& size) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return FileError(path, "cannot open");
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return FileError(path, "cannot stat");
  }
  size = static_cast<std::uint64_t>(st.st_size);
  auto hash = Sha256OfRange(fd, 0, size);
  ::close(fd);
  return hash;
}

// A name beside `out` nobody else uses.
fs::path TempBeside(const fs::path& out, const char* what) {
  std::array<unsigned char, 6> random{};
  randombytes_buf(random.data(), random.size());
  std::string suffix;
  for (unsigned char b : random) suffix += "0123456789abcdef"[b >> 4], suffix += "0123456789abcdef"[b & 15];
  fs::path temp = out;
  temp += std::string(".") + what + "-" + suffix + ".tmp";
  return temp;
}

// Everything after the copy of the store: seal, assemble, write, rename.
Result<SelfBackupReport> Assemble(const SelfBackupSources& sources, const fs::path& out,
                                  const fs::path& store_copy, const store::StoreFileFacts& facts,
                                  TimePoint copied_at, std::string_view passphrase,
                                  const SelfBackupOptions& options) {
  auto key = ReadSmall(sources.key, true);
  if (!key) return key.error();
  if (key->size() != 32)
    return MakeError(ErrorCode::kInvalidArgument, "server key " + sources.key.string() + " is not 32 bytes");
  std::error_code ec;
  const bool tls = fs::exists(sources.tls_cert, ec) && fs::exists(sources.tls_key, ec);

  Manifest manifest;
  manifest.created_at = FormatRfc3339Utc(copied_at);
  manifest.server_version = options.server_version;
  manifest.schema_version = facts.schema_version;
  manifest.host_count = facts.host_count;
  manifest.kdf = NewKdfParams(options.opslimit, options.memlimit);
  auto keys = PassphraseKeys::Derive(passphrase, manifest.kdf);
  if (!keys) return keys.error();

  PartEntry store_part{.name = "store", .size = 0, .sha256 = {}, .sealed = false, .nonce = {}};
  auto store_hash = Sha256OfFile(store_copy, store_part.size);
  if (!store_hash) return store_hash.error();
  store_part.sha256 = *store_hash;
  manifest.parts.push_back(store_part);
  std::vector<std::string> small;  // bytes of the parts after the store, in order
  auto add = [&](const char* name, std::string bytes, bool seal) {
    PartEntry part{.name = name, .size = 0, .sha256 = {}, .sealed = seal, .nonce = {}};
    if (seal) {
      std::string sealed = keys->Seal(bytes, part.nonce);
      sodium_memzero(bytes.data(), bytes.size());
      bytes = std::move(sealed);
    }
    part.size = bytes.size();
    part.sha256 = Sha256Hex(bytes);
    manifest.parts.push_back(std::move(part));
    small.push_back(std::move(bytes));
  };
  add("server.key", std::move(*key), true);
  if (tls) {
    auto cert = ReadSmall(sources.tls_cert, false);
    if (!cert) return cert.error();
    auto tls_key = ReadSmall(sources.tls_key, true);
    if (!tls_key) return tls_key.error();
    add("tls.crt", std::move(*cert), false);
    add("tls.key", std::move(*tls_key), true);
  }
  // Agents install only updates signed with this key (pinned at their
  // enrollment): a server restored without it could never update them.
  if (!sources.update_key.empty() && fs::exists(sources.update_key, ec)) {
    auto update_key = ReadSmall(sources.update_key, true);
    if (!update_key) return update_key.error();
    add("update-signing.key", std::move(*update_key), true);
  }
  const std::string header = EncodeHeader(manifest, *keys);

  const fs::path temp = TempBeside(out, "part");
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return FileError(temp, "cannot create");
  Result<void> written = WriteAll(fd, header.data(), header.size()) ? Ok() : FileError(temp, "cannot write");
  if (written) written = AppendFile(fd, store_copy);
  for (const auto& bytes : small) {
    if (written && !WriteAll(fd, bytes.data(), bytes.size())) written = FileError(temp, "cannot write");
  }
  if (written && ::fsync(fd) != 0) written = FileError(temp, "cannot fsync");
  ::close(fd);
  if (written && ::rename(temp.c_str(), out.c_str()) != 0) written = FileError(out, "cannot rename into");
  if (!written) {
    ::unlink(temp.c_str());
    return written.error();
  }
  const fs::path dir = out.has_parent_path() ? out.parent_path() : fs::path(".");
  const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
  SelfBackupReport report;
  report.file = out;
  report.bytes = header.size();
  for (std::size_t i = 0; i < manifest.parts.size(); ++i) report.bytes += manifest.parts[i].size;
  report.manifest = std::move(manifest);
  return report;
}

}  // namespace

SelfBackupSources SelfBackupSources::InDataDir(const fs::path& data_dir) {
  ServerConfig config;
  config.data_dir = data_dir;
  const auto tls = tls::SelfSignedFilesIn(data_dir);
  return SelfBackupSources{config.DatabasePath(), data_dir / "server.key", tls.cert, tls.key,
                           data_dir / auth::kUpdateSigningKeyFile};
}

Result<SelfBackupReport> WriteSelfBackup(const SelfBackupSources& sources, const fs::path& out,
                                         std::string_view passphrase, const SelfBackupOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  std::error_code ec;
  for (const char* suffix : {".next", ".old"}) {
    if (fs::exists(fs::path(sources.key.string() + suffix), ec)) {
      return MakeError(ErrorCode::kConflict, "a key rotation is unfinished (" + sources.key.string() +
                                                 suffix + " exists); run rotate-key to finish it first");
    }
  }
  if (!fs::exists(sources.database, ec)) {
    return MakeError(ErrorCode::kNotFound, "no store at " + sources.database.string());
  }
  const fs::path store_copy = TempBeside(out, "store");
  const TimePoint copied_at = Clock::now();
  auto facts = store::CopySqliteOnline(sources.database, store_copy);
  if (!facts) return facts.error();
  auto report = Assemble(sources, out, store_copy, *facts, copied_at, passphrase, options);
  fs::remove(store_copy, ec);
  if (report) {
    report->took =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  }
  return report;
}

}  // namespace rmgr::server
