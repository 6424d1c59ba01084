// Store suite: users, sessions and API tokens.
#include "common/util/ulid.h"
#include "server/store/store_test_fixture.h"

namespace rmgr::store::testing {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;

UserUpdate SetRole(std::string role) {
  UserUpdate update;
  update.role = std::move(role);
  return update;
}

UserUpdate SetDisabled(bool disabled) {
  UserUpdate update;
  update.disabled = disabled;
  return update;
}

class UsersTest : public StoreTest {
 protected:
  User MakeUser(const std::string& username, const std::string& role = "operator") {
    return Must(store().Write([&](WriteTx& tx) {
      return tx.CreateUser(NewUser{username, "$argon2id$hash-of-" + username, role});
    }));
  }

  Session MakeSession(const std::string& user_id, const std::string& token_hash, TimePoint expires_at) {
    Session session;
    session.token_hash = token_hash;
    session.user_id = user_id;
    session.csrf_hash = "csrf-" + token_hash;
    session.expires_at = expires_at;
    return Must(store().Write([&](WriteTx& tx) { return tx.CreateSession(session); }));
  }

  ApiToken MakeToken(const std::string& user_id, const std::string& name,
                     std::optional<TimePoint> expires_at = std::nullopt) {
    return Must(store().Write([&](WriteTx& tx) {
      return tx.CreateApiToken(NewApiToken{user_id, name, "hash-" + user_id + "-" + name, expires_at});
    }));
  }

  template <class T>
  ErrorCode ReadError(T&& fn) {
    auto result = store().Read(std::forward<T>(fn));
    return result.ok() ? ErrorCode::kInternal : result.error().code;
  }
};

TEST_P(UsersTest, CreateAssignsIdAndTimeAndReadsBackByIdAndName) {
  const User user = MakeUser("alice", "admin");
  EXPECT_TRUE(IsUlid(user.id)) << user.id;
  EXPECT_EQ(user.username, "alice");
  EXPECT_EQ(user.role, "admin");
  EXPECT_EQ(user.password_hash, "$argon2id$hash-of-alice");
  EXPECT_EQ(user.created_at, Now());
  EXPECT_FALSE(user.disabled_at.has_value());
  EXPECT_EQ(Must(store().Read([&](ReadTx& tx) { return tx.GetUser(user.id); })).username, "alice");
  EXPECT_EQ(Must(store().Read([&](ReadTx& tx) { return tx.GetUserByUsername("alice"); })).id, user.id);
  EXPECT_EQ(Must(store().Read([](ReadTx& tx) { return tx.CountUsers(); })), 1);
}

TEST_P(UsersTest, UnknownUserIsNotFound) {
  MakeUser("alice");
  EXPECT_EQ(ReadError([](ReadTx& tx) { return tx.GetUser("01ARZ3NDEKTSV4RRFFQ69G5FAV"); }),
            ErrorCode::kNotFound);
  EXPECT_EQ(ReadError([](ReadTx& tx) { return tx.GetUserByUsername("Alice"); }), ErrorCode::kNotFound);
  auto update = store().Write([](WriteTx& tx) { return tx.UpdateUser("nope", SetRole("admin")); });
  ASSERT_FALSE(update.ok());
  EXPECT_EQ(update.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store().Write([](WriteTx& tx) { return tx.DeleteUser("nope"); }).error().code,
            ErrorCode::kNotFound);
}

TEST_P(UsersTest, DuplicateUsernameIsConflictNamingTheField) {
  MakeUser("bob");
  auto again = store().Write([](WriteTx& tx) { return tx.CreateUser(NewUser{"bob", "h", "viewer"}); });
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::kConflict);
  EXPECT_EQ(again.error().field, "username");
  EXPECT_EQ(again.error().message.find("users."), std::string::npos) << again.error().message;
}

