#include "server/app/tls_mode.h"

#include <boost/asio/ip/address.hpp>

#include "server/app/server_config.h"

namespace rmgr::server {

std::string ListenHost(std::string_view listen) {
  std::string host(listen.substr(0, listen.rfind(':')));
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  return host;
}

bool IsLoopbackHost(std::string_view host) {
  if (host == "localhost") return true;
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(std::string(host), ec);
  if (ec) return false;  // any other name may resolve anywhere
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, address.to_v6()).is_loopback();
  }
  return address.is_loopback();
}

Result<TlsMode> ResolveTlsMode(const ServerConfig& config) {
  if (config.tls_cert.has_value() != config.tls_key.has_value()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "--tls-cert and --tls-key go together: give both or neither",
                     config.tls_cert ? "tls_key" : "tls_cert");
  }
  const bool operator_certificate = config.tls_cert.has_value();
  if (config.insecure_http && (operator_certificate || config.tls_self_signed)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "--insecure-http serves plain HTTP; it cannot go with --tls-cert or --tls-self-signed",
                     "insecure_http");
  }
  if (operator_certificate && config.tls_self_signed) {
    return MakeError(ErrorCode::kInvalidArgument, "--tls-self-signed cannot go with --tls-cert",
                     "tls_self_signed");
  }
  if (config.tls_next_cert && !operator_certificate) {
    return MakeError(ErrorCode::kInvalidArgument, "--tls-next-cert needs --tls-cert and --tls-key",
                     "tls_next_cert");
  }
  if (operator_certificate) return TlsMode::kOperatorCertificate;
  if (config.tls_self_signed) return TlsMode::kSelfSigned;
  if (config.insecure_http || IsLoopbackHost(ListenHost(config.listen))) return TlsMode::kPlain;
  return TlsMode::kSelfSigned;
}

}  // namespace rmgr::server
