#include "cli/fake_api_server.h"

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>
#include <cctype>

namespace rmgr::cli::testing {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

}  // namespace

std::string RecordedRequest::Header(const std::string& name) const {
  const auto it = headers.find(Lower(name));
  return it == headers.end() ? std::string() : it->second;
}

std::string RecordedRequest::Param(const std::string& name) const {
  const std::string target = "/?" + query;  // the view below points into it
  auto parsed = boost::urls::parse_origin_form(target);
  if (!parsed) return {};
  for (const auto& param : parsed->params()) {
    if (param.key == name) return std::string(param.value);
  }
  return {};
}

Reply JsonReply(int status, const boost::json::value& body) {
  return Reply{status, boost::json::serialize(body), {}};
}

Reply ErrorReply(int status, const std::string& code, const std::string& message, const std::string& field) {
  boost::json::object error{{"code", code}, {"message", message}};
  if (!field.empty()) error["field"] = field;
  return JsonReply(status, boost::json::object{{"error", std::move(error)}});
}

FakeApiServer::FakeApiServer() : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
  port_ = acceptor_.local_endpoint().port();
  thread_ = std::thread([this] { Serve(); });
}

FakeApiServer::~FakeApiServer() {
  stopping_ = true;
  // Wake the blocking accept with a connection of our own.
  asio::io_context wake_io;
  tcp::socket wake(wake_io);
  boost::system::error_code ec;
  wake.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_), ec);
  thread_.join();
}

void FakeApiServer::On(const std::string& method, const std::string& path, Handler handler) {
  std::lock_guard lock(mutex_);
  handlers_[{method, path}] = std::move(handler);
}

void FakeApiServer::OnJson(const std::string& method, const std::string& path, int status,
                           const boost::json::value& body) {
  On(method, path, [reply = JsonReply(status, body)](const RecordedRequest&) { return reply; });
}

std::string FakeApiServer::url() const {
  return "http://127.0.0.1:" + std::to_string(port_);
}

std::vector<RecordedRequest> FakeApiServer::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

Reply FakeApiServer::Answer(const RecordedRequest& request) {
  Handler handler;
  {
    std::lock_guard lock(mutex_);
    requests_.push_back(request);
    const auto it = handlers_.find({request.method, request.path});
    if (it != handlers_.end()) handler = it->second;
  }
  if (!handler) return ErrorReply(404, "not_found", "no route " + request.method + " " + request.path);
  return handler(request);
}

void FakeApiServer::Serve() {
  while (!stopping_) {
    tcp::socket socket(io_);
    boost::system::error_code ec;
    acceptor_.accept(socket, ec);
    if (ec || stopping_) break;
    boost::beast::flat_buffer buffer;
    // One connection at a time: the CLI makes one request at a time.
    while (true) {
      http::request<http::string_body> req;
      http::read(socket, buffer, req, ec);
      if (ec) break;
      RecordedRequest recorded;
      recorded.method = std::string(req.method_string());
      const std::string target(req.target());
      const auto q = target.find('?');
      recorded.path = target.substr(0, q);
      if (q != std::string::npos) recorded.query = target.substr(q + 1);
      recorded.body = req.body();
      for (const auto& field : req)
        recorded.headers[Lower(std::string(field.name_string()))] = std::string(field.value());
      const Reply reply = Answer(recorded);

      http::response<http::string_body> res{static_cast<http::status>(reply.status), req.version()};
      res.set(http::field::content_type, "application/json");
      for (const auto& [name, value] : reply.headers) res.insert(name, value);
      res.body() = reply.body;
      res.keep_alive(req.keep_alive());
      res.prepare_payload();
      http::write(socket, res, ec);
      if (ec || !req.keep_alive()) break;
    }
  }
}

}  // namespace rmgr::cli::testing
