// rotate-key on a real SQLite store and real key files: every secret opens
// afterwards with the new key alone, and a rotation cut after any of its
// durable steps loses nothing — what a restarted server loads opens every
// secret, and running rotate-key again finishes the job.
#include "server/app/key_rotation.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <map>
#include <string>

#include "common/util/ulid.h"
#include "server/auth/secret_box.h"

namespace rmgr::server {
namespace {

namespace fs = std::filesystem;

std::string ReadBytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

class KeyRotationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("rmgr-rotate-" + std::to_string(::getpid()) + "-" + NewUlid());
    fs::create_directories(dir_);
    auto store = store::OpenSqliteStore(dir_ / "restic-manager.db");
    ASSERT_TRUE(store.ok()) << store.error().Describe();
    store_ = std::move(*store);
    auto box = auth::SecretBox::LoadOrCreate(key());
    ASSERT_TRUE(box.ok()) << box.error().Describe();
    // Three repository passwords, two channel secrets and a TOTP key, as the API seals them.
    for (int i = 0; i < 3; ++i) {
      const std::string password = "repository-password-" + std::to_string(i);
      auto sealed = box->Seal(password);
      store::Repository repository;
      repository.name = "repo" + std::to_string(i);
      repository.url = "/srv/restic/" + repository.name;
      repository.secret_nonce = sealed.nonce;
      repository.secret_ciphertext = sealed.ciphertext;
      auto made = store_->Write([&](store::WriteTx& tx) { return tx.CreateRepository(repository); });
      ASSERT_TRUE(made.ok()) << made.error().Describe();
      plain_[made->id] = password;
    }
    for (int i = 0; i < 2; ++i) {
      const std::string secret = R"({"url":"https://hooks.example/)" + std::to_string(i) + R"("})";
      auto sealed = box->Seal(secret);
      store::NotificationChannel channel;
      channel.name = "channel" + std::to_string(i);
      channel.secret_nonce = sealed.nonce;
      channel.secret_ciphertext = sealed.ciphertext;
      auto made = store_->Write([&](store::WriteTx& tx) { return tx.CreateNotificationChannel(channel); });
      ASSERT_TRUE(made.ok()) << made.error().Describe();
      plain_[made->id] = secret;
    }
    {  // and a user's TOTP key
      const std::string secret = "totp-raw-secret-20b";
      auto sealed = box->Seal(secret);
      auto user = store_->Write([&](store::WriteTx& tx) -> Result<store::UserTotp> {
        auto made =
            tx.CreateUser(store::NewUser{"ops", "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA", "admin"});
        if (!made) return made.error();
        store::UserTotp totp;
        totp.user_id = made->id;
        totp.secret_nonce.assign(sealed.nonce.begin(), sealed.nonce.end());
        totp.secret_ciphertext.assign(sealed.ciphertext.begin(), sealed.ciphertext.end());
        return tx.PutPendingTotp(totp);
      });
      ASSERT_TRUE(user.ok()) << user.error().Describe();
      plain_[user->user_id] = secret;
    }
    old_key_ = ReadBytes(key());
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(dir_);
  }

  fs::path key() const { return dir_ / "server.key"; }
  fs::path with(const char* suffix) const {
    fs::path path = key();
    path += suffix;
    return path;
  }

  // Every secret opens with `box` to the value it was sealed with.
  void ExpectEverySecretOpens(const auth::SecretBox& box, const std::string& when) {
    auto secrets = store_->Read([](store::ReadTx& tx) { return tx.ListSealedSecrets(); });
    ASSERT_TRUE(secrets.ok()) << secrets.error().Describe();
    ASSERT_EQ(secrets->size(), plain_.size()) << when;
    for (const auto& record : *secrets) {
      auto opened = box.Open(auth::SealedSecret{record.nonce, record.ciphertext});
      ASSERT_TRUE(opened.ok()) << when << ": " << record.id << " does not open";
      EXPECT_EQ(*opened, plain_.at(record.id)) << when;
    }
  }

  // What a server started now would load (server_app.cpp: LoadWithRotation).
  void ExpectARestartedServerOpensEverything(const std::string& when) {
    auto box = auth::SecretBox::LoadWithRotation(key());
    ASSERT_TRUE(box.ok()) << box.error().Describe();
    ExpectEverySecretOpens(*box, when);
  }

