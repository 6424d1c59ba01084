#include "server/metrics/metrics_route.h"

#include <cctype>
#include <fstream>

#include "common/util/log.h"
#include "server/http/bearer_token.h"
#include "server/auth/credentials.h"

namespace rmgr::server::metrics {
namespace {

namespace beast_http = http::beast_http;

// Long enough that guessing is hopeless even for a hand-made token.
constexpr std::size_t kMinTokenBytes = 16;
// A token file is a line, not a document.
constexpr std::size_t kMaxTokenBytes = 4096;

http::Response Unauthorized(std::string_view message) {
  auto res = http::ErrorResponse(http::Status::unauthorized, "unauthenticated", message);
  res.set(beast_http::field::www_authenticate, "Bearer realm=\"restic-manager\"");
  return res;
}

// Ok when the request may scrape; else the response that says why not.
std::optional<http::Response> Refusal(const ScrapeAuth& auth, http::RequestContext& ctx) {
  const auto header = ctx.request[beast_http::field::authorization];
  const auto token = http::BearerToken(std::string_view(header.data(), header.size()));
  if (token.empty())
    return Unauthorized("GET /metrics needs Authorization: Bearer with a scrape or API token");
  if (!auth.scrape_token_hash.empty() &&
      auth::ConstantTimeEquals(auth::HashToken(token), auth.scrape_token_hash)) {
    return std::nullopt;
  }
  if (auth.api_tokens == nullptr) return Unauthorized("invalid scrape token");
  auto principal = auth.api_tokens->Authenticate(ctx, /*mutating=*/false);
  if (principal.ok()) return std::nullopt;  // any role may scrape
  if (principal.error().code == ErrorCode::kUnauthenticated)
    return Unauthorized("invalid scrape or API token");
  return http::ErrorResponse(principal.error());
}

}  // namespace

void RegisterMetricsRoute(http::Router& router, ServerMetrics& metrics, ScrapeAuth auth) {
  router.Add(beast_http::verb::get, std::string(kMetricsPath),
             [&metrics, auth = std::move(auth)](http::RequestContext& ctx) {
               if (auto refusal = Refusal(auth, ctx)) return std::move(*refusal);
               auto text = metrics.Scrape();
               if (!text.ok()) {
                 Logger("metrics")->warn("scrape failed: {}", text.error().Describe());
                 return http::ErrorResponse(text.error());
               }
               http::Response res{http::Status::ok, 11};
               res.set(beast_http::field::content_type, kContentType);
               res.set(beast_http::field::cache_control, "no-store");
               res.body() = std::move(*text);
               return res;
             });
}

Result<std::string> LoadScrapeTokenHash(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    return MakeError(ErrorCode::kInvalidArgument, "cannot read the metrics token file " + file.string(),
                     "metrics_token_file");
  }
  std::string token(kMaxTokenBytes + 2, '\0');
  in.read(token.data(), static_cast<std::streamsize>(token.size()));
  token.resize(static_cast<std::size_t>(in.gcount()));
  if (!token.empty() && token.back() == '\n') token.pop_back();
  if (!token.empty() && token.back() == '\r') token.pop_back();
  if (token.size() > kMaxTokenBytes || token.find_first_of("\r\n") != std::string::npos) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "the metrics token file " + file.string() + " must hold one line (the token)",
                     "metrics_token_file");
  }
  if (token.size() < kMinTokenBytes) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "the metrics token in " + file.string() + " is shorter than 16 bytes",
                     "metrics_token_file");
  }
  return auth::HashToken(token);
}

}  // namespace rmgr::server::metrics
