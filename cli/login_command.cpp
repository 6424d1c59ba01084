#include "cli/login_command.h"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <array>
#include <ostream>

#include "cli/cli_app.h"
#include "cli/cli_config.h"

namespace rmgr::cli {
namespace {

std::string DefaultTokenName() {
  std::array<char, 256> name{};
  if (::gethostname(name.data(), name.size() - 1) != 0 || name[0] == '\0') return "cli";
  return "cli@" + std::string(name.data());
}

}  // namespace

LoginCommand::LoginCommand(CLI::App& root) {
  login_ = root.add_subcommand("login",
                               "Sign in to --server, create an API token for this machine and save both to\n"
                               "$XDG_CONFIG_HOME/restic-manager/cli.toml (mode 0600). The password is\n"
                               "prompted for on a terminal, else read from the first line of stdin.");
  login_->add_option("-u,--username", username_, "User name")->capture_default_str();
  login_->add_option("--token-name", token_name_, "Name of the API token to create (default cli@<hostname>)");
  login_->add_flag("--password-stdin", password_stdin_, "Read the password from the first line of stdin");
}

bool LoginCommand::Selected() const {
  return login_->parsed();
}

int LoginCommand::Run(CliIo& io, ApiClientOptions options, const std::filesystem::path& config_path) const {
  if (options.server_url.empty()) {
    io.err << "restic-manager: login needs --server URL (or RESTIC_MANAGER_URL)\n";
    return kExitUsage;
  }
  options.token.clear();  // sign in with the password, not an old token
  options.use_cookies = true;
  auto client = ApiClient::Create(options);
  if (!client) {
    io.err << "restic-manager: " << client.error().OneLine() << '\n';
    return kExitUsage;
  }
  CommandEnv env(io, **client, false);
  ApiClient& api = **client;

  auto password = env.ReadSecret(
      password_stdin_, "Password for " + username_ + " at " + options.server_url + ": ", "password");
  if (!password) return env.Usage(password.error().message);

  auto session = ExpectObject(
      api.Post("/auth/login", boost::json::object{{"username", username_}, {"password", *password}}));
  if (!session) return env.Fail(session.error());
  if (const auto* challenge = session->if_contains("challenge");
      challenge != nullptr && challenge->is_string()) {
    // Two-factor account: the password was right; the session needs a code
    // (with --password-stdin, the next line of stdin).
    auto code = env.ReadSecret(password_stdin_, "Two-factor code (or a recovery code): ", "code");
    if (!code) return env.Usage(code.error().message);
    session = ExpectObject(api.Post(
        "/auth/login/totp", boost::json::object{{"challenge", challenge->as_string()}, {"code", *code}}));
    if (!session) return env.Fail(session.error());
  }
  const auto* csrf = session->if_contains("csrf_token");
  if (csrf == nullptr || !csrf->is_string()) {
    return env.Fail(ApiError{0, "bad_response", "the login answer has no csrf_token", ""});
  }
  api.SetCsrfToken(std::string(csrf->as_string()));

  const std::string token_name = token_name_.empty() ? DefaultTokenName() : token_name_;
  auto created = ExpectObject(api.Post("/tokens", boost::json::object{{"name", token_name}}));
  // The token is all we need; ending the session keeps the server's session list short.
  (void)api.Post("/auth/logout", nullptr);
  if (!created) return env.Fail(created.error());
  const auto* token = created->if_contains("token");
  if (token == nullptr || !token->is_string()) {
    return env.Fail(ApiError{0, "bad_response", "the server's answer has no token", ""});
  }

  if (auto saved = SaveConfigFile(
          config_path, ConfigFile{options.server_url, std::string(token->as_string()), options.fingerprint});
      !saved) {
    io.err << "restic-manager: " << saved.error().message << '\n';
    return kExitFailure;
  }
  io.out << "Logged in to " << options.server_url << " as " << username_ << "; API token \"" << token_name
         << "\" saved in " << config_path.string() << '\n';
  return kExitOk;
}

}  // namespace rmgr::cli
