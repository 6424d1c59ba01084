// REST handlers: reusable enrollment tokens (max_uses, labels) and
// POST /agent/enroll, whose rate limit counts failed attempts only.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

#include "server/api/resource_test_fixture.h"

namespace rmgr::server::api::testing {
namespace {

namespace json = boost::json;

class EnrollApi : public ResourceApiTest {
 protected:
  //! Creates an enrollment token through the API; returns {id, secret}.
  std::pair<std::string, std::string> MakeToken(json::object body) {
    auto made = As("operator", "POST", "/api/v1/enrollment-tokens", body);
    EXPECT_EQ(made.status, 201u) << made.body;
    if (made.status != 201u) return {};
    const json::value doc = made.Json();
    const auto& out = doc.as_object();
    return {std::string(out.at("id").as_string()), std::string(out.at("token").as_string())};
  }

  //! POST /agent/enroll as an agent would (no credentials).
  Reply Enroll(const std::string& token, const std::string& hostname, json::object labels = {}) {
    json::object body{{"token", token},
                      {"hostname", hostname},
                      {"os", "linux"},
                      {"arch", "amd64"},
                      {"agent_version", "0.1.0"}};
    if (!labels.empty()) body["labels"] = std::move(labels);
    return Call("POST", "/api/v1/agent/enroll", json::serialize(body));
  }

  //! The listed token with this id.
  json::object Listed(const std::string& id) {
    const json::value listed = As("operator", "GET", "/api/v1/enrollment-tokens").Json();
    for (const auto& item : listed.at("items").as_array()) {
      if (item.at("id") == json::value(id)) return item.as_object();
    }
    ADD_FAILURE() << "token " << id << " not listed: " << json::serialize(listed);
    return {};
  }

