#include "common/tls/fingerprint.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstdio>
#include <memory>

#include "common/util/unique_file.h"

namespace rmgr::tls {

namespace {
constexpr std::string_view kPrefix = "sha256:";
constexpr std::size_t kHexDigits = 64;
}  // namespace

std::string Fingerprint(X509* cert) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (cert == nullptr || X509_digest(cert, EVP_sha256(), digest, &length) != 1) return {};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(kPrefix);
  for (unsigned int i = 0; i < length; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 0xf]);
  }
  return out;
}

std::string SpkiPin(X509* cert) {
  if (cert == nullptr) return {};
  unsigned char* der = nullptr;
  const int length = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &der);
  if (length <= 0) return {};
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_length = 0;
  const bool hashed =
      EVP_Digest(der, static_cast<size_t>(length), digest, &digest_length, EVP_sha256(), nullptr) == 1;
  OPENSSL_free(der);
  if (!hashed) return {};
  // EVP_EncodeBlock writes 4 characters per 3 bytes and a NUL.
  unsigned char base64[4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1];
  const int written = EVP_EncodeBlock(base64, digest, static_cast<int>(digest_length));
  return "sha256//" + std::string(reinterpret_cast<const char*>(base64), static_cast<size_t>(written));
}

Result<std::string> ParseFingerprint(std::string_view text) {
  const auto bad = [&] {
    return MakeError(ErrorCode::kInvalidArgument,
                     "a fingerprint is sha256: and 64 hex digits of the certificate's SHA-256 (got \"" +
                         std::string(text.substr(0, 80)) + "\")",
                     "fingerprint");
  };
  if (text.size() != kPrefix.size() + kHexDigits || text.substr(0, kPrefix.size()) != kPrefix) return bad();
  std::string out(kPrefix);
  for (const char c : text.substr(kPrefix.size())) {
    if (c >= '0' && c <= '9') {
      out.push_back(c);
    } else if (c >= 'a' && c <= 'f') {
      out.push_back(c);
    } else if (c >= 'A' && c <= 'F') {
      out.push_back(static_cast<char>(c - 'A' + 'a'));
    } else {
      return bad();
    }
  }
  return out;
}

bool IsFingerprint(std::string_view text) {
  auto parsed = ParseFingerprint(text);
  return parsed && *parsed == text;
}

Result<std::string> FingerprintOfPemFile(const std::filesystem::path& pem) {
  rmgr::UniqueFile file(std::fopen(pem.c_str(), "rb"));
  if (!file) return MakeError(ErrorCode::kNotFound, "cannot open certificate " + pem.string());
  std::unique_ptr<X509, decltype(&X509_free)> cert(PEM_read_X509(file.get(), nullptr, nullptr, nullptr),
                                                   &X509_free);
  if (!cert) return MakeError(ErrorCode::kInvalidArgument, "no PEM certificate in " + pem.string());
  return Fingerprint(cert.get());
}

}  // namespace rmgr::tls
