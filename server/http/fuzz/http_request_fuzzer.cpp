// libFuzzer harness for the server's request path. An input is what a client
// sends on one connection. It is read as HttpServer's session reads it — a
// request_parser with HttpLimits' header and body limits, header then body,
// keep-alive requests one after another from the same buffer, the bytes
// arriving in pieces — and each request is routed through a Router with
// literal, captured and nested routes, a deferred one, a takeover, a handler
// that throws and a GET fallback. For any input nothing crashes or trips a
// sanitizer, every response serialises to HTTP that parses again, and every
// JSON body (errors included) is valid JSON.
// The session itself is a coroutine on a socket; this drives the same Beast
// calls synchronously over the input (MemoryStream).
// Built with -fsanitize=fuzzer under clang (RMGR_FUZZ=ON); the GCC build
// replays the committed corpus (cmake/Fuzzing.cmake).

#include <algorithm>
#include <boost/asio/buffer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>

#include "common/util/log.h"
#include "server/http/http_server.h"
#include "server/http/router.h"

namespace {

namespace http = rmgr::server::http;
namespace beast_http = boost::beast::http;
using beast_http::verb;
using http::Request;
using http::Response;
using http::Status;

[[noreturn]] void Die(const char* what, std::string_view detail) {
  std::fprintf(stderr, "http_request_fuzzer: %s\n%.*s\n", what, static_cast<int>(detail.size()),
               detail.data());
  std::abort();
}

// A SyncReadStream over the input that hands out at most `chunk` bytes per
// read, as a socket may.
class MemoryStream {
 public:
  MemoryStream(std::string_view data, std::size_t chunk) : data_(data), chunk_(chunk) {}

  template <class MutableBufferSequence>
  std::size_t read_some(const MutableBufferSequence& buffers, boost::system::error_code& ec) {
    if (data_.empty()) {
      ec = boost::asio::error::eof;
      return 0;
    }
    ec = {};
    const std::size_t n =
        boost::asio::buffer_copy(buffers, boost::asio::buffer(data_.data(), std::min(chunk_, data_.size())));
    data_.remove_prefix(n);
    return n;
  }

  template <class MutableBufferSequence>
  std::size_t read_some(const MutableBufferSequence& buffers) {
    boost::system::error_code ec;
    const std::size_t n = read_some(buffers, ec);
    if (ec) throw boost::system::system_error(ec);
    return n;
  }

