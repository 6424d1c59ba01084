#include "server/app/tls_setup.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>
#include <vector>

#include "common/tls/self_signed.h"
#include "common/util/log.h"
#include "server/app/server_config.h"
#include "server/app/tls_mode.h"

namespace rmgr::server {

namespace {
// The names a self-signed certificate covers: what agents may dial.
std::vector<std::string> SelfSignedNames(const std::string& listen_host) {
  std::vector<std::string> names;
  if (listen_host != "0.0.0.0" && listen_host != "::" && !listen_host.empty()) names.push_back(listen_host);
  char hostname[256] = {};
  const auto dns_safe = [](std::string_view name) {
    return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '.';
    });
  };
  // A host name that is not a DNS name (containers use odd ones) is left out rather than fail the start.
  if (::gethostname(hostname, sizeof hostname - 1) == 0 && dns_safe(hostname)) names.emplace_back(hostname);
  for (const char* name : {"localhost", "127.0.0.1", "::1"}) {
    if (std::find(names.begin(), names.end(), name) == names.end()) names.emplace_back(name);
  }
  return names;
}
}  // namespace

Result<std::shared_ptr<http::TlsContext>> SetUpTls(const ServerConfig& config) {
  auto log = Logger("server");
  auto mode = ResolveTlsMode(config);
  if (!mode) return mode.error();
  const std::string host = ListenHost(config.listen);
  http::TlsFiles files;
  switch (*mode) {
    case TlsMode::kPlain:
      if (!IsLoopbackHost(host)) {
        log->warn(
            "serving plain HTTP on {} (--insecure-http): host tokens, passwords and repository secrets cross "
            "the "
            "network in clear unless a TLS proxy is in front",
            config.listen);
      }
      return std::shared_ptr<http::TlsContext>();
    case TlsMode::kOperatorCertificate:
      files = {*config.tls_cert, *config.tls_key, config.tls_next_cert.value_or(std::filesystem::path())};
      break;
    case TlsMode::kSelfSigned: {
      const auto self_signed = tls::SelfSignedFilesIn(config.data_dir);
      auto created = tls::EnsureSelfSigned(self_signed, SelfSignedNames(host));
      if (!created) return created.error();
      if (*created) log->info("created a self-signed certificate in {}", self_signed.cert.string());
      files = {self_signed.cert, self_signed.key, {}};
      break;
    }
  }
  auto context = http::TlsContext::Load(files);
  if (!context) return context.error();
  log->info("serving HTTPS and WSS with certificate {} ({})", (*context)->Fingerprint(), files.cert.string());
  if (const auto next = (*context)->NextFingerprint(); !next.empty()) {
    log->info("next certificate {} announced to agents ({})", next, files.next_cert.string());
  }
  return *context;
}

}  // namespace rmgr::server