  //! Hosts the store holds.
  int HostCount() {
    auto listed = As("viewer", "GET", "/api/v1/hosts?limit=500");
    return static_cast<int>(listed.Json().at("items").as_array().size());
  }
};

TEST_F(EnrollApi, ReusableTokenEnrollsUntilExhaustedThenAnswers410) {
  const auto [id, secret] =
      MakeToken({{"name", "fleet"}, {"max_uses", 3}, {"labels", {{"role", "web"}, {"site", "berlin"}}}});
  ASSERT_FALSE(secret.empty());
  const json::object created = Listed(id);
  EXPECT_EQ(created.at("max_uses"), 3);
  EXPECT_EQ(created.at("use_count"), 0);
  EXPECT_EQ(created.at("status"), "active");
  EXPECT_EQ(created.at("labels"), (json::value{{"role", "web"}, {"site", "berlin"}}));

  std::vector<std::string> hosts;
  for (int i = 1; i <= 3; ++i) {
    // The agent proposes labels; the token's win on a shared key.
    auto enrolled =
        Enroll(secret, "web-" + std::to_string(i), {{"site", "paris"}, {"rack", "r" + std::to_string(i)}});
    ASSERT_EQ(enrolled.status, 201u) << enrolled.body;
    const std::string host_id(enrolled.Json().at("host_id").as_string());
    hosts.push_back(host_id);
    auto host = As("viewer", "GET", "/api/v1/hosts/" + host_id);
    EXPECT_EQ(host.Json().at("labels"),
              (json::value{{"rack", "r" + std::to_string(i)}, {"role", "web"}, {"site", "berlin"}}));
    EXPECT_EQ(Listed(id).at("use_count"), i);
  }
  const std::string before = StoreState();
  auto refused = Enroll(secret, "web-4");
  EXPECT_EQ(refused.status, 410u) << refused.body;
  EXPECT_EQ(refused.ErrorCode(), "gone");
  EXPECT_EQ(refused.ErrorField(), "token");
  EXPECT_EQ(refused.Json().at("error").at("message"), "enrollment token exhausted (3 of 3 uses)");
  EXPECT_EQ(StoreState(), before) << "a refused enrollment leaves nothing behind";

  const json::object exhausted = Listed(id);
  EXPECT_EQ(exhausted.at("status"), "exhausted");
  EXPECT_EQ(exhausted.at("use_count"), 3);
  EXPECT_EQ(exhausted.at("host_id"), json::value(hosts.front())) << "the first host it made";
  EXPECT_FALSE(exhausted.at("last_used_at").is_null());

  // Each enrollment is audited with the token and its use number.
  auto audit = As("viewer", "GET", "/api/v1/audit?action=host.enroll");
  ASSERT_EQ(audit.status, 200u) << audit.body;
  std::vector<int64_t> uses;
  const json::value entries = audit.Json();
  for (const auto& entry : entries.at("items").as_array()) {
    const auto& detail = entry.at("detail").as_object();
    EXPECT_EQ(detail.at("enrollment_token_id"), json::value(id));
    EXPECT_EQ(detail.at("max_uses"), 3);
    EXPECT_EQ(detail.at("labels").at("role"), "web");
    uses.push_back(detail.at("use").as_int64());
  }
  std::sort(uses.begin(), uses.end());
  EXPECT_EQ(uses, (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(audit.body.find(secret), std::string::npos);
}

TEST_F(EnrollApi, OneTimeTokenKeepsItsAnswersAndBoundHostGetsTheLabels) {
  const std::string host = MakeHost("laptop");
  auto labelled = As("operator", "PATCH", "/api/v1/hosts/" + host,
                     json::object{{"labels", {{"owner", "ops"}, {"site", "lab"}}}});
  ASSERT_EQ(labelled.status, 200u) << labelled.body;
  const auto [id, secret] =
      MakeToken({{"name", "laptop"}, {"host_id", host}, {"labels", {{"site", "berlin"}}}});
  auto enrolled = Enroll(secret, "laptop", {{"owner", "agent"}, {"os", "debian"}});
  ASSERT_EQ(enrolled.status, 201u) << enrolled.body;
  EXPECT_EQ(enrolled.Json().at("host_id"), json::value(host));
  // The token's labels win, then the operator's, then the agent's.
  EXPECT_EQ(As("viewer", "GET", "/api/v1/hosts/" + host).Json().at("labels"),
            (json::value{{"os", "debian"}, {"owner", "ops"}, {"site", "berlin"}}));
  EXPECT_EQ(Listed(id).at("status"), "used");
  auto again = Enroll(secret, "laptop");
  EXPECT_TRUE(IsError(again, 401, "token"));
  EXPECT_NE(again.body.find("already used"), std::string::npos) << again.body;
}

TEST_F(EnrollApi, CreateChecksMaxUsesAndLabels) {
  const std::string host = MakeHost("bound");
  const std::string before = StoreState();
  const std::string target = "/api/v1/enrollment-tokens";
  const json::object base{{"name", "t"}};
  EXPECT_TRUE(IsError(As("operator", "POST", target, With(base, "max_uses", 0)), 400, "max_uses"));
  EXPECT_TRUE(IsError(As("operator", "POST", target, With(base, "max_uses", 100001)), 400, "max_uses"));
  EXPECT_TRUE(IsError(As("operator", "POST", target, With(base, "max_uses", "3")), 400, "max_uses"));
  EXPECT_TRUE(IsError(As("operator", "POST", target, With(With(base, "host_id", host), "max_uses", 2)), 400,
                      "max_uses"));
  EXPECT_TRUE(IsError(As("operator", "POST", target, With(base, "labels", json::object{{"Bad", "x"}})), 400));
  EXPECT_TRUE(IsError(As("operator", "POST", target, With(base, "labels", json::object{{"k", "a b"}})), 400));
  EXPECT_TRUE(IsError(As("operator", "POST", target, With(base, "labels", json::array{})), 400, "labels"));
  EXPECT_EQ(StoreState(), before);

  // The creation is audited with the new fields.
  const auto [id, secret] =
      MakeToken({{"name", "fleet"}, {"max_uses", 100000}, {"labels", {{"role", "db"}}}});
  auto audit = As("viewer", "GET", "/api/v1/audit?target_kind=enrollment_token");
  const json::value detail = audit.Json().at("items").at(0).at("detail");
  EXPECT_EQ(detail.at("max_uses"), 100000);
  EXPECT_EQ(detail.at("labels"), (json::value{{"role", "db"}}));
  EXPECT_EQ(audit.body.find(secret), std::string::npos);
}

TEST_F(EnrollApi, EnrollRefusesBadProposedLabels) {
  const auto [id, secret] = MakeToken({{"name", "fleet"}, {"max_uses", 5}});
  EXPECT_TRUE(IsError(Enroll(secret, "web-1", {{"Bad Key", "x"}}), 400));
  EXPECT_EQ(Listed(id).at("use_count"), 0);
}

// Only failures take from the address's budget: a fleet behind one address
// enrolls at once, and guessing stays slow.
TEST_F(EnrollApi, RateLimitCountsFailedAttemptsOnly) {
  const auto [id, secret] = MakeToken({{"name", "fleet"}, {"max_uses", 100}});
  for (int i = 0; i < 50; ++i) {
    auto enrolled = Enroll(secret, "node-" + std::to_string(i));
    ASSERT_EQ(enrolled.status, 201u) << "enrollment " << i << ": " << enrolled.body;
  }
  EXPECT_EQ(Listed(id).at("use_count"), 50);
  // Ten failures (the burst): an unknown token, a malformed body.
  for (int i = 0; i < 9; ++i)
    EXPECT_TRUE(IsError(Enroll("rme_guess-" + std::to_string(i), "x"), 401, "token"));
  EXPECT_EQ(Call("POST", "/api/v1/agent/enroll", "{not json").status, 400u);
  // Now even the valid token waits: the address is out of budget.
  auto limited = Enroll(secret, "node-50");
  EXPECT_EQ(limited.status, 429u) << limited.body;
  EXPECT_EQ(limited.ErrorCode(), "rate_limited");
  EXPECT_FALSE(limited.headers["retry-after"].empty());
  EXPECT_EQ(Listed(id).at("use_count"), 50);
}

// Agents racing for the last uses: exactly max_uses win, the rest get 410.
TEST_F(EnrollApi, ConcurrentEnrollsNeverExceedMaxUses) {
  constexpr int kUses = 3;
  constexpr int kAgents = 8;
  const auto [id, secret] = MakeToken({{"name", "race"}, {"max_uses", kUses}});
  std::atomic<int> created{0};
  std::atomic<int> gone{0};
  std::atomic<int> other{0};
  std::vector<std::thread> agents;
  for (int i = 0; i < kAgents; ++i) {
    agents.emplace_back([&, i] {
      const auto reply = Enroll(secret, "racer-" + std::to_string(i));
      if (reply.status == 201u) {
        ++created;
      } else if (reply.status == 410u) {
        ++gone;
      } else {
        ++other;
      }
    });
  }
  for (auto& agent : agents) agent.join();
  EXPECT_EQ(created.load(), kUses);
  EXPECT_EQ(gone.load(), kAgents - kUses);
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(HostCount(), kUses);
  EXPECT_EQ(Listed(id).at("use_count"), kUses);
}

}  // namespace
}  // namespace rmgr::server::api::testing
