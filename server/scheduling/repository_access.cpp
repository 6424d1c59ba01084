#include "server/scheduling/repository_access.h"

#include "server/auth/secret_box.h"

namespace rmgr::server::scheduling {

Result<void> CheckHostUsesRepository(store::ReadTx& tx, const std::string& host_id,
                                     const std::string& repository_id) {
  auto repository = tx.GetRepository(repository_id);
  if (!repository) return repository.error();
  auto uses = tx.HostUsesRepository(host_id, repository_id);
  if (!uses) return uses.error();
  if (*uses) return Ok();
  auto host = tx.GetHost(host_id);
  const std::string host_name = host ? host->name : host_id;
  return MakeError(
      ErrorCode::kPermissionDenied,
      "host \"" + host_name + "\" does not use repository \"" + repository->name +
          "\" (no schedule, job or snapshot of it is on the repository), so its agent is not given "
          "the repository's password",
      "repository_id");
}

Result<protocol::Repository> OpenRepositoryFor(store::ReadTx& tx, const std::string& host_id,
                                               const std::string& repository_id,
                                               const auth::SecretBox& secrets) {
  if (auto allowed = CheckHostUsesRepository(tx, host_id, repository_id); !allowed) return allowed.error();
  auto repository = tx.GetRepository(repository_id);
  if (!repository) return repository.error();
  auto password = secrets.Open(auth::SealedSecret{repository->secret_nonce, repository->secret_ciphertext});
  if (!password) {
    return MakeError(ErrorCode::kInternal, "the repository password does not open with this server's key");
  }
  protocol::Repository out;
  out.id = repository->id;
  out.url = repository->url;
  out.password = protocol::Secret(std::move(*password));
  return out;
}

}  // namespace rmgr::server::scheduling
