// REST handlers under hostile input: a table of malformed, oversized,
// deeply nested, mistyped and traversal requests against many endpoints —
// each a clear 4xx with the error shape, none changing the store, none
// crashing the server (run under ASan+UBSan). And the repository password:
// in no response, no audit detail, no log line.
#include <gtest/gtest.h>
#include <spdlog/sinks/base_sink.h>

#include <mutex>

#include "common/util/log.h"
#include "server/api/resource_test_fixture.h"

namespace rmgr::server::api::testing {
namespace {

namespace json = boost::json;

//! Keeps every formatted log line of the loggers it is attached to.
class CaptureSink : public spdlog::sinks::base_sink<std::mutex> {
 public:
  //! All lines captured so far, joined by newlines.
  std::string Text() {
    std::lock_guard lock(mutex_);
    return text_;
  }
  //! Forgets what was captured.
  void Clear() {
    std::lock_guard lock(mutex_);
    text_.clear();
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t formatted;
    formatter_->format(msg, formatted);
    text_.append(formatted.data(), formatted.size());
  }
  void flush_() override {}

 private:
  std::string text_;
};

// The components that log while serving the API. The sink is attached
// once per process, before any server thread of this binary runs, and
// stays (loggers are global).
constexpr const char* kComponents[] = {"api", "http", "store", "server", "auth"};

CaptureSink& Capture() {
  static const std::shared_ptr<CaptureSink> sink = [] {
    auto made = std::make_shared<CaptureSink>();
    for (const char* component : kComponents) Logger(component)->sinks().push_back(made);
    return made;
  }();
  return *sink;
}

class BadInputApi : public ResourceApiTest {
 protected:
  void SetUp() override {
    Capture().Clear();
    for (const char* component : kComponents) Logger(component)->set_level(spdlog::level::trace);
    limits_.body_limit = 64 * 1024;  // small enough that an oversized body fits the socket buffers
    ResourceApiTest::SetUp();
    host_ = MakeHost("web");
    repo_ = MakeRepository("nas");
    group_ = MakeGroup(host_, "etc");
    schedule_ = MakeSchedule(host_, repo_, {group_});
  }
  void TearDown() override {
    for (const char* component : kComponents) Logger(component)->set_level(spdlog::get_level());
  }

