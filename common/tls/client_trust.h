#pragma once
// How a client (the agent, the CLI's enrollment helper) decides to trust the
// server's certificate, and the words it uses when it does not:
// - pinned: the leaf certificate's fingerprint must be one of the pins (the
//   current one and an announced next one); chain and name are not checked,
//   the pin is the trust;
// - otherwise the system CAs (OpenSSL's default paths, so SSL_CERT_FILE
//   works) and the host name;
// - trust on first use: anything, recorded so the caller can pin it.
// Thread safety: MakeClientContext is a pure builder; the PeerRecord it is
// given is written during that connection's handshake only (one strand).

#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"

namespace rmgr::tls {

//! What the client trusts.
struct ClientTrust {
  std::vector<std::string> pins;    ///< Accepted leaf fingerprints ("sha256:..."); empty → system CAs.
  bool trust_on_first_use = false;  ///< Accept any certificate (the caller pins what PeerRecord saw).
  std::string ca_file;              ///< Extra CA bundle (PEM) besides the system CAs; empty for none.
};

//! What the server presented, filled in during one handshake.
struct PeerRecord {
  std::string fingerprint;   ///< The leaf certificate's fingerprint; empty before the handshake saw it.
  std::string verify_error;  ///< Why the chain or name check failed; empty when it passed or was not used.
};

//! A TLS 1.2+ client context verifying as `trust` says for a server named
//! `host` (a DNS name or an IP address); `record` hears what was presented.
Result<std::shared_ptr<boost::asio::ssl::context>> MakeClientContext(const ClientTrust& trust,
                                                                     const std::string& host,
                                                                     std::shared_ptr<PeerRecord> record);

//! Sets SNI on a client stream for a DNS host name (not for IP addresses).
void SetServerName(boost::asio::ssl::stream<boost::beast::tcp_stream>& stream, const std::string& host);

//! One line saying why a handshake failed, naming the presented and the
//! expected fingerprints; `handshake_error` is the handshake's own message.
std::string DescribeRefusal(const ClientTrust& trust, const PeerRecord& record,
                            const std::string& handshake_error);

}  // namespace rmgr::tls