TEST_P(UsersTest, RejectsEmptyFieldsAndUnknownRoles) {
  EXPECT_EQ(store()
                .Write([](WriteTx& tx) {
                  return tx.CreateUser(NewUser{"", "h", "admin"});
                })
                .error()
                .code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(store()
                .Write([](WriteTx& tx) {
                  return tx.CreateUser(NewUser{"x", "", "admin"});
                })
                .error()
                .code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(store()
                .Write([](WriteTx& tx) {
                  return tx.CreateUser(NewUser{"x", "h", "root"});
                })
                .error()
                .code,
            ErrorCode::kConstraint);
  const User user = MakeUser("carol");
  EXPECT_EQ(
      store().Write([&](WriteTx& tx) { return tx.UpdateUser(user.id, SetRole("superuser")); }).error().code,
      ErrorCode::kConstraint);
  EXPECT_EQ(Must(store().Read([](ReadTx& tx) { return tx.CountUsers(); })), 1);
}

TEST_P(UsersTest, UpdateChangesOnlyTheGivenFields) {
  const User user = MakeUser("dave", "viewer");
  const User promoted = Must(store().Write([&](WriteTx& tx) {
    return tx.UpdateUser(user.id,
                         UserUpdate{.role = "operator", .password_hash = std::nullopt, .disabled = {}});
  }));
  EXPECT_EQ(promoted.role, "operator");
  EXPECT_EQ(promoted.password_hash, user.password_hash);
  const User rehashed = Must(store().Write([&](WriteTx& tx) {
    return tx.UpdateUser(user.id, UserUpdate{.role = {}, .password_hash = "$argon2id$new", .disabled = {}});
  }));
  EXPECT_EQ(rehashed.role, "operator");
  EXPECT_EQ(rehashed.password_hash, "$argon2id$new");
  EXPECT_FALSE(rehashed.disabled_at.has_value());
}

TEST_P(UsersTest, DisableStampsOnceAndEnableClears) {
  const User user = MakeUser("erin");
  const TimePoint first = Now();
  const User disabled =
      Must(store().Write([&](WriteTx& tx) { return tx.UpdateUser(user.id, SetDisabled(true)); }));
  ASSERT_TRUE(disabled.disabled_at.has_value());
  EXPECT_EQ(*disabled.disabled_at, first);
  Advance(minutes(5));
  const User again =
      Must(store().Write([&](WriteTx& tx) { return tx.UpdateUser(user.id, SetDisabled(true)); }));
  EXPECT_EQ(again.disabled_at, disabled.disabled_at);
  const User enabled =
      Must(store().Write([&](WriteTx& tx) { return tx.UpdateUser(user.id, SetDisabled(false)); }));
  EXPECT_FALSE(enabled.disabled_at.has_value());
}

TEST_P(UsersTest, CountsOnlyEnabledAdmins) {
  EXPECT_EQ(Must(store().Read([](ReadTx& tx) { return tx.CountActiveAdmins(); })), 0);
  const User root = MakeUser("root", "admin");
  MakeUser("second", "admin");
  MakeUser("op", "operator");
  EXPECT_EQ(Must(store().Read([](ReadTx& tx) { return tx.CountActiveAdmins(); })), 2);
  Must(store().Write([&](WriteTx& tx) { return tx.UpdateUser(root.id, SetDisabled(true)); }));
  EXPECT_EQ(Must(store().Read([](ReadTx& tx) { return tx.CountActiveAdmins(); })), 1);
  EXPECT_EQ(Must(store().Read([](ReadTx& tx) { return tx.CountUsers(); })), 3);
}

TEST_P(UsersTest, ListPagesByUsernameVisitingEveryUserOnce) {
  const std::vector<std::string> names = {"m", "c", "x", "a", "q", "b", "z"};
  for (const auto& name : names) MakeUser(name);
  std::vector<std::string> seen;
  PageRequest page{.cursor = {}, .limit = 3};
  for (int guard = 0; guard < 10; ++guard) {
    auto got = Must(store().Read([&](ReadTx& tx) { return tx.ListUsers(page); }));
    EXPECT_LE(got.items.size(), 3u);
    for (const auto& user : got.items) seen.push_back(user.username);
    if (got.next_cursor.empty()) break;
    page.cursor = got.next_cursor;
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"a", "b", "c", "m", "q", "x", "z"}));
  EXPECT_EQ(store()
                .Read([](ReadTx& tx) { return tx.ListUsers(PageRequest{.cursor = "junk", .limit = 3}); })
                .error()
                .field,
            "cursor");
}

