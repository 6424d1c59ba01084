// Enrollment at fleet scale with real processes: one reusable token (made
// with the operator CLI) enrolls several real agents, which connect and carry
// the token's labels; once its uses are spent the next agent is refused and
// exits non-zero saying so.
#include <boost/json/parse.hpp>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "tests/loop/loop_fixture.h"

namespace rmgr::testing {
namespace {

namespace json = boost::json;

TEST_F(LoopTest, ReusableTokenEnrollsThreeAgentsWithItsLabelsThenIsExhausted) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  const auto made = Cli({"enroll", "create", "--name", "fleet", "--max-uses", "3", "--label", "role=web",
                         "--label", "site=berlin", "--json"});
  ASSERT_EQ(made.code, 0) << made.out << made.err;
  const json::value created = json::parse(made.out);
  const std::string token = Str(created, "token");
  const std::string token_id = Str(created, "id");
  ASSERT_FALSE(token.empty()) << made.out;
  EXPECT_EQ(Int(created, "max_uses"), 3) << made.out;

  std::vector<LoopAgent*> agents;
  for (int i = 1; i <= 3; ++i) {
    const std::string rack = "rack=r" + std::to_string(i);
    // The agent proposes site=paris; the token's site=berlin wins.
    LoopAgent* agent =
        EnrollAgentWith("fleet-" + std::to_string(i), token, {"--label", rack, "--label", "site=paris"});
    ASSERT_NE(agent, nullptr);
    ASSERT_NO_FATAL_FAILURE(StartAgent(*agent, {}));
    agents.push_back(agent);
  }
  std::vector<std::string> host_ids;
  for (std::size_t i = 0; i < agents.size(); ++i) {
    ASSERT_TRUE(WaitConnected(*agents[i])) << Logs();
    host_ids.push_back(agents[i]->host_id);
    const auto host = api().Get("/hosts/" + agents[i]->host_id);
    ASSERT_EQ(host.status, 200) << host.body;
    EXPECT_EQ(host.json.at("labels"),
              (json::value{{"rack", "r" + std::to_string(i + 1)}, {"role", "web"}, {"site", "berlin"}}))
        << host.body;
  }
  EXPECT_EQ(std::set<std::string>(host_ids.begin(), host_ids.end()).size(), 3u) << "three distinct hosts";

  // A fourth agent is refused with the reason and writes no credentials.
  const auto fourth = AgentEnroll(token, dir_ / "fourth-state");
  EXPECT_NE(fourth.code, 0) << fourth.out << fourth.err;
  EXPECT_NE(fourth.err.find("enrollment token exhausted (3 of 3 uses)"), std::string::npos) << fourth.err;
  EXPECT_FALSE(std::filesystem::exists(dir_ / "fourth-state" / "agent.json"));

  const auto list = Cli({"enroll", "list", "--all", "--json"});
  ASSERT_EQ(list.code, 0) << list.err;
  bool found = false;
  const json::value tokens = json::parse(list.out);
  for (const auto& t : tokens.at("items").as_array()) {
    if (Str(t, "id") != token_id) continue;
    found = true;
    EXPECT_EQ(Str(t, "status"), "exhausted");
    EXPECT_EQ(Int(t, "use_count"), 3);
  }
  EXPECT_TRUE(found) << list.out;
  // Three hosts, no more.
  const auto hosts = api().Get("/hosts");
  ASSERT_EQ(hosts.status, 200) << hosts.body;
  EXPECT_EQ(hosts.json.at("items").as_array().size(), 3u) << hosts.body;
}

}  // namespace
}  // namespace rmgr::testing
