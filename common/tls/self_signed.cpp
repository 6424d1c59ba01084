#include "common/tls/self_signed.h"

#include <fcntl.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <boost/asio/ip/address.hpp>
#include <cstdio>
#include <memory>
#include <random>

namespace rmgr::tls {

namespace {

constexpr long kValiditySeconds = 10L * 365 * 24 * 3600;

template <class T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using CertPtr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using ExtPtr = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION, X509_EXTENSION_free>>;

Error OpenSslError(std::string what) {
  return MakeError(ErrorCode::kInternal, "self-signed certificate: " + what);
}

// Writes through `write` into a file created with `mode`, then renames it
// into place, so a crash never leaves half a key or a key readable by others.
template <class Write>
Result<void> WriteFile(const std::filesystem::path& path, mode_t mode, Write write) {
  const auto temporary = path.string() + ".tmp";
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return MakeError(ErrorCode::kUnavailable, "cannot create " + temporary);
  ::fchmod(fd, mode);  // the umask may have narrowed it; never widen past `mode`
  FILE* file = ::fdopen(fd, "wb");
  if (file == nullptr) {
    ::close(fd);
    return MakeError(ErrorCode::kUnavailable, "cannot write " + temporary);
  }
  const bool wrote = write(file);
  const bool flushed = std::fflush(file) == 0 && ::fsync(::fileno(file)) == 0;
  std::fclose(file);
  if (!wrote || !flushed || std::rename(temporary.c_str(), path.c_str()) != 0) {
    std::remove(temporary.c_str());
    return MakeError(ErrorCode::kUnavailable, "cannot write " + path.string());
  }
  return {};
}

std::string SubjectAltNames(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& name : names) {
    if (name.empty()) continue;
    boost::system::error_code ec;
    boost::asio::ip::make_address(name, ec);
    if (!out.empty()) out += ",";
    out += (ec ? "DNS:" : "IP:") + name;
  }
  return out;
}

}  // namespace

SelfSignedFiles SelfSignedFilesIn(const std::filesystem::path& data_dir) {
  return {data_dir / "tls-self-signed.crt", data_dir / "tls-self-signed.key"};
}

Result<void> CreateSelfSigned(const SelfSignedFiles& files, const std::vector<std::string>& names) {
  KeyPtr key(EVP_EC_gen("P-256"));
  if (!key) return OpenSslError("cannot generate a P-256 key");
  CertPtr cert(X509_new());
  if (!cert) return OpenSslError("out of memory");
  X509_set_version(cert.get(), 2);  // v3, for the extensions
  std::random_device random;
  std::uint64_t serial = (static_cast<std::uint64_t>(random()) << 32 | random()) & 0x7fffffffffffffffULL;
  ASN1_INTEGER_set_uint64(X509_get_serialNumber(cert.get()), serial | 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);  // tolerate a peer's clock a little behind
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), kValiditySeconds);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* subject = X509_get_subject_name(cert.get());
  const std::string common_name = names.empty() ? "restic-manager" : names.front();
  X509_NAME_add_entry_by_txt(subject, "O", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>("restic-manager"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert.get(), subject);

  X509V3_CTX v3;
  X509V3_set_ctx_nodb(&v3);
  X509V3_set_ctx(&v3, cert.get(), cert.get(), nullptr, nullptr, 0);
  const std::string san = SubjectAltNames(names);
  const std::pair<int, std::string> extensions[] = {
      {NID_basic_constraints, "critical,CA:FALSE"},
      {NID_key_usage, "critical,digitalSignature"},
      {NID_ext_key_usage, "serverAuth"},
      {NID_subject_alt_name, san},
  };
  for (const auto& [nid, value] : extensions) {
    if (value.empty()) continue;
    ExtPtr ext(X509V3_EXT_conf_nid(nullptr, &v3, nid, value.c_str()));
    if (!ext || X509_add_ext(cert.get(), ext.get(), -1) != 1)
      return OpenSslError("cannot add extension " + value);
  }
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) return OpenSslError("cannot sign");

  auto wrote_key = WriteFile(files.key, 0600, [&](FILE* f) {
    return PEM_write_PrivateKey(f, key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1;
  });
  if (!wrote_key) return wrote_key.error();
  return WriteFile(files.cert, 0644, [&](FILE* f) { return PEM_write_X509(f, cert.get()) == 1; });
}

Result<bool> EnsureSelfSigned(const SelfSignedFiles& files, const std::vector<std::string>& names) {
  std::error_code ec;
  if (std::filesystem::exists(files.cert, ec) && std::filesystem::exists(files.key, ec)) return false;
  auto created = CreateSelfSigned(files, names);
  if (!created) return created.error();
  return true;
}

}  // namespace rmgr::tls
