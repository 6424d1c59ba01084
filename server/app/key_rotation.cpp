#include "server/app/key_rotation.h"

#include <fcntl.h>
#include <sodium.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "server/auth/secret_box.h"

namespace rmgr::server {
namespace {

namespace fs = std::filesystem;

Error FileError(const fs::path& path, const std::string& what) {
  return MakeError(ErrorCode::kUnavailable, what + " " + path.string() + ": " + std::strerror(errno));
}

Result<void> SyncDir(const fs::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return FileError(dir, "cannot open");
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (!synced) return FileError(dir, "cannot fsync");
  return Ok();
}

// Writes `bytes` to `path` so that the file is either absent or complete:
// a 0600 temp file beside it, fsync'd, renamed over it, the directory fsync'd.
Result<void> WriteKeyFile(const fs::path& path, const unsigned char* bytes, std::size_t size) {
  fs::path temp = path;
  temp += ".tmp";
  ::unlink(temp.c_str());
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return FileError(temp, "cannot create");
  const bool written = ::write(fd, bytes, size) == static_cast<ssize_t>(size) && ::fsync(fd) == 0;
  ::close(fd);
  if (!written) return FileError(temp, "cannot write");
  if (::rename(temp.c_str(), path.c_str()) != 0) return FileError(path, "cannot rename into");
  return SyncDir(path.parent_path());
}

Result<void> NewKeyFile(const fs::path& path) {
  if (sodium_init() < 0) return MakeError(ErrorCode::kInternal, "libsodium does not initialise");
  std::array<unsigned char, 32> key{};
  randombytes_buf(key.data(), key.size());
  auto written = WriteKeyFile(path, key.data(), key.size());
  sodium_memzero(key.data(), key.size());
  return written;
}

Result<void> CopyKeyFile(const fs::path& from, const fs::path& to) {
  std::array<unsigned char, 33> key{};
  const int fd = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return FileError(from, "cannot open");
  const auto n = ::read(fd, key.data(), key.size());
  ::close(fd);
  if (n != 32)
    return MakeError(ErrorCode::kInvalidArgument,
                     "server key " + from.string() + " must be exactly 32 bytes");
  auto written = WriteKeyFile(to, key.data(), 32);
  sodium_memzero(key.data(), key.size());
  return written;
}

auth::SealedSecret AsSealed(const store::SealedRecord& record) {
  return auth::SealedSecret{record.nonce, record.ciphertext};
}

std::string Describe(const store::SealedRecord& record) {
  switch (record.kind) {
    case store::SealedKind::kRepositoryPassword:
      return "repository " + record.id;
    case store::SealedKind::kChannelSecret:
      return "notification channel " + record.id;
    case store::SealedKind::kTotpSecret:
      return "TOTP key of user " + record.id;
  }
  return record.id;
}

}  // namespace

Result<RotationReport> RotateServerKey(const fs::path& data_dir, store::Store& store,
                                       const RotationCheckpoint& checkpoint) {
  const fs::path key = data_dir / "server.key";
  fs::path next = key, old = key;
  next += ".next";
  old += ".old";
  auto stop_at = [&](std::string_view step) -> Result<void> {
    if (checkpoint && !checkpoint(step)) {
      return MakeError(ErrorCode::kUnavailable, "rotation stopped after step " + std::string(step));
    }
    return Ok();
  };
  std::error_code ec;
  if (!fs::exists(key, ec))
    return MakeError(ErrorCode::kNotFound, "no server key at " + key.string() + " to rotate");

  // A run that got past the swap left only the old copy behind: the key in
  // server.key already seals everything, so this run rotates afresh below.
  // 1. The new key (kept when an earlier run already wrote it).
  if (!fs::exists(next, ec)) {
    if (auto made = NewKeyFile(next); !made) return made.error();
    if (auto go = stop_at("key_written"); !go) return go.error();
  }
  auto current = auth::SecretBox::LoadWithRotation(key);  // opens with key, .next and .old
  if (!current) return current.error();
  auto fresh = auth::SecretBox::LoadOrCreate(next);
  if (!fresh) return fresh.error();

  // 2. Re-seal, one secret per transaction.
  RotationReport report;
  auto secrets = store.Read([](store::ReadTx& tx) { return tx.ListSealedSecrets(); });
  if (!secrets) return secrets.error();
  for (const auto& record : *secrets) {
    if (fresh->OpenWithSealingKey(AsSealed(record))) {
      ++report.already_sealed;
      continue;
    }
    auto plain = current->Open(AsSealed(record));
    if (!plain) {
      return MakeError(ErrorCode::kInternal, "the secret of " + Describe(record) +
                                                 " opens with none of the server's keys; nothing swapped");
    }
    auth::SealedSecret sealed = fresh->Seal(*plain);
    sodium_memzero(plain->data(), plain->size());
    store::SealedRecord updated = record;
    updated.nonce = std::move(sealed.nonce);
    updated.ciphertext = std::move(sealed.ciphertext);
    auto written = store.Write([&](store::WriteTx& tx) { return tx.ResealSecret(updated); });
    if (!written && written.error().code != ErrorCode::kNotFound)
      return written.error();  // gone: nothing to keep
    ++report.resealed;
    if (auto go = stop_at("resealed"); !go) return go.error();
  }

  // 3–4. Keep the old key until the new one is in place, then swap.
  if (auto kept = CopyKeyFile(key, old); !kept) return kept.error();
  if (auto go = stop_at("old_kept"); !go) return go.error();
  if (::rename(next.c_str(), key.c_str()) != 0) return FileError(key, "cannot rename the new key into");
  if (auto synced = SyncDir(data_dir); !synced) return synced.error();
  if (auto go = stop_at("swapped"); !go) return go.error();

  // 5. Drop the old key only when the new one alone opens everything.
  auto only_new = auth::SecretBox::LoadOrCreate(key);
  if (!only_new) return only_new.error();
  auto check = store.Read([](store::ReadTx& tx) { return tx.ListSealedSecrets(); });
  if (!check) return check.error();
  for (const auto& record : *check) {
    if (!only_new->Open(AsSealed(record))) {
      return MakeError(ErrorCode::kInternal, "the secret of " + Describe(record) +
                                                 " does not open with the new key; server.key.old is kept");
    }
  }
  if (::unlink(old.c_str()) != 0) return FileError(old, "cannot remove");
  if (auto synced = SyncDir(data_dir); !synced) return synced.error();
  return report;
}

}  // namespace rmgr::server
