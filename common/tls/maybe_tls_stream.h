#pragma once
// MaybeTlsStream: one TCP connection that is either plain or TLS, behind one
// type, so the HTTP session, the agents' WebSockets and the event streams are
// written once for both (the idea of Beast's advanced_server_flex example,
// with a variant instead of a template over every session). The agent uses
// the same type for its client side.
//
// It is an Asio AsyncReadStream and AsyncWriteStream; Beast's websocket
// stream tears it down through the teardown overloads below. Timeouts are
// set on the TCP layer (Tcp().expires_after), which the TLS layer reads and
// writes through. The handshake is the owner's business (Tls()).
//
// Thread safety: like a socket — one read and one write may be outstanding
// at a time, both started on the stream's executor (a strand).

#include <boost/asio/async_result.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/role.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/beast/websocket/teardown.hpp>
#include <memory>
#include <utility>
#include <variant>

namespace rmgr::tls {

class MaybeTlsStream {
 public:
  using executor_type = boost::asio::any_io_executor;
  using TlsLayer = boost::asio::ssl::stream<boost::beast::tcp_stream>;
  using Layers = std::variant<boost::beast::tcp_stream, TlsLayer>;

  //! A plain connection.
  explicit MaybeTlsStream(boost::beast::tcp_stream plain) : stream_(std::move(plain)) {}
  //! A TLS connection over `tcp` (not yet handshaken). The context is kept
  //! alive as long as the stream: its SSL object refers to it.
  MaybeTlsStream(boost::beast::tcp_stream tcp, std::shared_ptr<boost::asio::ssl::context> context)
      : context_(std::move(context)), stream_(std::in_place_type<TlsLayer>, std::move(tcp), *context_) {}

  MaybeTlsStream(MaybeTlsStream&&) = default;
  // asio::ssl::stream cannot be move-assigned (Boost 1.81), so neither can this.
  MaybeTlsStream& operator=(MaybeTlsStream&&) = delete;

  //! The connection's executor (the TCP socket's).
  executor_type get_executor() noexcept { return Tcp().get_executor(); }

  //! The TCP layer: timeouts, the socket, closing.
  boost::beast::tcp_stream& Tcp() noexcept {
    if (auto* tls = std::get_if<TlsLayer>(&stream_)) return tls->next_layer();
    return std::get<boost::beast::tcp_stream>(stream_);
  }
  //! The TLS layer, or nullptr on a plain connection.
  TlsLayer* Tls() noexcept { return std::get_if<TlsLayer>(&stream_); }
  //! True for a TLS connection.
  bool IsTls() const noexcept { return std::holds_alternative<TlsLayer>(stream_); }
  //! Both layers, for the teardown overloads.
  Layers& layers() noexcept { return stream_; }

  template <class MutableBufferSequence, class ReadToken>
  auto async_read_some(const MutableBufferSequence& buffers, ReadToken&& token) {
    return boost::asio::async_initiate<ReadToken, void(boost::system::error_code, std::size_t)>(
        [this](auto handler, const MutableBufferSequence& b) {
          std::visit([&](auto& s) { s.async_read_some(b, std::move(handler)); }, stream_);
        },
        token, buffers);
  }

  template <class ConstBufferSequence, class WriteToken>
  auto async_write_some(const ConstBufferSequence& buffers, WriteToken&& token) {
    return boost::asio::async_initiate<WriteToken, void(boost::system::error_code, std::size_t)>(
        [this](auto handler, const ConstBufferSequence& b) {
          std::visit([&](auto& s) { s.async_write_some(b, std::move(handler)); }, stream_);
        },
        token, buffers);
  }

 private:
  std::shared_ptr<boost::asio::ssl::context> context_;  // declared first: outlives the SSL object
  Layers stream_;
};

//! Beast closes the socket under a websocket through this (found by ADL).
inline void beast_close_socket(MaybeTlsStream& stream) {
  stream.Tcp().close();
}

//! Beast's websocket closes its next layer through these (found by ADL).
inline void teardown(boost::beast::role_type role, MaybeTlsStream& stream, boost::system::error_code& ec) {
  std::visit(
      [&](auto& s) {
        using boost::beast::websocket::teardown;
        teardown(role, s, ec);
      },
      stream.layers());
}

template <class TeardownHandler>
void async_teardown(boost::beast::role_type role, MaybeTlsStream& stream, TeardownHandler&& handler) {
  std::visit(
      [&](auto& s) {
        using boost::beast::websocket::async_teardown;
        async_teardown(role, s, std::forward<TeardownHandler>(handler));
      },
      stream.layers());
}

}  // namespace rmgr::tls
