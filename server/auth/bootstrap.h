#pragma once
// First-start bootstrap of operator accounts: when the store has no user at
// all, create the admin `admin` with a password taken from, in order,
//   1. the RESTIC_MANAGER_ADMIN_PASSWORD environment variable (if non-empty),
//   2. the file given with --admin-password-file (one trailing newline dropped),
//   3. a freshly generated random password, returned to the caller to print
//      once on stdout (never logged).
// With any user present nothing is read and nothing changes. The creation is
// audited (actor "system", action user.create) in the same transaction.
//
// Thread safety: a free function; safe to call while the store is shared,
// and two servers bootstrapping one store at once create one admin.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "common/schema/secret.h"
#include "server/store/store.h"

namespace rmgr::server::auth {

//! Environment variable holding the first admin's password.
inline constexpr std::string_view kAdminPasswordEnv = "RESTIC_MANAGER_ADMIN_PASSWORD";

//! Where the first admin's password may come from.
struct AdminPasswordSources {
  std::optional<schema::Secret> env_password;  ///< Value of kAdminPasswordEnv, when set and non-empty.
  std::optional<std::filesystem::path> password_file;  ///< --admin-password-file, when given.
};

//! What the bootstrap did.
struct BootstrapOutcome {
  bool created = false;                              ///< false: users existed; nothing changed.
  std::string source;                                ///< "environment", "file" or "generated" when created.
  std::optional<schema::Secret> generated_password;  ///< Only when generated: show it once, never log it.
};

//! The sources as this process sees them: the environment variable and `password_file`.
AdminPasswordSources AdminPasswordSourcesFromEnvironment(std::optional<std::filesystem::path> password_file);

//! Creates the first admin when there are no users (see the file comment).
//! kInvalidArgument when the chosen password is too short or too long or the
//! file cannot be read (the message names the source, never the password).
Result<BootstrapOutcome> EnsureInitialAdmin(store::Store& store, const AdminPasswordSources& sources);

}  // namespace rmgr::server::auth