TEST_P(UsersTest, DeleteUserRemovesTheirSessionsAndTokensButKeepsAudit) {
  const User user = MakeUser("frank");
  const User other = MakeUser("grace");
  MakeSession(user.id, "s1", Now() + hours(1));
  MakeSession(other.id, "s2", Now() + hours(1));
  const ApiToken token = MakeToken(user.id, "cli");
  MustOk(store().Write([&](WriteTx& tx) -> Result<void> {
    AuditEntry entry;
    entry.action = "user.delete";
    entry.target_kind = "user";
    entry.target_id = user.id;
    if (auto logged = tx.AppendAudit(entry); !logged) return logged.error();
    return tx.DeleteUser(user.id);
  }));
  EXPECT_EQ(ReadError([](ReadTx& tx) { return tx.GetSession("s1"); }), ErrorCode::kNotFound);
  EXPECT_EQ(ReadError([&](ReadTx& tx) { return tx.GetApiToken(token.id); }), ErrorCode::kNotFound);
  EXPECT_TRUE(store().Read([](ReadTx& tx) { return tx.GetSession("s2"); }).ok());
  auto audit = Must(store().Read([](ReadTx& tx) { return tx.ListAudit(AuditFilter{}, PageRequest{}); }));
  ASSERT_EQ(audit.items.size(), 1u);
  EXPECT_EQ(audit.items[0].target_id, user.id);
}

TEST_P(UsersTest, SessionsRoundTripAndNeedAUser) {
  const User user = MakeUser("heidi");
  const TimePoint expires = Now() + hours(12) + milliseconds(1);
  const Session made = MakeSession(user.id, "tok-hash", expires);
  EXPECT_EQ(made.created_at, Now());
  EXPECT_EQ(made.expires_at, expires);
  const Session got = Must(store().Read([](ReadTx& tx) { return tx.GetSession("tok-hash"); }));
  EXPECT_EQ(got.user_id, user.id);
  EXPECT_EQ(got.csrf_hash, "csrf-tok-hash");
  EXPECT_EQ(ReadError([](ReadTx& tx) { return tx.GetSession(""); }), ErrorCode::kNotFound);
  EXPECT_EQ(ReadError([](ReadTx& tx) { return tx.GetSession("other"); }), ErrorCode::kNotFound);

  Session orphan{"t2", "no-such-user", "c2", {}, Now() + hours(1)};
  EXPECT_EQ(store().Write([&](WriteTx& tx) { return tx.CreateSession(orphan); }).error().code,
            ErrorCode::kConstraint);
  Session reused{"tok-hash", user.id, "c3", {}, Now() + hours(1)};
  EXPECT_EQ(store().Write([&](WriteTx& tx) { return tx.CreateSession(reused); }).error().code,
            ErrorCode::kConflict);
  Session blank{"", user.id, "c", {}, Now()};
  EXPECT_EQ(store().Write([&](WriteTx& tx) { return tx.CreateSession(blank); }).error().code,
            ErrorCode::kInvalidArgument);
}

TEST_P(UsersTest, TouchSessionWritesOnlyWhenTheStepIsReached) {
  const User user = MakeUser("ivan");
  const TimePoint expires = Now() + hours(12);
  const Session made = MakeSession(user.id, "s", expires);
  EXPECT_EQ(made.last_used_at, made.created_at);
  // Last used at created_at, which is not before the step's start: nothing written.
  EXPECT_FALSE(Must(store().Write([&](WriteTx& tx) {
    return tx.TouchSession("s", expires + minutes(1), made.created_at + minutes(1), made.created_at);
  })));
  EXPECT_EQ(Must(store().Read([](ReadTx& tx) { return tx.GetSession("s"); })).expires_at, expires);
  EXPECT_TRUE(Must(store().Write([&](WriteTx& tx) {
    return tx.TouchSession("s", expires + minutes(2), made.created_at + minutes(2),
                           made.created_at + minutes(1));
  })));
  const Session touched = Must(store().Read([](ReadTx& tx) { return tx.GetSession("s"); }));
  EXPECT_EQ(touched.expires_at, expires + minutes(2));
  EXPECT_EQ(touched.last_used_at, made.created_at + minutes(2));
  EXPECT_EQ(store()
                .Write([&](WriteTx& tx) { return tx.TouchSession("gone", expires, expires, expires); })
                .error()
                .code,
            ErrorCode::kNotFound);
}