  std::string host_;
  std::string repo_;
  std::string group_;
  std::string schedule_;
};

struct BadRequest {
  std::string name;
  std::string method;
  std::string target;
  std::string body;
  unsigned status;
  std::string field;  // empty: not checked
  std::string role = "admin";
};

std::string Nested(int depth, const std::string& open, const std::string& close) {
  std::string out;
  for (int i = 0; i < depth; ++i) out += open;
  for (int i = 0; i < depth; ++i) out += close;
  return out;
}

TEST_F(BadInputApi, EveryBadRequestIsAClear4xxAndChangesNothing) {
  const std::string hosts = "/api/v1/hosts";
  const std::string schedule_base =
      R"({"host_id":")" + host_ + R"(","name":"s2","kind":"backup","repository_id":")" + repo_ +
      R"(","source_group_ids":[")" + group_ + R"("],)";
  const std::vector<BadRequest> table = {
      {"wrong type", "POST", hosts, R"({"name":5})", 400, "name"},
      {"null field", "POST", hosts, R"({"name":null})", 400, "name"},
      {"unknown field", "POST", hosts, R"({"name":"a","owner":"me"})", 400, "owner"},
      {"array body", "POST", hosts, "[]", 400, ""},
      {"string body", "POST", hosts, R"("web")", 400, ""},
      {"null body", "POST", hosts, "null", 400, ""},
      {"empty body", "POST", hosts, "", 400, ""},
      {"truncated JSON", "POST", hosts, R"({"name":"a")", 400, ""},
      {"trailing garbage", "POST", hosts, R"({"name":"a"} x)", 400, ""},
      {"10000 nested arrays", "POST", hosts, Nested(10000, "[", "]"), 413, ""},
      {"10000 nested objects", "POST", hosts, R"({"name":)" + Nested(10000, R"({"a":)", "}") + "}", 413, ""},
      {"deep nesting in a field", "POST", "/api/v1/jobs", R"({"args":)" + Nested(40, "[", "]") + "}", 413, ""},
      {"invalid UTF-8", "POST", hosts, "{\"name\":\"\xff\xfe\"}", 400, ""},
      {"overlong UTF-8", "POST", hosts, "{\"name\":\"\xc0\xaf\"}", 400, ""},
      {"lone surrogate escape", "POST", hosts, R"({"name":"\ud800"})", 400, ""},
      {"oversized body", "POST", hosts, R"({"name":")" + std::string(100 * 1024, 'a') + R"("})", 413, ""},
      {"huge number", "POST", "/api/v1/enrollment-tokens", R"({"name":"t","ttl_seconds":1e308})", 400,
       "ttl_seconds"},
      {"integer beyond int64", "POST", "/api/v1/enrollment-tokens",
       R"({"name":"t","ttl_seconds":99999999999999999999})", 400, "ttl_seconds"},
      {"negative ttl", "POST", "/api/v1/enrollment-tokens", R"({"name":"t","ttl_seconds":-1})", 400, "ttl_seconds"},
      {"object as id", "POST", "/api/v1/jobs", R"({"host_id":{"$gt":""},"kind":"check"})", 400, "host_id"},
      {"too long password", "POST", "/api/v1/repositories",
       R"({"name":"r","url":"u","password":")" + std::string(5000, 'p') + R"("})", 400, "password"},
      {"bad cron", "POST", "/api/v1/schedules", schedule_base + R"("cron":"99 * * * *"})", 400, "cron"},
      {"cron with newline", "POST", "/api/v1/schedules", schedule_base + R"("cron":"0 3 * * *\n0 4 * * *"})", 400,
       "cron"},
      {"fractional jitter", "POST", "/api/v1/schedules", schedule_base + R"("cron":"0 3 * * *","jitter_seconds":1.5})",
       400, "jitter_seconds"},
      {"path traversal", "POST", "/api/v1/source-groups",
       R"({"host_id":")" + host_ + R"(","name":"g","paths":["/etc/../../root"]})", 400, "paths[0]"},
      {"relative path", "POST", "/api/v1/source-groups",
       R"({"host_id":")" + host_ + R"(","name":"g","paths":["../../etc/shadow"]})", 400, "paths[0]"},
      {"NUL in path", "POST", "/api/v1/source-groups",
       R"({"host_id":")" + host_ + R"(","name":"g","paths":["/etc\u0000/x"]})", 400, "paths[0]"},
      {"traversal in PATCH", "PATCH", "/api/v1/source-groups/" + group_, R"({"paths":["/srv/.."]})", 400,
       "paths[0]"},
      {"traversal in id", "GET", "/api/v1/hosts/..%2F..%2Fetc%2Fpasswd", "", 404, ""},
      {"negative limit", "GET", "/api/v1/jobs?limit=-1", "", 400, "limit"},
      {"zero limit", "GET", "/api/v1/hosts?limit=0", "", 400, "limit"},
      {"huge limit", "GET", "/api/v1/audit?limit=1000000", "", 400, "limit"},
      {"overflowing limit", "GET", "/api/v1/repositories?limit=184467440737095516160", "", 400, "limit"},
      {"non-numeric limit", "GET", "/api/v1/source-groups?limit=ten", "", 400, "limit"},
      {"empty limit", "GET", "/api/v1/schedules?limit=", "", 400, "limit"},
      {"bad cursor", "GET", "/api/v1/jobs?cursor=not-a-cursor", "", 400, "cursor"},
      {"cursor of another listing", "GET", "/api/v1/jobs?cursor=WyJob3N0cyIsImEiXQ", "", 400, "cursor"},
      {"NUL cursor", "GET", "/api/v1/audit?cursor=%00", "", 400, "cursor"},
      {"oversized cursor", "GET", "/api/v1/hosts?cursor=" + std::string(1000, 'A'), "", 400, "cursor"},
      {"bad enum filter", "GET", "/api/v1/jobs?status=%FF", "", 400, "status"},
      {"bad log seq", "GET", "/api/v1/jobs/01ARZ3NDEKTSV4RRFFQ69G5FAV/logs?after_seq=1.5", "", 400, "after_seq"},
      {"viewer mutates", "POST", hosts, R"({"name":"x"})", 403, "", "viewer"},
      {"operator deletes a host", "DELETE", hosts + "/" + host_, "", 403, "", "operator"},
      {"operator sets a hook", "PATCH", "/api/v1/schedules/" + schedule_, R"({"pre_hook":"id"})", 403, "pre_hook",
       "operator"},
      {"no credentials", "POST", hosts, R"({"name":"x"})", 401, "", ""},
  };
  const std::string before = StoreState();
  for (const auto& bad : table) {
    std::map<std::string, std::string> headers;
    if (!bad.role.empty()) headers["X-Test-Role"] = bad.role;
    Reply reply;
    EXPECT_NO_THROW(reply = Call(bad.method, bad.target, bad.body, headers)) << bad.name;
    EXPECT_TRUE(IsError(reply, bad.status, bad.field)) << bad.name;
    EXPECT_FALSE(reply.Json().is_null()) << bad.name << ": the answer must be valid JSON";
    // The server is still there, and nothing changed.
    EXPECT_EQ(As("viewer", "GET", hosts).status, 200u) << "after " << bad.name;
  }
  EXPECT_EQ(StoreState(), before);
}

