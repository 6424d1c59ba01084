#include "tests/tls/test_certificates.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <boost/asio/ip/address.hpp>
#include <cstdio>
#include <memory>

#include "common/util/unique_file.h"

namespace rmgr::testing {
namespace {

struct KeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct CertFree {
  void operator()(X509* p) const { X509_free(p); }
};
using Key = std::unique_ptr<EVP_PKEY, KeyFree>;
using Cert = std::unique_ptr<X509, CertFree>;

long g_serial = 1000;

bool AddExtension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (ext == nullptr) return false;
  const bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

Cert NewCert(EVP_PKEY* key, const std::string& common_name, std::chrono::seconds not_before,
             std::chrono::seconds not_after) {
  Cert cert(X509_new());
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), ++g_serial);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), static_cast<long>(not_before.count()));
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), static_cast<long>(not_after.count()));
  X509_set_pubkey(cert.get(), key);
  X509_NAME_add_entry_by_txt(X509_get_subject_name(cert.get()), "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1, 0);
  return cert;
}

bool Write(const CertificateFiles& files, X509* cert, EVP_PKEY* key) {
  rmgr::UniqueFile c(std::fopen(files.cert.c_str(), "wb"));
  rmgr::UniqueFile k(std::fopen(files.key.c_str(), "wb"));
  return c && k && PEM_write_X509(c.get(), cert) == 1 &&
         PEM_write_PrivateKey(k.get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1;
}

Key ReadKey(const std::filesystem::path& path) {
  rmgr::UniqueFile f(std::fopen(path.c_str(), "rb"));
  return Key(f ? PEM_read_PrivateKey(f.get(), nullptr, nullptr, nullptr) : nullptr);
}

Cert ReadCert(const std::filesystem::path& path) {
  rmgr::UniqueFile f(std::fopen(path.c_str(), "rb"));
  return Cert(f ? PEM_read_X509(f.get(), nullptr, nullptr, nullptr) : nullptr);
}

}  // namespace

CertificateFiles MakeCa(const std::filesystem::path& dir, const std::string& name) {
  CertificateFiles files{dir / (name + ".crt"), dir / (name + ".key")};
  Key key(EVP_EC_gen("P-256"));
  Cert cert = NewCert(key.get(), name, std::chrono::seconds(-3600), std::chrono::hours(24 * 365));
  X509_set_issuer_name(cert.get(), X509_get_subject_name(cert.get()));
  AddExtension(cert.get(), cert.get(), NID_basic_constraints, "critical,CA:TRUE");
  AddExtension(cert.get(), cert.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
  AddExtension(cert.get(), cert.get(), NID_subject_key_identifier, "hash");
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0 || !Write(files, cert.get(), key.get())) return {};
  return files;
}

CertificateFiles MakeLeaf(const std::filesystem::path& dir, const std::string& name,
                          const CertificateFiles& ca, const std::vector<std::string>& names,
                          std::chrono::seconds not_before, std::chrono::seconds not_after) {
  CertificateFiles files{dir / (name + ".crt"), dir / (name + ".key")};
  Key ca_key = ReadKey(ca.key);
  Cert ca_cert = ReadCert(ca.cert);
  if (!ca_key || !ca_cert) return {};
  Key key(EVP_EC_gen("P-256"));
  Cert cert = NewCert(key.get(), names.empty() ? name : names.front(), not_before, not_after);
  X509_set_issuer_name(cert.get(), X509_get_subject_name(ca_cert.get()));
  std::string san;
  for (const auto& n : names) {
    boost::system::error_code ec;
    boost::asio::ip::make_address(n, ec);
    san += (san.empty() ? "" : ",") + std::string(ec ? "DNS:" : "IP:") + n;
  }
  AddExtension(cert.get(), ca_cert.get(), NID_basic_constraints, "critical,CA:FALSE");
  AddExtension(cert.get(), ca_cert.get(), NID_ext_key_usage, "serverAuth");
  AddExtension(cert.get(), ca_cert.get(), NID_authority_key_identifier, "keyid");
  if (!san.empty()) AddExtension(cert.get(), ca_cert.get(), NID_subject_alt_name, san);
  if (X509_sign(cert.get(), ca_key.get(), EVP_sha256()) == 0 || !Write(files, cert.get(), key.get()))
    return {};
  return files;
}

}  // namespace rmgr::testing
