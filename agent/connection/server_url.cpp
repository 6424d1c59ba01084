#include "agent/connection/server_url.h"

#include <boost/url/parse.hpp>
#include <cctype>

namespace rmgr::agent {
namespace {

Error UrlError(std::string message) {
  return MakeError(ErrorCode::kInvalidArgument, std::move(message), "server_url");
}

}  // namespace

Result<ServerUrl> ParseServerUrl(std::string_view url) {
  const auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed) return UrlError("the server URL must look like http://host:port");
  ServerUrl out;
  out.scheme = parsed->scheme();
  for (char& c : out.scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (out.scheme != "http" && out.scheme != "https" && out.scheme != "ws" && out.scheme != "wss") {
    return UrlError("the server URL must start with http://, https://, ws:// or wss://");
  }
  if (parsed->encoded_host().empty()) return UrlError("the server URL has no host");
  if (parsed->has_userinfo()) return UrlError("the server URL must not contain a user name or password");
  if (parsed->has_query() || parsed->has_fragment()) {
    return UrlError("the server URL must not have a query or fragment");
  }
  out.host = parsed->host_address();
  if (parsed->has_port()) {
    if (parsed->port().empty()) return UrlError("the server URL has an empty port");
    out.port = parsed->port();
  } else {
    out.port = out.tls() ? "443" : "80";
  }
  out.authority = parsed->encoded_host_and_port();
  out.path = parsed->encoded_path();
  while (!out.path.empty() && out.path.back() == '/') out.path.pop_back();
  return out;
}

}  // namespace rmgr::agent
