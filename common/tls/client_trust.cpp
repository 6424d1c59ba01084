#include "common/tls/client_trust.h"

#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <algorithm>
#include <boost/asio/ip/address.hpp>

#include "common/tls/fingerprint.h"

namespace rmgr::tls {

namespace asio = boost::asio;

namespace {
bool IsIpAddress(const std::string& host) {
  boost::system::error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

std::string JoinPins(const std::vector<std::string>& pins) {
  std::string out;
  for (const auto& pin : pins) out += (out.empty() ? "" : " or ") + pin;
  return out;
}
}  // namespace

Result<std::shared_ptr<asio::ssl::context>> MakeClientContext(const ClientTrust& trust,
                                                              const std::string& host,
                                                              std::shared_ptr<PeerRecord> record) {
  auto context = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
  SSL_CTX* native = context->native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  boost::system::error_code ec;
  const bool pinned = !trust.pins.empty();
  if (!pinned && !trust.trust_on_first_use) {
    // Loaded only when used: the CA store costs memory a pinned agent does not need.
    context->set_default_verify_paths(ec);
    if (ec)
      return MakeError(ErrorCode::kUnavailable, "cannot load the system CA certificates: " + ec.message());
    if (!trust.ca_file.empty()) {
      context->load_verify_file(trust.ca_file, ec);
      if (ec) return MakeError(ErrorCode::kInvalidArgument, "cannot load CA file " + trust.ca_file, "cacert");
    }
    X509_VERIFY_PARAM* param = SSL_CTX_get0_param(native);
    const int named = IsIpAddress(host) ? X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str())
                                        : X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size());
    if (named != 1) return MakeError(ErrorCode::kInvalidArgument, "cannot check the server name " + host);
  }
  context->set_verify_mode(asio::ssl::verify_peer);
  context->set_verify_callback([trust, record](bool preverified, asio::ssl::verify_context& verify) {
    X509_STORE_CTX* store = verify.native_handle();
    const int depth = X509_STORE_CTX_get_error_depth(store);
    if (depth == 0) record->fingerprint = Fingerprint(X509_STORE_CTX_get_current_cert(store));
    if (trust.trust_on_first_use) return true;
    if (!trust.pins.empty()) {
      if (depth > 0) return true;  // only the leaf is compared with the pins
      const bool match =
          std::find(trust.pins.begin(), trust.pins.end(), record->fingerprint) != trust.pins.end();
      if (!match) record->verify_error = "certificate not pinned";
      return match;
    }
    if (!preverified && record->verify_error.empty()) {
      record->verify_error = X509_verify_cert_error_string(X509_STORE_CTX_get_error(store));
    }
    return preverified;
  });
  return context;
}

void SetServerName(asio::ssl::stream<boost::beast::tcp_stream>& stream, const std::string& host) {
  if (IsIpAddress(host)) return;  // RFC 6066: SNI carries host names only
  // SSL_set_tlsext_host_name spelled out: the macro's C cast trips -Wold-style-cast.
  SSL_ctrl(stream.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
           const_cast<char*>(host.c_str()));
}

std::string DescribeRefusal(const ClientTrust& trust, const PeerRecord& record,
                            const std::string& handshake_error) {
  const std::string presented = record.fingerprint.empty() ? "(none seen)" : record.fingerprint;
  if (!trust.pins.empty()) {
    if (record.fingerprint.empty() || record.verify_error.empty()) {
      return "TLS handshake failed: " + handshake_error;
    }
    return "the server presented certificate " + presented + " but " + JoinPins(trust.pins) +
           " is expected (pinned); if the server's certificate was replaced on purpose, pin the new one "
           "(enroll again with --fingerprint)";
  }
  if (!record.verify_error.empty()) {
    return "the server's certificate " + presented + " is not trusted: " + record.verify_error +
           "; check that fingerprint on the server and pass --fingerprint " + presented +
           ", or --trust-on-first-use";
  }
  return "TLS handshake failed: " + handshake_error;
}

}  // namespace rmgr::tls
