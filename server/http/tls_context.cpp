#include "server/http/tls_context.h"

#include <openssl/ssl.h>

#include "common/tls/fingerprint.h"

namespace rmgr::server::http {

namespace ssl = boost::asio::ssl;

namespace {
// Mozilla's "intermediate" TLS 1.2 suites: forward secret AEAD only. TLS 1.3
// suites are OpenSSL's defaults, which are all modern.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
}  // namespace

Result<TlsContext::Loaded> TlsContext::Build(const TlsFiles& files) {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                       ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
  SSL_CTX* native = context->native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  SSL_CTX_set_options(native, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  if (SSL_CTX_set_cipher_list(native, kTls12Ciphers) != 1) {
    return MakeError(ErrorCode::kInternal, "OpenSSL accepts none of the TLS 1.2 cipher suites");
  }
  boost::system::error_code ec;
  context->use_certificate_chain_file(files.cert.string(), ec);
  if (ec) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "cannot use certificate " + files.cert.string() + ": " + ec.message(), "tls_cert");
  }
  context->use_private_key_file(files.key.string(), ssl::context::pem, ec);
  if (ec || SSL_CTX_check_private_key(native) != 1) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "cannot use key " + files.key.string() + " with certificate " + files.cert.string(),
                     "tls_key");
  }
  Loaded loaded;
  loaded.fingerprint = tls::Fingerprint(SSL_CTX_get0_certificate(native));
  loaded.spki_pin = tls::SpkiPin(SSL_CTX_get0_certificate(native));
  loaded.context = std::move(context);
  if (!files.next_cert.empty()) {
    auto next = tls::FingerprintOfPemFile(files.next_cert);
    // The next certificate is optional: a missing file only means none is announced.
    if (next) loaded.next_fingerprint = *next;
  }
  if (loaded.next_fingerprint == loaded.fingerprint) loaded.next_fingerprint.clear();
  return loaded;
}

Result<std::shared_ptr<TlsContext>> TlsContext::Load(TlsFiles files) {
  auto loaded = Build(files);
  if (!loaded) return loaded.error();
  return std::shared_ptr<TlsContext>(new TlsContext(std::move(files), std::move(*loaded)));
}

Result<void> TlsContext::Reload() {
  auto loaded = Build(files_);
  if (!loaded) return loaded.error();
  std::lock_guard lock(mu_);
  loaded_ = std::move(*loaded);
  return {};
}

std::shared_ptr<ssl::context> TlsContext::Current() const {
  std::lock_guard lock(mu_);
  return loaded_.context;
}

std::string TlsContext::Fingerprint() const {
  std::lock_guard lock(mu_);
  return loaded_.fingerprint;
}

std::string TlsContext::SpkiPin() const {
  std::lock_guard lock(mu_);
  return loaded_.spki_pin;
}

std::string TlsContext::NextFingerprint() const {
  std::lock_guard lock(mu_);
  return loaded_.next_fingerprint;
}

}  // namespace rmgr::server::http
