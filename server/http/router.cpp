#include "server/http/router.h"

#include <boost/url/parse.hpp>

#include <cassert>

#include "common/util/log.h"

namespace rmgr::server::http {
namespace {

std::vector<std::string> SplitPath(std::string_view path) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < path.size()) {
    if (path[pos] == '/') {
      ++pos;
      continue;
    }
    const auto end = path.find('/', pos);
    out.emplace_back(path.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos));
    if (end == std::string_view::npos) break;
    pos = end;
  }
  return out;
}

bool IsCapture(const std::string& segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

bool Match(const std::vector<std::string>& pattern, const std::vector<std::string>& path,
           std::map<std::string, std::string>* params) {
  if (pattern.size() != path.size()) return false;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (IsCapture(pattern[i])) {
      if (params != nullptr) (*params)[pattern[i].substr(1, pattern[i].size() - 2)] = path[i];
      continue;
    }
    if (pattern[i] != path[i]) return false;
  }
  return true;
}

}  // namespace

void Router::Add(beast_http::verb method, std::string pattern, Handler handler) {
  AddOutcome(method, std::move(pattern),
             [handler = std::move(handler)](RequestContext& ctx) -> Outcome { return handler(ctx); });
}

void Router::SetFallback(Fallback fallback) { fallback_ = std::move(fallback); }

void Router::AddOutcome(beast_http::verb method, std::string pattern, OutcomeHandler handler) {
  for ([[maybe_unused]] const auto& r : routes_) {
    assert(!(r.method == method && r.pattern == pattern) && "route registered twice");
  }
  auto segments = SplitPath(pattern);
  routes_.push_back(Route{method, std::move(pattern), std::move(segments), std::move(handler)});
}

Outcome Router::Dispatch(const Request& request, const std::string& remote_address,
                         std::string_view* matched) const {
  std::string_view ignored;
  std::string_view& answered = matched != nullptr ? *matched : ignored;
  answered = kMalformedRoute;
  auto target = boost::urls::parse_origin_form(request.target());
  if (!target) return ErrorResponse(Status::bad_request, "malformed", "request target is not a valid URL path");
  answered = kUnmatchedRoute;

  RequestContext ctx{request, std::string(target->path()), {}, {}, remote_address};
  for (const auto& param : target->params()) ctx.query[param.key] = param.value;
  const auto segments = SplitPath(ctx.path);

  std::string allow;
  for (const auto& route : routes_) {
    std::map<std::string, std::string> params;
    if (!Match(route.segments, segments, &params)) continue;
    if (route.method != request.method()) {
      if (!allow.empty()) allow += ", ";
      allow += std::string(beast_http::to_string(route.method));
      continue;
    }
    ctx.path_params = std::move(params);
    answered = route.pattern;
    try {
      return route.handler(ctx);
    } catch (const std::exception& e) {
      Logger("http")->error("handler for {} {} threw: {}", std::string(request.method_string()), route.pattern,
                            e.what());
      return ErrorResponse(Status::internal_server_error, "internal", "internal error");
    }
  }
  if (!allow.empty()) {
    auto res = ErrorResponse(Status::method_not_allowed, "method_not_allowed",
                             "method " + std::string(request.method_string()) + " is not allowed here");
    res.set(beast_http::field::allow, allow);
    return res;
  }
  const bool read = request.method() == beast_http::verb::get || request.method() == beast_http::verb::head;
  if (read && fallback_) {
    if (auto answer = fallback_(request)) {
      answered = kFallbackRoute;
      return std::move(*answer);
    }
  }
  return ErrorResponse(Status::not_found, "not_found", "no such resource: " + ctx.path);
}

std::vector<RouteInfo> Router::Routes() const {
  std::vector<RouteInfo> out;
  out.reserve(routes_.size());
  for (const auto& r : routes_) out.push_back(RouteInfo{r.method, r.pattern});
  return out;
}

}  // namespace rmgr::server::http
