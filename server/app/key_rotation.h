#pragma once
// RotateServerKey: `restic-manager-server rotate-key` — every secret sealed
// with the server key (repository passwords, notification channel secrets;
// store::ReadTx::ListSealedSecrets) is sealed again under a new key, and the
// new key replaces `<data_dir>/server.key`.
//
// Crash-safe at every step; a run that stops anywhere is finished by running
// it again, and a server started in between opens every secret
// (auth::SecretBox::LoadWithRotation also opens with the files below):
//   1. the new key is written to server.key.next (temp file, fsync, rename);
//   2. each secret that does not open with it yet is re-sealed under it, one
//      transaction per secret (progress is the data itself: a secret that
//      opens with the new key is done);
//   3. the old key is copied to server.key.old;
//   4. server.key.next is renamed over server.key (atomic);
//   5. server.key.old is removed once every secret opens with server.key alone.
// Run it while the server is stopped: a running server keeps sealing new
// secrets under the key it started with.
// Thread safety: none; one call at a time per data dir.

#include <cstddef>
#include <filesystem>
#include <functional>
#include <string_view>

#include "common/result.h"
#include "server/store/store.h"

namespace rmgr::server {

//! What a rotation did.
struct RotationReport {
  std::size_t resealed = 0;        //!< Secrets sealed again under the new key by this run.
  std::size_t already_sealed = 0;  //!< Secrets an earlier, interrupted run had re-sealed.
};

//! Test seam: called after each durable step ("key_written", "resealed"
//! after each secret, "old_kept", "swapped"); returning false stops the
//! rotation there with kUnavailable, as a crash would (nothing is undone).
using RotationCheckpoint = std::function<bool(std::string_view step)>;

//! Rotates the key in `data_dir` over the secrets in `store` (see the file comment).
Result<RotationReport> RotateServerKey(const std::filesystem::path& data_dir, store::Store& store,
                                       const RotationCheckpoint& checkpoint = {});

}  // namespace rmgr::server
