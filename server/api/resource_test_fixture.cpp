#include "server/api/resource_test_fixture.h"

#include "server/views/json_views.h"
#include "server/api/resource_routes.h"

namespace rmgr::server::api::testing {

using namespace views;  // NOLINT(google-build-using-namespace): the JSON views of store records

namespace json = boost::json;

boost::json::array Strings(const std::vector<std::string>& items) {
  json::array out;
  for (const auto& item : items) out.emplace_back(item);
  return out;
}

::testing::AssertionResult IsError(const Reply& reply, unsigned status, std::string_view field) {
  if (reply.status != status) {
    return ::testing::AssertionFailure() << "status " << reply.status << ", want " << status << ": " << reply.body;
  }
  if (reply.ErrorCode().empty()) return ::testing::AssertionFailure() << "no error shape: " << reply.body;
  if (!field.empty() && reply.ErrorField() != field) {
    return ::testing::AssertionFailure() << "field \"" << reply.ErrorField() << "\", want \"" << field
                                         << "\": " << reply.body;
  }
  return ::testing::AssertionSuccess();
}

void ResourceApiTest::SetUp() {
  Deps().now = [this] {
    const int64_t ms = pinned_ms_.load();
    return ms == 0 ? Clock::now() : TimePoint(std::chrono::milliseconds(ms));
  };
  RegisterResourceRoutes(Routes(), Deps());
  Start(limits_);
}

void ResourceApiTest::PinClock(TimePoint t) {
  pinned_ms_.store(std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count());
}

std::string ResourceApiTest::Created(const std::string& target, const json::object& body, std::string_view role) {
  const Reply reply = As(role, "POST", target, body);
  EXPECT_EQ(reply.status, 201u) << target << ": " << reply.body;
  const json::value v = reply.Json();
  if (!v.is_object() || !v.as_object().contains("id")) return {};
  return std::string(v.at("id").as_string());
}

std::string ResourceApiTest::MakeHost(const std::string& name) {
  return Created("/api/v1/hosts", {{"name", name}});
}

std::string ResourceApiTest::MakeRepository(const std::string& name, const std::string& password) {
  return Created("/api/v1/repositories",
                 {{"name", name}, {"url", "sftp:backup@nas:/srv/restic/" + name}, {"password", password}});
}

std::string ResourceApiTest::MakeGroup(const std::string& host_id, const std::string& name,
                                       const std::vector<std::string>& paths) {
  return Created("/api/v1/source-groups", {{"host_id", host_id}, {"name", name}, {"paths", Strings(paths)}});
}

std::string ResourceApiTest::MakeSchedule(const std::string& host_id, const std::string& repository_id,
                                          const std::vector<std::string>& group_ids, const std::string& name) {
  return Created("/api/v1/schedules", {{"host_id", host_id},
                                       {"name", name},
                                       {"kind", "backup"},
                                       {"cron", "0 3 * * *"},
                                       {"repository_id", repository_id},
                                       {"source_group_ids", Strings(group_ids)}});
}

int64_t ResourceApiTest::HostVersion(const std::string& host_id) {
  auto version = Store().Read([&](store::ReadTx& tx) { return tx.GetHostScheduleVersion(host_id); });
  return version ? *version : -1;
}

namespace {

// Every page of a listing, via next_cursor.
template <class T, class List>
Result<std::vector<T>> AllPages(store::ReadTx& tx, List&& list) {
  std::vector<T> out;
  store::PageRequest page{.cursor = {}, .limit = store::kMaxPageLimit};
  for (;;) {
    auto got = list(tx, page);
    if (!got) return got.error();
    for (auto& item : got->items) out.push_back(std::move(item));
    if (got->next_cursor.empty()) return out;
    page.cursor = got->next_cursor;
  }
}

std::string Hex(const std::vector<uint8_t>& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (const uint8_t b : bytes) {
    out += kDigits[b >> 4];
    out += kDigits[b & 0xf];
  }
  return out;
}

}  // namespace

std::string ResourceApiTest::StoreState() {
  auto state = Store().Read([](store::ReadTx& tx) -> Result<std::string> {
    json::object out;
    json::array hosts;
    auto host_rows = AllPages<store::Host>(
        tx, [](store::ReadTx& t, const store::PageRequest& p) { return t.ListHosts(p); });
    if (!host_rows) return host_rows.error();
    for (const auto& host : *host_rows) hosts.emplace_back(HostJson(host));
    out["hosts"] = std::move(hosts);

    json::array repositories;
    auto repository_rows = AllPages<store::Repository>(
        tx, [](store::ReadTx& t, const store::PageRequest& p) { return t.ListRepositoriesPage(p); });
    if (!repository_rows) return repository_rows.error();
    for (const auto& repository : *repository_rows) {
      json::object row = RepositoryJson(repository);
      row["secret"] = Hex(repository.secret_ciphertext) + ":" + Hex(repository.secret_nonce);
      repositories.emplace_back(std::move(row));
    }
    out["repositories"] = std::move(repositories);

    json::array groups;
    auto group_rows = AllPages<store::SourceGroup>(
        tx, [](store::ReadTx& t, const store::PageRequest& p) { return t.ListSourceGroupsPage(std::nullopt, p); });
    if (!group_rows) return group_rows.error();
    for (const auto& group : *group_rows) groups.emplace_back(SourceGroupJson(group));
    out["source_groups"] = std::move(groups);

    json::array schedules;
    auto schedule_rows = AllPages<store::Schedule>(
        tx, [](store::ReadTx& t, const store::PageRequest& p) { return t.ListSchedulesPage(std::nullopt, p); });
    if (!schedule_rows) return schedule_rows.error();
    for (const auto& schedule : *schedule_rows) schedules.emplace_back(ScheduleJson(schedule, 0, {}));
    out["schedules"] = std::move(schedules);

    json::array jobs;
    auto job_rows = AllPages<store::Job>(
        tx, [](store::ReadTx& t, const store::PageRequest& p) { return t.ListJobs(store::JobFilter{}, p); });
    if (!job_rows) return job_rows.error();
    for (const auto& job : *job_rows) jobs.emplace_back(JobJson(job));
    out["jobs"] = std::move(jobs);

    json::array tokens;
    auto token_rows = AllPages<store::EnrollmentToken>(
        tx, [](store::ReadTx& t, const store::PageRequest& p) { return t.ListEnrollmentTokens(p); });
    if (!token_rows) return token_rows.error();
    for (const auto& token : *token_rows) tokens.emplace_back(EnrollmentTokenJson(token, TimePoint{}));
    out["enrollment_tokens"] = std::move(tokens);

    auto audit = AllPages<store::AuditEntry>(tx, [](store::ReadTx& t, const store::PageRequest& p) {
      return t.ListAudit(store::AuditFilter{}, p);
    });
    if (!audit) return audit.error();
    out["audit_count"] = audit->size();
    return json::serialize(out);
  });
  EXPECT_TRUE(state.ok()) << (state ? "" : state.error().Describe());
  return state ? *state : std::string{};
}

}  // namespace rmgr::server::api::testing
