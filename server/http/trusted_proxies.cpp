#include "server/http/trusted_proxies.h"

#include <algorithm>

namespace rmgr::server::http {
namespace {

namespace ip = boost::asio::ip;

std::string_view Trim(std::string_view text) {
  const auto blank = [](char c) { return c == ' ' || c == '\t'; };
  while (!text.empty() && blank(text.front())) text.remove_prefix(1);
  while (!text.empty() && blank(text.back())) text.remove_suffix(1);
  return text;
}

// IPv4-mapped IPv6 (::ffff:a.b.c.d, what a dual-stack socket reports) as IPv4.
ip::address Plain(const ip::address& address) {
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return ip::make_address_v4(ip::v4_mapped, address.to_v6());
  }
  return address;
}

}  // namespace

Result<TrustedProxies> TrustedProxies::Parse(std::string_view list) {
  TrustedProxies out;
  std::size_t start = 0;
  while (start <= list.size()) {
    const std::size_t comma = std::min(list.find(',', start), list.size());
    const std::string entry(Trim(list.substr(start, comma - start)));
    start = comma + 1;
    if (entry.empty()) continue;
    boost::system::error_code ec;
    const std::string cidr = entry.find('/') == std::string::npos
                                 ? entry + (entry.find(':') == std::string::npos ? "/32" : "/128")
                                 : entry;
    if (cidr.find(':') == std::string::npos) {
      const auto network = ip::make_network_v4(cidr, ec);
      if (!ec) {
        out.networks_.emplace_back(network.canonical());
        continue;
      }
    } else {
      const auto network = ip::make_network_v6(cidr, ec);
      if (!ec) {
        out.networks_.emplace_back(network.canonical());
        continue;
      }
    }
    return MakeError(ErrorCode::kInvalidArgument,
                     "trusted proxy \"" + entry + "\" is not an IP address or a network like 10.0.0.0/8",
                     "trusted_proxies");
  }
  return out;
}

bool TrustedProxies::Contains(const ip::address& raw) const {
  const ip::address address = Plain(raw);
  return std::any_of(networks_.begin(), networks_.end(), [&](const auto& variant) {
    if (const auto* v4 = std::get_if<ip::network_v4>(&variant)) {
      if (!address.is_v4()) return false;
      const uint32_t mask = v4->netmask().to_uint();
      return (address.to_v4().to_uint() & mask) == v4->network().to_uint();
    }
    const auto& v6 = std::get<ip::network_v6>(variant);
    if (!address.is_v6()) return false;
    const auto bytes = address.to_v6().to_bytes();
    const auto net = v6.network().to_bytes();
    int bits = v6.prefix_length();
    for (std::size_t i = 0; i < bytes.size() && bits > 0; ++i, bits -= 8) {
      const auto mask = static_cast<unsigned char>(bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff);
      if ((bytes[i] & mask) != (net[i] & mask)) return false;
    }
    return true;
  });
}

std::string TrustedProxies::ClientAddress(const std::string& peer, std::string_view forwarded_for) const {
  if (networks_.empty() || Trim(forwarded_for).empty()) return peer;
  boost::system::error_code ec;
  const ip::address peer_address = ip::make_address(peer, ec);
  if (ec || !Contains(peer_address)) return peer;
  std::string client = peer;
  std::size_t end = forwarded_for.size();
  for (;;) {
    if (end == 0) return client;  // ",a": nothing left of the first comma
    const std::size_t comma = forwarded_for.rfind(',', end - 1);
    const std::size_t begin = comma == std::string_view::npos ? 0 : comma + 1;
    const std::string hop(Trim(forwarded_for.substr(begin, end - begin)));
    const ip::address address = ip::make_address(hop, ec);
    if (ec) return client;  // unreadable: stop at the last address a trusted hop vouched for
    client = Plain(address).to_string();
    if (!Contains(address) || comma == std::string_view::npos) return client;
    end = comma;
  }
}

}  // namespace rmgr::server::http