TEST_F(BadInputApi, WrongContentTypeIs400NamingIt) {
  const std::string before = StoreState();
  auto r = Call("POST", "/api/v1/hosts", R"({"name":"x"})", {{"X-Test-Role", "admin"}, {"Content-Type", "text/plain"}});
  EXPECT_TRUE(IsError(r, 400, "Content-Type"));
  EXPECT_EQ(StoreState(), before);
}

TEST_F(BadInputApi, RepositoryPasswordIsInNoResponseAuditDetailOrLogLine) {
  const std::string first = "pw-first-7f3a9c1e";
  const std::string second = "pw-second-2b8d4e6f";
  std::string responses;
  const auto keep = [&](const Reply& r) {
    responses += r.body;
    return r;
  };
  auto made = keep(As("operator", "POST", "/api/v1/repositories",
                      json::object{{"name", "secret-repo"}, {"url", "s3:s3.example/bucket"}, {"password", first}}));
  ASSERT_EQ(made.status, 201u) << made.body;
  const std::string id(made.Json().at("id").as_string());
  keep(As("operator", "PATCH", "/api/v1/repositories/" + id, json::object{{"password", second}}));
  keep(As("viewer", "GET", "/api/v1/repositories/" + id));
  keep(As("viewer", "GET", "/api/v1/repositories"));
  // Rejected requests carrying the password must not echo it either.
  keep(As("operator", "POST", "/api/v1/repositories",
          json::object{{"name", "secret-repo"}, {"url", "u"}, {"password", first}}));  // 409
  keep(As("operator", "POST", "/api/v1/repositories",
          json::object{{"name", "other"}, {"url", "a\nb"}, {"password", first}}));  // 400 url
  keep(As("operator", "POST", "/api/v1/repositories",
          json::object{{"name", "other"}, {"url", "u"}, {"password", first}, {"passwd", second}}));  // 400 unknown
  keep(As("viewer", "POST", "/api/v1/repositories",
          json::object{{"name", "other"}, {"url", "u"}, {"password", first}}));  // 403
  keep(Call("POST", "/api/v1/repositories", "{\"name\":\"x\",\"url\":\"u\",\"password\":\"" + first + "\xff\"}",
            {{"X-Test-Role", "admin"}}));  // 400 invalid UTF-8
  keep(As("viewer", "GET", "/api/v1/audit?limit=500"));
  EXPECT_EQ(responses.find(first), std::string::npos);
  EXPECT_EQ(responses.find(second), std::string::npos);

  auto audit = Store().Read([](store::ReadTx& tx) {
    return tx.ListAudit(store::AuditFilter{}, store::PageRequest{.cursor = {}, .limit = store::kMaxPageLimit});
  });
  ASSERT_TRUE(audit.ok());
  ASSERT_FALSE(audit->items.empty());
  for (const auto& entry : audit->items) {
    EXPECT_EQ(entry.detail_json.find(first), std::string::npos) << entry.action;
    EXPECT_EQ(entry.detail_json.find(second), std::string::npos) << entry.action;
  }
  const std::string logs = Capture().Text();
  EXPECT_FALSE(logs.empty()) << "expected the store and server to log something at trace level";
  EXPECT_EQ(logs.find(first), std::string::npos) << logs;
  EXPECT_EQ(logs.find(second), std::string::npos) << logs;
}

}  // namespace
}  // namespace rmgr::server::api::testing
