#include "server/api/api_test_fixture.h"

#include <boost/asio/connect.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <unistd.h>

#include "common/util/ulid.h"

namespace rmgr::server::api::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace beast_http = beast::http;

Result<Principal> HeaderAuthenticator::Authenticate(const http::RequestContext& ctx, bool /*mutating*/) {
  const auto role_header = ctx.request["X-Test-Role"];
  if (role_header.empty()) return MakeError(ErrorCode::kUnauthenticated, "no credentials");
  auto role = RoleFromString(std::string_view(role_header.data(), role_header.size()));
  if (!role) return MakeError(ErrorCode::kUnauthenticated, "bad test role");
  Principal p;
  const auto user = ctx.request["X-Test-User"];
  p.user_id = user.empty() ? "test-" + std::string(ToString(*role)) : std::string(user);
  p.username = p.user_id;
  p.role = *role;
  p.actor_kind = store::ActorKind::kUser;
  p.actor_id = p.user_id;
  return p;
}

boost::json::value Reply::Json() const {
  boost::json::error_code ec;
  auto v = boost::json::parse(body, ec);
  return ec ? boost::json::value(nullptr) : v;
}

std::string Reply::ErrorCode() const {
  const auto v = Json();
  const auto* obj = v.if_object();
  if (obj == nullptr || !obj->contains("error")) return {};
  const auto* code = obj->at("error").as_object().if_contains("code");
  return code != nullptr && code->is_string() ? std::string(code->as_string()) : std::string{};
}

std::string Reply::ErrorField() const {
  const auto v = Json();
  const auto* obj = v.if_object();
  if (obj == nullptr || !obj->contains("error")) return {};
  const auto* field = obj->at("error").as_object().if_contains("field");
  return field != nullptr && field->is_string() ? std::string(field->as_string()) : std::string{};
}

ApiFixture::ApiFixture() {
  dir_ = std::filesystem::temp_directory_path() / ("rmgr-api-" + std::to_string(::getpid()) + "-" + NewUlid());
  std::filesystem::create_directories(dir_);
  auto opened = store::OpenSqliteStore(dir_ / "restic-manager.db");
  if (!opened) throw std::runtime_error("cannot open test store: " + opened.error().Describe());
  store_ = std::move(opened).value();
  std::array<unsigned char, 32> key{};
  key.fill(7);
  secrets_ = std::make_unique<auth::SecretBox>(auth::SecretBox::FromKey(key));
  deps_ = std::make_unique<ApiDeps>(ApiDeps{*store_, *secrets_});
  router_ = std::make_shared<http::Router>();
}

ApiFixture::~ApiFixture() {
  if (server_) server_->Stop();
  if (thread_.joinable()) thread_.join();
  server_.reset();
  store_.reset();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

ApiRoutes& ApiFixture::Routes() {
  if (!routes_) routes_ = std::make_unique<ApiRoutes>(*router_, *auth_);
  return *routes_;
}

void ApiFixture::Start(http::HttpLimits limits) {
  server_ = std::make_unique<http::HttpServer>(io_, router_, limits);
  server_->SetHandlerExecutor(handlers_.get_executor());
  auto endpoint = server_->Listen("127.0.0.1", 0);
  ASSERT_TRUE(endpoint.ok()) << endpoint.error().Describe();
  port_ = endpoint->port();
  server_->Start();
  thread_ = std::thread([this] { io_.run(); });
}

Reply ApiFixture::Call(std::string_view method, const std::string& target, const std::string& body,
                       const std::map<std::string, std::string>& headers) {
  asio::io_context io;
  beast::tcp_stream stream(io);
  stream.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_));
  beast_http::request<beast_http::string_body> req;
  req.method_string(method);
  req.target(target);
  req.version(11);
  req.set(beast_http::field::host, "127.0.0.1");
  for (const auto& [name, value] : headers) req.set(name, value);
  if (!body.empty() && headers.count("Content-Type") == 0) req.set(beast_http::field::content_type, "application/json");
  req.body() = body;
  req.prepare_payload();
  beast_http::write(stream, req);
  beast::flat_buffer buffer;
  beast_http::response_parser<beast_http::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  beast_http::read(stream, buffer, parser);
  const auto& res = parser.get();
  Reply reply;
  reply.status = res.result_int();
  reply.body = res.body();
  for (const auto& field : res) {
    std::string name(field.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    auto& slot = reply.headers[name];
    if (!slot.empty()) slot += "\n";
    slot += std::string(field.value());
  }
  beast::error_code ec;
  stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  return reply;
}

Reply ApiFixture::As(std::string_view role, std::string_view method, const std::string& target,
                     const boost::json::value& body) {
  return Call(method, target, body.is_null() ? std::string{} : boost::json::serialize(body),
              {{"X-Test-Role", std::string(role)}});
}

int64_t ApiFixture::AuditCount() {
  auto page = store_->Read([](store::ReadTx& tx) {
    return tx.ListAudit(store::AuditFilter{}, store::PageRequest{.cursor = {}, .limit = store::kMaxPageLimit});
  });
  if (!page) return -1;
  return static_cast<int64_t>(page->items.size());
}

}  // namespace rmgr::server::api::testing
