#pragma once
// Certificate fingerprints as the project spells them everywhere (server log,
// UI, agent state, CLI config): "sha256:" and 64 lower-case hex digits of the
// SHA-256 of the certificate's DER encoding.
// Thread safety: pure functions.

#include <openssl/types.h>

#include <filesystem>
#include <string>
#include <string_view>

#include "common/result.h"

namespace rmgr::tls {

//! The fingerprint of `cert`.
std::string Fingerprint(X509* cert);

//! curl's --pinnedpubkey for `cert`: "sha256//" and the base64 of the SHA-256
//! of its DER SubjectPublicKeyInfo; empty on failure. It pins the key, so it
//! survives renewing a certificate for the same key (the fingerprint does not).
std::string SpkiPin(X509* cert);

//! `text` as a fingerprint in the canonical spelling (upper-case hex is
//! accepted and lowered); kInvalidArgument (field "fingerprint") otherwise.
Result<std::string> ParseFingerprint(std::string_view text);

//! True for a fingerprint in the canonical spelling (lower-case hex).
bool IsFingerprint(std::string_view text);

//! The fingerprint of the first certificate in a PEM file (the leaf of a chain).
Result<std::string> FingerprintOfPemFile(const std::filesystem::path& pem);

}  // namespace rmgr::tls
