#pragma once
// The client address of a request that came through reverse proxies
// (nginx, Caddy) the operator trusts (`--trusted-proxies CIDR,...`).
// Rate limits and the audit log use it, so behind a proxy they see the real
// client and not the proxy.
//
// X-Forwarded-For is believed only as far as trusted hops vouch for it: the
// TCP peer must be trusted, and the list is walked right to left — each
// address a trusted hop added — until the first address that is not a
// trusted proxy, which is the client. Anything a client put in the header
// itself sits left of that and is never used. With no trusted proxies the
// header is ignored and the peer is the client.
// Thread safety: immutable after Parse; const methods from any thread.

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/network_v4.hpp>
#include <boost/asio/ip/network_v6.hpp>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/result.h"

namespace rmgr::server::http {

class TrustedProxies {
 public:
  //! Parses "10.0.0.0/8, 192.168.1.5, ::1/128"; a bare address is one host.
  //! An error names the entry that is neither.
  static Result<TrustedProxies> Parse(std::string_view list);

  //! True when `address` is inside one of the trusted networks.
  bool Contains(const boost::asio::ip::address& address) const;

  //! The client of a request from `peer` carrying `forwarded_for` (the
  //! X-Forwarded-For header's value, "" when absent). `peer` when it is not
  //! trusted, the header is absent, or an entry cannot be read.
  std::string ClientAddress(const std::string& peer, std::string_view forwarded_for) const;

  //! True when no proxy is trusted.
  bool empty() const { return networks_.empty(); }

 private:
  std::vector<std::variant<boost::asio::ip::network_v4, boost::asio::ip::network_v6>> networks_;
};

}  // namespace rmgr::server::http
