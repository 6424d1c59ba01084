#include "server/auth/bootstrap.h"

#include <boost/json.hpp>
#include <cstdlib>
#include <fstream>

#include "server/auth/account_rules.h"
#include "server/auth/credentials.h"

namespace rmgr::server::auth {
namespace {

// Reads at most a little more than the longest password, so a wrong path
// (a huge file) fails the length check instead of filling memory.
Result<schema::Secret> ReadPasswordFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return MakeError(ErrorCode::kInvalidArgument, "cannot read admin password file " + path.string(),
                     "admin_password_file");
  }
  std::string text(kMaxPasswordBytes + 3, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (!text.empty() && text.back() == '\n') text.pop_back();
  if (!text.empty() && text.back() == '\r') text.pop_back();
  return schema::Secret(std::move(text));
}

struct Chosen {
  schema::Secret password;
  std::string source;
};

Result<Chosen> ChoosePassword(const AdminPasswordSources& sources) {
  if (sources.env_password && !sources.env_password->empty()) {
    if (auto ok = CheckPasswordLength(sources.env_password->Reveal(), kAdminPasswordEnv); !ok)
      return ok.error();
    return Chosen{*sources.env_password, "environment"};
  }
  if (sources.password_file) {
    auto read = ReadPasswordFile(*sources.password_file);
    if (!read) return read.error();
    if (auto ok = CheckPasswordLength(read->Reveal(), "admin_password_file"); !ok) {
      return MakeError(ok.error().code,
                       "admin password file " + sources.password_file->string() + ": " + ok.error().message,
                       "admin_password_file");
    }
    return Chosen{std::move(*read), "file"};
  }
  return Chosen{schema::Secret(NewToken("")), "generated"};
}

}  // namespace

AdminPasswordSources AdminPasswordSourcesFromEnvironment(std::optional<std::filesystem::path> password_file) {
  AdminPasswordSources sources;
  const std::string name(kAdminPasswordEnv);
  if (const char* value = std::getenv(name.c_str()); value != nullptr && *value != '\0') {
    sources.env_password = schema::Secret(value);
  }
  sources.password_file = std::move(password_file);
  return sources;
}

Result<BootstrapOutcome> EnsureInitialAdmin(store::Store& store, const AdminPasswordSources& sources) {
  auto users = store.Read([](store::ReadTx& tx) { return tx.CountUsers(); });
  if (!users) return users.error();
  if (*users > 0) return BootstrapOutcome{};

  auto chosen = ChoosePassword(sources);
  if (!chosen) return chosen.error();
  auto hash = HashPassword(chosen->password.Reveal());
  if (!hash) return hash.error();

  auto created = store.Write([&](store::WriteTx& tx) -> Result<bool> {
    // Re-checked inside the transaction: another server may have won the race.
    auto count = tx.CountUsers();
    if (!count) return count.error();
    if (*count > 0) return false;
    auto user = tx.CreateUser(store::NewUser{std::string(kInitialAdminUsername), *hash, "admin"});
    if (!user) return user.error();
    store::AuditEntry entry;
    entry.actor_kind = store::ActorKind::kSystem;
    entry.action = "user.create";
    entry.target_kind = "user";
    entry.target_id = user->id;
    entry.detail_json = boost::json::serialize(boost::json::object{{"target_username", user->username},
                                                                   {"role", user->role},
                                                                   {"bootstrap", true},
                                                                   {"password_source", chosen->source}});
    if (auto logged = tx.AppendAudit(entry); !logged) return logged.error();
    return true;
  });
  if (!created) return created.error();
  if (!*created) return BootstrapOutcome{};
  BootstrapOutcome outcome;
  outcome.created = true;
  outcome.source = chosen->source;
  if (chosen->source == "generated") outcome.generated_password = std::move(chosen->password);
  return outcome;
}

}  // namespace rmgr::server::auth