 private:
  std::string_view data_;
  std::size_t chunk_;
};

boost::json::object Echo(const http::RequestContext& ctx) {
  boost::json::object params;
  for (const auto& [key, value] : ctx.path_params) params[key] = value;
  boost::json::object query;
  for (const auto& [key, value] : ctx.query) query[key] = value;
  return {{"path", ctx.path}, {"params", std::move(params)}, {"query", std::move(query)}};
}

// Routes shaped like the REST API's.
const http::Router& TestRouter() {
  static const auto router = [] {
    auto r = std::make_unique<http::Router>();
    const auto echo = [](http::RequestContext& ctx) { return http::JsonResponse(Status::ok, Echo(ctx)); };
    r->Add(verb::get, "/healthz", echo);
    r->Add(verb::get, "/api/v1/hosts", echo);
    r->Add(verb::get, "/api/v1/hosts/{id}", echo);
    r->Add(verb::delete_, "/api/v1/hosts/{id}", echo);
    r->Add(verb::get, "/api/v1/hosts/{id}/jobs/{job_id}/logs", echo);
    r->Add(verb::put, "/api/v1/schedules/{schedule_id}/groups/{group_id}", echo);
    r->Add(verb::post, "/api/v1/hosts/{id}/jobs", [](http::RequestContext& ctx) {
      boost::system::error_code ec;
      auto body = boost::json::parse(ctx.request.body(), ec);
      if (ec) {
        return http::ErrorResponse(Status::bad_request, "malformed", "body is not JSON: " + ec.message());
      }
      auto out = Echo(ctx);
      out["body"] = std::move(body);
      return http::JsonResponse(Status::created, out);
    });
    r->Add(verb::post, "/api/v1/boom",
           [](http::RequestContext&) -> Response { throw std::runtime_error("boom"); });
    r->AddOutcome(verb::get, "/api/v1/hosts/{id}/browse", [](http::RequestContext& ctx) -> http::Outcome {
      return http::Deferred{
          [echo = Echo(ctx)](const http::Reply& reply) { reply(http::JsonResponse(Status::ok, echo)); }};
    });
    r->AddOutcome(verb::get, "/api/v1/events", [](http::RequestContext&) -> http::Outcome {
      return http::Takeover{[](rmgr::tls::MaybeTlsStream, Request) {}};
    });
    r->SetFallback([](const Request& request) -> std::optional<Response> {
      if (!request.target().starts_with("/assets/")) return std::nullopt;
      Response res{Status::ok, 11};
      res.set(beast_http::field::content_type, "text/plain");
      res.body() = "asset";
      return res;
    });
    return r;
  }();
  return *router;
}

// The response as bytes on the wire, which must parse again as HTTP; a JSON
// body must be valid JSON.
void CheckResponse(const Response& response, const Request& request) {
  std::ostringstream wire;
  wire << response;
  const std::string text = wire.str();
  beast_http::response_parser<beast_http::string_body> parser;
  parser.body_limit(boost::none);
  parser.eager(true);
  if (request.method() == verb::head) parser.skip(true);
  boost::system::error_code ec;
  const std::size_t used = parser.put(boost::asio::buffer(text), ec);
  if (ec || !parser.is_done() || used != text.size()) Die("response does not parse as HTTP", text);
  const bool json = response[beast_http::field::content_type] == "application/json";
  if (!json || request.method() == verb::head) return;
  boost::json::parse(response.body(), ec);
  if (ec) Die("JSON response body is not valid JSON", text);
}

// What RunSession writes for a request; nothing when a route took the connection.
std::optional<Response> Answer(const Request& request) {
  http::Outcome outcome = TestRouter().Dispatch(request, "192.0.2.1");
  if (std::holds_alternative<http::Takeover>(outcome)) return std::nullopt;
  Response response;
  if (auto* deferred = std::get_if<http::Deferred>(&outcome)) {
    std::optional<Response> answer;
    deferred->start([&answer](Response r) { answer = std::move(r); });
    if (!answer) Die("deferred response never came", std::string(request.target()));
    response = std::move(*answer);
  } else {
    response = std::move(std::get<Response>(outcome));
  }
  response.version(request.version());
  response.keep_alive(request.keep_alive());
  response.set(beast_http::field::server, "restic-manager");
  if (request.method() == verb::head) {
    if (response.find(beast_http::field::content_length) == response.end()) response.prepare_payload();
    response.body().clear();
  } else {
    response.prepare_payload();
  }
  return response;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bool quiet = rmgr::SetLogLevel("off");  // the throwing handler logs an error each time
  (void)quiet;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const http::HttpLimits limits;
  MemoryStream stream(input, size == 0 ? 1 : 1 + data[size - 1] % 509);
  boost::beast::flat_buffer buffer;
  for (int requests = 0; requests < 16; ++requests) {
    beast_http::request_parser<beast_http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(limits.header_limit));
    parser.body_limit(limits.body_limit);
    boost::system::error_code ec;
    beast_http::read_header(stream, buffer, parser, ec);
    if (!ec && parser.chunked()) break;  // HttpServer answers 411 and closes
    if (!ec) beast_http::read(stream, buffer, parser, ec);
    if (ec) break;  // the session answers with a fixed error response and closes
    Request request = parser.release();
    const std::string_view target = request.target();
    if (boost::beast::websocket::is_upgrade(request) && target.substr(0, target.find('?')) == "/agent/ws") {
      break;  // handed to the agent hub
    }
    const auto response = Answer(request);
    if (!response) break;
    CheckResponse(*response, request);
    if (!response->keep_alive()) break;
  }
  return 0;
}