TEST_P(UsersTest, DeletesOneAllButOneAndExpiredSessions) {
  const User user = MakeUser("judy");
  const User other = MakeUser("ken");
  MakeSession(user.id, "a", Now() + hours(1));
  MakeSession(user.id, "b", Now() + hours(1));
  MakeSession(user.id, "c", Now() + hours(1));
  MakeSession(other.id, "d", Now() + minutes(1));
  MakeSession(other.id, "e", Now() + hours(2));

  MustOk(store().Write([](WriteTx& tx) { return tx.DeleteSession("a"); }));
  EXPECT_EQ(store().Write([](WriteTx& tx) { return tx.DeleteSession("a"); }).error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(Must(store().Write([&](WriteTx& tx) { return tx.DeleteUserSessions(user.id, "c"); })), 1);
  EXPECT_TRUE(store().Read([](ReadTx& tx) { return tx.GetSession("c"); }).ok());
  EXPECT_EQ(Must(store().Write([](WriteTx& tx) { return tx.DeleteExpiredSessions(TimePoint{}); })), 0);
  EXPECT_EQ(Must(store().Write([&](WriteTx& tx) { return tx.DeleteExpiredSessions(Now() + minutes(1)); })),
            1);
  EXPECT_EQ(ReadError([](ReadTx& tx) { return tx.GetSession("d"); }), ErrorCode::kNotFound);
  EXPECT_EQ(Must(store().Write([&](WriteTx& tx) { return tx.DeleteUserSessions(other.id, ""); })), 1);
  EXPECT_EQ(Must(store().Write([&](WriteTx& tx) { return tx.DeleteUserSessions(user.id, ""); })), 1);
}

TEST_P(UsersTest, ApiTokensRoundTripByIdAndHash) {
  const User user = MakeUser("leo");
  const ApiToken token = MakeToken(user.id, "laptop", Now() + hours(24));
  EXPECT_TRUE(IsUlid(token.id));
  EXPECT_EQ(token.created_at, Now());
  EXPECT_EQ(token.expires_at, Now() + hours(24));
  EXPECT_FALSE(token.last_used_at.has_value());
  EXPECT_FALSE(token.revoked_at.has_value());
  const ApiToken by_hash =
      Must(store().Read([&](ReadTx& tx) { return tx.GetApiTokenByHash(token.token_hash); }));
  EXPECT_EQ(by_hash.id, token.id);
  EXPECT_EQ(by_hash.name, "laptop");
  EXPECT_EQ(ReadError([](ReadTx& tx) { return tx.GetApiTokenByHash(""); }), ErrorCode::kNotFound);
  EXPECT_EQ(ReadError([](ReadTx& tx) { return tx.GetApiToken("nope"); }), ErrorCode::kNotFound);
  EXPECT_FALSE(MakeToken(user.id, "forever").expires_at.has_value());
}

TEST_P(UsersTest, TokenNamesAreUniquePerUser) {
  const User a = MakeUser("mia");
  const User b = MakeUser("ned");
  MakeToken(a.id, "ci");
  auto again = store().Write([&](WriteTx& tx) {
    return tx.CreateApiToken(NewApiToken{a.id, "ci", "other", {}});
  });
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::kConflict);
  EXPECT_EQ(again.error().field, "name");
  EXPECT_EQ(again.error().message.find("api_tokens"), std::string::npos) << again.error().message;
  MakeToken(b.id, "ci");
  EXPECT_EQ(store()
                .Write([&](WriteTx& tx) {
                  return tx.CreateApiToken(NewApiToken{a.id, "", "h", {}});
                })
                .error()
                .field,
            "name");
  EXPECT_EQ(store()
                .Write([&](WriteTx& tx) {
                  return tx.CreateApiToken(NewApiToken{"ghost", "x", "h", {}});
                })
                .error()
                .code,
            ErrorCode::kConstraint);
}

