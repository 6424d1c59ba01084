#pragma once
// The server's own certificate when the operator gives none: ECDSA P-256,
// self-signed, valid ten years, its subject alternative names covering the
// names and addresses given (the listen address, the host name, 127.0.0.1,
// ::1, localhost). The fingerprint, not a CA, makes it trustworthy: agents
// pin it at enrollment.
// Thread safety: functions; two processes must not create into one dir at once.

#include <filesystem>
#include <string>
#include <vector>

#include "common/result.h"

namespace rmgr::tls {

//! Where the self-signed pair lives in a data dir.
struct SelfSignedFiles {
  std::filesystem::path cert;  ///< PEM certificate.
  std::filesystem::path key;   ///< PEM private key, mode 0600.
};

//! The file names inside `data_dir`: tls-self-signed.crt / .key.
SelfSignedFiles SelfSignedFilesIn(const std::filesystem::path& data_dir);

//! Creates a key and certificate for `names` (each a DNS name or an IP
//! address) and writes them; the key is created 0600 before a byte of it is
//! written, and both files appear only complete (written to a temporary name,
//! then renamed). Overwrites existing files.
Result<void> CreateSelfSigned(const SelfSignedFiles& files, const std::vector<std::string>& names);

//! Reuses the pair if both files exist, else creates it. True when created.
Result<bool> EnsureSelfSigned(const SelfSignedFiles& files, const std::vector<std::string>& names);

}  // namespace rmgr::tls
