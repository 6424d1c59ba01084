#include "agent/update/bundle_fetch.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <memory>
#include <optional>

#include "agent/connection/server_url.h"
#include "common/tls/maybe_tls_stream.h"

namespace rmgr::agent::update {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

constexpr auto kConnectTimeout = std::chrono::seconds(10);
constexpr auto kTransferTimeout = std::chrono::minutes(10);

// Runs the io_context until the pending operation finished.
void RunOnce(asio::io_context& io) {
  io.restart();
  io.run();
}

}  // namespace

Result<std::string> FetchBundle(const FetchRequest& request) {
  auto url = ParseServerUrl(request.server_url);
  if (!url) return url.error();
  asio::io_context io;
  auto peer = std::make_shared<tls::PeerRecord>();
  std::optional<tls::MaybeTlsStream> maybe_tls;
  if (url->tls()) {
    auto context = tls::MakeClientContext(request.trust, url->host, peer);
    if (!context) return context.error();
    maybe_tls.emplace(beast::tcp_stream(io), std::move(*context));
  } else {
    maybe_tls.emplace(beast::tcp_stream(io));
  }
  auto& stream = *maybe_tls;
  auto& tcp = stream.Tcp();
  beast::error_code ec;
  const auto unreachable = [&](const beast::error_code& why) {
    return MakeError(ErrorCode::kUnavailable,
                     "cannot download the bundle from " + url->Base() + ": " + why.message());
  };
  asio::ip::tcp::resolver resolver(io);
  const auto endpoints = resolver.resolve(url->host, url->port, ec);
  if (ec) return unreachable(ec);
  tcp.expires_after(kConnectTimeout);
  tcp.async_connect(endpoints, [&ec](const beast::error_code& e, const asio::ip::tcp::endpoint&) { ec = e; });
  RunOnce(io);
  if (ec) return unreachable(ec);
  if (auto* tls_layer = stream.Tls()) {
    // The certificate is checked before the token is sent.
    tls::SetServerName(*tls_layer, url->host);
    tls_layer->async_handshake(asio::ssl::stream_base::client, [&ec](const beast::error_code& e) { ec = e; });
    RunOnce(io);
    if (ec) {
      const auto code = peer->fingerprint.empty() ? ErrorCode::kUnavailable : ErrorCode::kPermissionDenied;
      return MakeError(code, tls::DescribeRefusal(request.trust, *peer, ec.message()));
    }
  }

  http::request<http::empty_body> get{http::verb::get, url->path + request.path, 11};
  get.set(http::field::host, url->authority);
  get.set(http::field::user_agent, "restic-manager-agent");
  get.set(http::field::authorization, "Bearer " + request.token.Reveal());
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(request.max_bytes);
  tcp.expires_after(kTransferTimeout);
  http::async_write(stream, get, [&](const beast::error_code& e, std::size_t) {
    ec = e;
    if (e) return;
    http::async_read(stream, buffer, parser, [&ec](const beast::error_code& r, std::size_t) { ec = r; });
  });
  RunOnce(io);
  beast::error_code ignored;
  tcp.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  if (ec == http::error::body_limit) {
    return MakeError(ErrorCode::kTooLarge,
                     "the bundle is larger than " + std::to_string(request.max_bytes) + " bytes");
  }
  if (ec) return unreachable(ec);
  const unsigned status = parser.get().result_int();
  if (status == 200) return std::move(parser.get().body());
  const std::string what = "downloading the bundle: the server answered HTTP " + std::to_string(status);
  if (status == 404) return MakeError(ErrorCode::kNotFound, what);
  if (status == 401) return MakeError(ErrorCode::kUnauthenticated, what);
  return MakeError(ErrorCode::kUnavailable, what);
}

}  // namespace rmgr::agent::update