  void ExpectFinishedUnderANewKey(const std::string& when) {
    EXPECT_FALSE(fs::exists(with(".next"))) << when;
    EXPECT_FALSE(fs::exists(with(".old"))) << when;
    EXPECT_NE(ReadBytes(key()), old_key_) << when;
    EXPECT_EQ(fs::status(key()).permissions() & (fs::perms::group_all | fs::perms::others_all),
              fs::perms::none);
    auto only_new = auth::SecretBox::LoadOrCreate(key());  // no rotation files left: the new key alone
    ASSERT_TRUE(only_new.ok()) << only_new.error().Describe();
    ExpectEverySecretOpens(*only_new, when);
    auto old_box = auth::SecretBox::FromKey([&] {
      std::array<unsigned char, 32> bytes{};
      std::copy(old_key_.begin(), old_key_.end(), bytes.begin());
      return bytes;
    }());
    auto secrets = store_->Read([](store::ReadTx& tx) { return tx.ListSealedSecrets(); });
    ASSERT_TRUE(secrets.ok());
    for (const auto& record : *secrets) {
      EXPECT_FALSE(old_box.Open(auth::SealedSecret{record.nonce, record.ciphertext}).ok())
          << when << ": " << record.id << " still opens with the old key";
    }
  }

  fs::path dir_;
  std::unique_ptr<store::Store> store_;
  std::map<std::string, std::string> plain_;  // row id → the secret's value
  std::string old_key_;
};

TEST_F(KeyRotationTest, EverySecretOpensWithTheNewKeyAloneAfterARotation) {
  auto report = RotateServerKey(dir_, *store_);
  ASSERT_TRUE(report.ok()) << report.error().Describe();
  EXPECT_EQ(report->resealed, plain_.size());
  EXPECT_EQ(report->already_sealed, 0u);
  ExpectFinishedUnderANewKey("after one rotation");
  ExpectARestartedServerOpensEverything("after one rotation");
}

// Cut after each durable step (the first, a middle and the last re-seal
// included): a restarted server opens every secret, and rotate-key run
// again finishes without re-sealing what was already done.
TEST_F(KeyRotationTest, ARotationCutAfterAnyStepLosesNothingAndFinishesWhenRunAgain) {
  struct Cut {
    std::string step;
    int occurrence;  // which time the step is reached
  };
  const std::vector<Cut> cuts = {{"key_written", 1}, {"resealed", 1}, {"resealed", 3},
                                 {"resealed", 5},    {"old_kept", 1}, {"swapped", 1}};
  for (const auto& cut : cuts) {
    const std::string when = "cut after " + cut.step + " #" + std::to_string(cut.occurrence);
    old_key_ = ReadBytes(key());
    int seen = 0;
    auto first = RotateServerKey(dir_, *store_, [&](std::string_view step) {
      return !(step == cut.step && ++seen == cut.occurrence);
    });
    ASSERT_FALSE(first.ok()) << when << ": the checkpoint should have stopped it";
    EXPECT_EQ(first.error().code, ErrorCode::kUnavailable) << when;
    ExpectARestartedServerOpensEverything(when);

    auto second = RotateServerKey(dir_, *store_);
    ASSERT_TRUE(second.ok()) << when << ": " << second.error().Describe();
    const std::size_t done_before = cut.step == "resealed"      ? static_cast<std::size_t>(cut.occurrence)
                                    : cut.step == "key_written" ? 0u
                                                                : plain_.size();
    if (cut.step != "swapped") {
      EXPECT_EQ(second->already_sealed, done_before) << when;
      EXPECT_EQ(second->resealed, plain_.size() - done_before) << when;
      ExpectFinishedUnderANewKey(when);
    } else {
      // The swap had happened: the rerun rotated once more, from the new key.
      EXPECT_EQ(second->resealed, plain_.size()) << when;
      EXPECT_FALSE(fs::exists(with(".old"))) << when;
    }
    ExpectARestartedServerOpensEverything(when + ", then finished");
  }
}

TEST_F(KeyRotationTest, ASecretThatOpensWithNoKeyStopsTheRotationBeforeTheSwap) {
  auto foreign = auth::SecretBox::FromKey(std::array<unsigned char, 32>{7});
  auto sealed = foreign.Seal("not ours");
  store::Repository repository;
  repository.name = "foreign";
  repository.url = "/srv/restic/foreign";
  repository.secret_nonce = sealed.nonce;
  repository.secret_ciphertext = sealed.ciphertext;
  ASSERT_TRUE(store_->Write([&](store::WriteTx& tx) { return tx.CreateRepository(repository); }).ok());
  auto report = RotateServerKey(dir_, *store_);
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.error().message.find("opens with none of the server's keys"), std::string::npos)
      << report.error().message;
  EXPECT_EQ(ReadBytes(key()), old_key_) << "server.key is not swapped";
}

}  // namespace
}  // namespace rmgr::server
