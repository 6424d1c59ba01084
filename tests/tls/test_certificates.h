#pragma once
// Certificates made by a test: a CA and leaves it signs, with the names and
// validity a test needs (an expired one, one for another name), written as
// PEM files for the server (--tls-cert/--tls-key), the agent (SSL_CERT_FILE)
// and the CLI (--cacert).
// Thread safety: functions.

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace rmgr::testing {

//! A certificate and its key on disk.
struct CertificateFiles {
  std::filesystem::path cert;  ///< PEM certificate.
  std::filesystem::path key;   ///< PEM private key.
};

//! A self-signed CA (CA:TRUE) written as <dir>/<name>.crt/.key; empty paths on failure.
CertificateFiles MakeCa(const std::filesystem::path& dir, const std::string& name);

//! A server certificate for `names` (DNS names or IP addresses) signed by `ca`,
//! valid from now + not_before to now + not_after (negative offsets are in the past).
CertificateFiles MakeLeaf(const std::filesystem::path& dir, const std::string& name,
                          const CertificateFiles& ca, const std::vector<std::string>& names,
                          std::chrono::seconds not_before, std::chrono::seconds not_after);

}  // namespace rmgr::testing
