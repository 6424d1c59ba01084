#pragma once
// The file `restic-manager-server backup-self` writes and `restore-self`
// reads: one file holding the store, the server key and the self-signed TLS
// pair, with a versioned manifest in front (docs/self-backup.md).
//
// Layout, version 1 (integers little-endian):
//   offset 0     8 bytes   magic "RMGRSELF"
//   8            4 bytes   format version (1)
//   12           4 bytes   manifest length M (1 .. 64 KiB)
//   16           M bytes   manifest, a JSON object:
//                            {"created_at": "2026-12-07T17:00:00.000Z", "server_version": "0.1.0",
//                             "schema_version": 13, "host_count": 2,
//                             "kdf": {"alg": "argon2id13", "opslimit": 3, "memlimit": 268435456,
//                                     "salt": <32 hex>},
//                             "parts": [{"name": "store", "size": N, "sha256": <64 hex>, "sealed": false},
//                                       {"name": "server.key", "size": N, "sha256": ..., "sealed": true,
//                                        "nonce": <48 hex>}, ...]}
//   16+M         32 bytes  HMAC-SHA-256 of bytes [0, 16+M) under the header key
//   48+M         the parts, back to back, in manifest order; nothing after them.
// Parts: "store" (the SQLite file, rollback journal, not encrypted: its
// secrets are sealed with the server key and its passwords are hashes),
// "server.key" (sealed), and when present "tls.crt" and "tls.key" (sealed).
// Sizes and hashes are of the bytes as stored (ciphertext for sealed parts).
//
// Keys: passphrase_keys.h (Argon2id → a part key and a header key). The
// authenticated header carries every part's SHA-256, so a file that verifies
// under the passphrase is exactly what was written.
// Thread safety: value types and functions.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "server/app/passphrase_keys.h"

namespace rmgr::server {

//! First bytes of every self-backup file.
inline constexpr std::string_view kSelfBackupMagic = "RMGRSELF";
//! The one format version this binary writes and reads.
inline constexpr std::uint32_t kSelfBackupFormat = 1;
//! Bytes before the manifest: magic, version, manifest length.
inline constexpr std::size_t kSelfBackupPrefixBytes = 16;
//! Upper bound of the manifest (a parser size limit).
inline constexpr std::size_t kSelfBackupMaxManifest = 64 * 1024;

//! One part of the file, as the manifest describes it.
struct PartEntry {
  std::string name;        ///< "store", "server.key", "tls.crt", "tls.key".
  std::uint64_t size = 0;  ///< Bytes stored.
  std::string sha256;      ///< Lower-case hex of the stored bytes.
  bool sealed = false;     ///< Encrypted with the passphrase's part key.
  PartNonce nonce{};       ///< For sealed parts.
};

//! Everything the header says.
struct Manifest {
  std::string created_at;           ///< RFC 3339 UTC, when the store was copied.
  std::string server_version;       ///< The binary that wrote it.
  std::int64_t schema_version = 0;  ///< The store's schema version.
  std::int64_t host_count = 0;      ///< Hosts in the store.
  KdfParams kdf;                    ///< How the keys were derived.
  std::vector<PartEntry> parts;     ///< In file order.

  //! The entry named `name`, or null.
  const PartEntry* Find(std::string_view name) const;
  //! Sum of the part sizes; kMalformed when it overflows.
  Result<std::uint64_t> PartsBytes() const;
};

//! Magic, version, manifest and tag: the bytes before the parts.
std::string EncodeHeader(const Manifest& manifest, const PassphraseKeys& keys);

//! A header read from the front of a file, not yet authenticated.
struct HeaderRead {
  Manifest manifest;               ///< Parsed, shape-checked.
  std::string authenticated;       ///< The bytes the tag covers.
  std::string mac;                 ///< The tag as stored.
  std::uint64_t header_bytes = 0;  ///< Where the parts begin.
};

//! Reads and parses the header from `fd` (positioned at 0). kMalformed for a
//! file that is not a self-backup or is cut inside its header.
Result<HeaderRead> ReadHeader(int fd);

//! kUnauthenticated unless the tag matches under `keys`.
Result<void> VerifyHeader(const HeaderRead& header, const PassphraseKeys& keys);

//! Lower-case hex of SHA-256 over `size` bytes of `fd` from `offset` (pread);
//! kMalformed when the file ends first.
Result<std::string> Sha256OfRange(int fd, std::uint64_t offset, std::uint64_t size);

//! Lower-case hex of SHA-256 of `bytes`.
std::string Sha256Hex(std::string_view bytes);

}  // namespace rmgr::server
