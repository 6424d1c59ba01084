// The agent's state file: round trip, modes, and the messages a user sees
// when it is missing, too open or damaged.

#include "agent/connection/agent_state.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "common/util/ulid.h"

namespace rmgr::agent {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kToken = "rmh_state-file-5ecret";

AgentState SampleState() {
  return AgentState{"http://127.0.0.1:8080", "01HZX3P0000000000000000H0S", "web-1",
                    schema::Secret(std::string(kToken))};
}

unsigned Mode(const fs::path& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

class AgentStateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "agent-state-test-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    root = pattern;
  }
  void TearDown() override { fs::remove_all(root); }

  // Writes `text` as the state file, 0600.
  void WriteStateFile(const fs::path& dir, const std::string& text) {
    fs::create_directories(dir);
    std::ofstream(dir / "agent.json") << text;
    fs::permissions(dir / "agent.json", fs::perms::owner_read | fs::perms::owner_write);
  }

  fs::path root;
};

TEST_F(AgentStateTest, SaveThenLoadRoundTripsWithPrivateModes) {
  const fs::path dir = root / "var" / "lib" / "agent";
  ASSERT_TRUE(SaveAgentState(dir, SampleState()).ok());

  EXPECT_EQ(Mode(dir), 0700u);
  EXPECT_EQ(Mode(dir / "agent.json"), 0600u);
  EXPECT_FALSE(fs::exists(dir / "agent.json.tmp"));
  auto loaded = LoadAgentState(dir);
  ASSERT_TRUE(loaded.ok()) << loaded.error().Describe();
  EXPECT_EQ(loaded->server_url, "http://127.0.0.1:8080");
  EXPECT_EQ(loaded->host_id, "01HZX3P0000000000000000H0S");
  EXPECT_EQ(loaded->host_name, "web-1");
  EXPECT_EQ(loaded->host_token.Reveal(), kToken);
}

TEST_F(AgentStateTest, SaveReplacesTheFileAndKeepsAnExistingDirectoryMode) {
  ASSERT_TRUE(SaveAgentState(root, SampleState()).ok());
  AgentState second = SampleState();
  second.host_name = "web-2";
  second.host_token = schema::Secret("rmh_rotated");
  ASSERT_TRUE(SaveAgentState(root, second).ok());

  auto loaded = LoadAgentState(root);
  ASSERT_TRUE(loaded.ok()) << loaded.error().Describe();
  EXPECT_EQ(loaded->host_name, "web-2");
  EXPECT_EQ(loaded->host_token.Reveal(), "rmh_rotated");
  EXPECT_EQ(Mode(root), 0700u);  // mkdtemp's mode, untouched
}

TEST_F(AgentStateTest, SaveRefusesAStateTheLoaderWouldRefuse) {
  AgentState state = SampleState();
  state.host_token = schema::Secret();
  auto saved = SaveAgentState(root, state);
  ASSERT_FALSE(saved.ok());
  EXPECT_EQ(saved.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(saved.error().field, "host_token");
  EXPECT_FALSE(fs::exists(root / "agent.json"));
}

TEST_F(AgentStateTest, MissingFileSaysHowToEnroll) {
  auto loaded = LoadAgentState(root / "nowhere");
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(
      loaded.error().message,
      "this agent is not enrolled: run restic-manager-agent enroll --server URL --token T --state-dir " +
          (root / "nowhere").string());
}

TEST_F(AgentStateTest, FileOthersMayReadIsRefused) {
  ASSERT_TRUE(SaveAgentState(root, SampleState()).ok());
  fs::permissions(root / "agent.json", fs::perms::group_read | fs::perms::others_read, fs::perm_options::add);
  auto loaded = LoadAgentState(root);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().code, ErrorCode::kPermissionDenied);
  EXPECT_NE(loaded.error().message.find("(mode 0644): run chmod 600 " + (root / "agent.json").string()),
            std::string::npos)
      << loaded.error().message;
  EXPECT_EQ(loaded.error().message.find(kToken), std::string::npos);
}

TEST_F(AgentStateTest, AnOldFileWithoutInstallIdGetsOneOnceAndKeepsIt) {
  const fs::path dir = root / "agent";
  WriteStateFile(dir, R"({"server_url":"http://127.0.0.1:8080","host_id":"01HZX3P0000000000000000H0S",)"
                      R"("host_name":"web-1","host_token":"rmh_state-file-5ecret"})");
  auto loaded = LoadAgentState(dir);
  ASSERT_TRUE(loaded.ok()) << loaded.error().Describe();
  EXPECT_FALSE(loaded->install_id.has_value()) << "files from before install_id still load";

  ASSERT_TRUE(EnsureInstallId(dir, *loaded).ok());
  ASSERT_TRUE(loaded->install_id.has_value());
  EXPECT_TRUE(IsUlid(*loaded->install_id)) << *loaded->install_id;
  EXPECT_EQ(Mode(dir / "agent.json"), 0600u);

  auto again = LoadAgentState(dir);
  ASSERT_TRUE(again.ok()) << again.error().Describe();
  EXPECT_EQ(again->install_id, loaded->install_id) << "saved";
  ASSERT_TRUE(EnsureInstallId(dir, *again).ok());
  EXPECT_EQ(again->install_id, loaded->install_id) << "made once, never replaced";
  EXPECT_EQ(again->host_token.Reveal(), std::string(kToken));
}

TEST_F(AgentStateTest, AnInstallIdThatIsNotAUlidIsRefused) {
  const fs::path dir = root / "agent";
  WriteStateFile(dir, R"({"server_url":"http://127.0.0.1:8080","host_id":"01HZX3P0000000000000000H0S",)"
                      R"("host_name":"web-1","host_token":"t","install_id":"copy-of-another-host"})");
  auto loaded = LoadAgentState(dir);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().code, ErrorCode::kMalformed);
}

TEST_F(AgentStateTest, MalformedFileIsNamed) {
  WriteStateFile(root, "{\"server_url\": \"http://x\", ");
  auto broken = LoadAgentState(root);
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(broken.error().code, ErrorCode::kMalformed);
  EXPECT_NE(broken.error().message.find((root / "agent.json").string() + " is not a valid agent state file"),
            std::string::npos)
      << broken.error().message;

  WriteStateFile(root, R"({"server_url":"http://x","host_id":"h","host_name":"n"})");
  auto incomplete = LoadAgentState(root);
  ASSERT_FALSE(incomplete.ok());
  EXPECT_EQ(incomplete.error().code, ErrorCode::kMalformed);
  EXPECT_NE(incomplete.error().message.find("host_token"), std::string::npos) << incomplete.error().message;
}

}  // namespace
}  // namespace rmgr::agent
