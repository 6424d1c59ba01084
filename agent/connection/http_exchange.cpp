#include "agent/connection/http_exchange.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <memory>
#include <optional>

#include "common/tls/maybe_tls_stream.h"

namespace rmgr::agent {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

// Runs the io_context until the pending operation finished.
void RunOnce(asio::io_context& io) {
  io.restart();
  io.run();
}

std::string Seconds(std::chrono::milliseconds d) {
  return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(d).count()) + " s";
}

}  // namespace

Result<ExchangeAnswer> ExchangeOnce(const ServerUrl& url, const tls::ClientTrust& trust,
                                    http::request<http::string_body>& request, const ExchangeLimits& limits) {
  asio::io_context io;
  auto peer = std::make_shared<tls::PeerRecord>();
  std::optional<tls::MaybeTlsStream> maybe_tls;
  if (url.tls()) {
    auto context = tls::MakeClientContext(trust, url.host, peer);
    if (!context) return context.error();
    maybe_tls.emplace(beast::tcp_stream(io), std::move(*context));
  } else {
    maybe_tls.emplace(beast::tcp_stream(io));
  }
  auto& stream = *maybe_tls;
  auto& tcp = stream.Tcp();
  beast::error_code ec;
  auto timeout = limits.connect_timeout;
  const auto unreachable = [&](const beast::error_code& why) {
    if (why == beast::error::timeout) {
      return MakeError(ErrorCode::kUnavailable,
                       "no answer from " + url.Base() + " within " + Seconds(timeout));
    }
    return MakeError(ErrorCode::kUnavailable, "cannot reach " + url.Base() + ": " + why.message());
  };
  asio::ip::tcp::resolver resolver(io);
  const auto endpoints = resolver.resolve(url.host, url.port, ec);
  if (ec) return unreachable(ec);
  tcp.expires_after(limits.connect_timeout);
  tcp.async_connect(endpoints, [&ec](const beast::error_code& e, const asio::ip::tcp::endpoint&) { ec = e; });
  RunOnce(io);
  if (ec) return unreachable(ec);
  if (auto* tls_layer = stream.Tls()) {
    // The certificate is checked before the request (and any token in it) is sent.
    tls::SetServerName(*tls_layer, url.host);
    tls_layer->async_handshake(asio::ssl::stream_base::client, [&ec](const beast::error_code& e) { ec = e; });
    RunOnce(io);
    if (ec == beast::error::timeout) return unreachable(ec);
    if (ec) {
      // A certificate seen and refused needs a person; no certificate at all is a transport failure.
      const auto code = peer->fingerprint.empty() ? ErrorCode::kUnavailable : ErrorCode::kPermissionDenied;
      return MakeError(code, tls::DescribeRefusal(trust, *peer, ec.message()));
    }
  }

  request.set(http::field::host, url.authority);
  request.prepare_payload();
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(limits.max_body_bytes);
  timeout = limits.total_timeout;
  tcp.expires_after(limits.total_timeout);
  http::async_write(stream, request, [&](const beast::error_code& e, std::size_t) {
    ec = e;
    if (e) return;
    http::async_read(stream, buffer, parser, [&ec](const beast::error_code& r, std::size_t) { ec = r; });
  });
  RunOnce(io);
  beast::error_code ignored;
  tcp.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  if (ec == http::error::body_limit) {
    return MakeError(ErrorCode::kTooLarge, "the answer from " + url.Base() + " is larger than " +
                                               std::to_string(limits.max_body_bytes) + " bytes");
  }
  if (ec) return unreachable(ec);
  return ExchangeAnswer{parser.release(), url.tls() ? peer->fingerprint : std::string()};
}

}  // namespace rmgr::agent