TEST_P(UsersTest, RevokeKeepsTheFirstStamp) {
  const User user = MakeUser("olga");
  const ApiToken token = MakeToken(user.id, "t");
  const TimePoint first = Now();
  EXPECT_EQ(Must(store().Write([&](WriteTx& tx) { return tx.RevokeApiToken(token.id); })).revoked_at, first);
  Advance(hours(1));
  EXPECT_EQ(Must(store().Write([&](WriteTx& tx) { return tx.RevokeApiToken(token.id); })).revoked_at, first);
  EXPECT_EQ(store().Write([](WriteTx& tx) { return tx.RevokeApiToken("nope"); }).error().code,
            ErrorCode::kNotFound);
}

TEST_P(UsersTest, TouchWritesLastUsedOnlyWhenStale) {
  const User user = MakeUser("pat");
  const ApiToken token = MakeToken(user.id, "t");
  const TimePoint t0 = Now();
  EXPECT_TRUE(
      Must(store().Write([&](WriteTx& tx) { return tx.TouchApiToken(token.id, t0, t0 - minutes(1)); })));
  const TimePoint t1 = t0 + std::chrono::seconds(30);
  EXPECT_FALSE(
      Must(store().Write([&](WriteTx& tx) { return tx.TouchApiToken(token.id, t1, t1 - minutes(1)); })));
  EXPECT_EQ(Must(store().Read([&](ReadTx& tx) { return tx.GetApiToken(token.id); })).last_used_at, t0);
  const TimePoint t2 = t0 + minutes(2);
  EXPECT_TRUE(
      Must(store().Write([&](WriteTx& tx) { return tx.TouchApiToken(token.id, t2, t2 - minutes(1)); })));
  EXPECT_EQ(Must(store().Read([&](ReadTx& tx) { return tx.GetApiToken(token.id); })).last_used_at, t2);
  EXPECT_EQ(store().Write([&](WriteTx& tx) { return tx.TouchApiToken("nope", t2, t2); }).error().code,
            ErrorCode::kNotFound);
}

TEST_P(UsersTest, ListsTokensPerUserOrAllInCreationOrder) {
  const User a = MakeUser("quinn");
  const User b = MakeUser("rose");
  std::vector<std::string> a_ids;
  for (int i = 0; i < 5; ++i) {
    a_ids.push_back(MakeToken(a.id, "a" + std::to_string(i)).id);
    Advance(milliseconds(1));
  }
  MakeToken(b.id, "b0");
  std::vector<std::string> seen;
  PageRequest page{.cursor = {}, .limit = 2};
  ApiTokenFilter mine{.user_id = a.id};
  for (int guard = 0; guard < 10; ++guard) {
    auto got = Must(store().Read([&](ReadTx& tx) { return tx.ListApiTokens(mine, page); }));
    for (const auto& token : got.items) seen.push_back(token.id);
    if (got.next_cursor.empty()) break;
    page.cursor = got.next_cursor;
  }
  EXPECT_EQ(seen, a_ids);
  auto all = Must(store().Read([](ReadTx& tx) { return tx.ListApiTokens(ApiTokenFilter{}, PageRequest{}); }));
  EXPECT_EQ(all.items.size(), 6u);
  EXPECT_TRUE(all.next_cursor.empty());
  auto cursor_for_users =
      Must(store().Read([](ReadTx& tx) { return tx.ListUsers(PageRequest{.cursor = {}, .limit = 1}); }));
  EXPECT_EQ(store()
                .Read([&](ReadTx& tx) {
                  return tx.ListApiTokens(ApiTokenFilter{},
                                          PageRequest{.cursor = cursor_for_users.next_cursor, .limit = 1});
                })
                .error()
                .code,
            ErrorCode::kInvalidArgument);
}

INSTANTIATE_TEST_SUITE_P(store, UsersTest, ::testing::ValuesIn(AllBackends()), BackendName);

}  // namespace
}  // namespace rmgr::store::testing
