#include "agent/update/bundle_fetch.h"

#include <boost/beast/http.hpp>
#include <chrono>

#include "agent/connection/http_exchange.h"
#include "agent/connection/server_url.h"

namespace rmgr::agent::update {
namespace {

namespace http = boost::beast::http;

constexpr auto kConnectTimeout = std::chrono::seconds(10);
constexpr auto kTransferTimeout = std::chrono::minutes(10);

}  // namespace

Result<std::string> FetchBundle(const FetchRequest& request) {
  auto url = ParseServerUrl(request.server_url);
  if (!url) return url.error();
  http::request<http::string_body> get{http::verb::get, url->path + request.path, 11};
  get.set(http::field::user_agent, "restic-manager-agent");
  get.set(http::field::authorization, "Bearer " + request.token.Reveal());
  auto answered = ExchangeOnce(*url, request.trust, get,
                               {.connect_timeout = kConnectTimeout,
                                .total_timeout = kTransferTimeout,
                                .max_body_bytes = request.max_bytes});
  if (!answered) {
    auto error = answered.error();
    if (error.code == ErrorCode::kTooLarge) {
      error.message = "the bundle is larger than " + std::to_string(request.max_bytes) + " bytes";
    } else {
      error.message = "downloading the bundle: " + error.message;
    }
    return error;
  }
  auto& response = answered->response;
  const unsigned status = response.result_int();
  if (status == 200) return std::move(response.body());
  const std::string what = "downloading the bundle: the server answered HTTP " + std::to_string(status);
  if (status == 404) return MakeError(ErrorCode::kNotFound, what);
  if (status == 401) return MakeError(ErrorCode::kUnauthenticated, what);
  return MakeError(ErrorCode::kUnavailable, what);
}

}  // namespace rmgr::agent::update
