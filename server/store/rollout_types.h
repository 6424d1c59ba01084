#pragma once
// Rollouts of agent releases (migration 0014): the records and the store
// calls that read and write them. ReadTx and WriteTx (store.h) inherit these
// interfaces, so callers use them like every other store call.
// Thread safety: plain value types; the interfaces as ReadTx / WriteTx.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/util/time_format.h"

namespace rmgr::store {

//! Where a rollout is.
enum class RolloutState {
  kRunning,    ///< "running": waves go on.
  kSucceeded,  ///< "succeeded": every host runs the version.
  kFailed,     ///< "failed": a host failed; later waves untouched.
  kCancelled,  ///< "cancelled": an admin stopped it; later waves untouched.
};

//! Where one host of a rollout is.
enum class RolloutHostState {
  kPending,      ///< "pending": its wave has not started.
  kUpdating,     ///< "updating": agent.update sent; waiting for it to reconnect on the version.
  kDone,         ///< "done": reconnected reporting the version.
  kFailed,       ///< "failed": refused, timed out or otherwise failed (error says why).
  kRolledBack,   ///< "rolled_back": the agent runs its previous version again (the new one did not come
                 ///< up, or the server rolled back the wave of a failed rollout).
  kSkipped,      ///< "skipped": the rollout stopped before its wave.
  kRollingBack,  ///< "rolling_back": done, but its wave failed: agent.rollback sent (deadline set) or due
                 ///< at its next hello (no deadline). Migration 0017.
};

std::string_view ToString(RolloutState state);
std::string_view ToString(RolloutHostState state);
//! Parses a stored name; nullopt for an unknown one.
std::optional<RolloutState> ParseRolloutState(std::string_view text);
std::optional<RolloutHostState> ParseRolloutHostState(std::string_view text);

//! One host of a rollout.
struct RolloutHost {
  std::string host_id;                                  ///< Host ULID.
  std::string host_name;                                ///< Its display name (joined at read time).
  int64_t position = 0;                                 ///< Order in the rollout, from 0.
  int64_t wave = 0;                                     ///< position / wave_size.
  RolloutHostState state = RolloutHostState::kPending;  ///< Where it is.
  std::string from_version;                             ///< agent_version when its update was sent.
  std::string error;                                    ///< Why it failed or rolled back.
  std::optional<TimePoint> deadline_at;                 ///< While updating: fail it if not back by then.
  TimePoint updated_at;                                 ///< Last change.
};

//! A rollout with its hosts (by position).
struct Rollout {
  std::string id;                               ///< ULID.
  std::string version;                          ///< Release version installed.
  std::string bundle_path;                      ///< URL path agents download the bundle from.
  int64_t bundle_size = 0;                      ///< Bundle bytes.
  std::string bundle_sha256;                    ///< Bundle SHA-256 (hex).
  std::string signature;                        ///< Ed25519 signature (hex).
  int64_t wave_size = 1;                        ///< Hosts updated at once.
  std::string selector;                         ///< Label selector the hosts came from ("" = explicit ids).
  RolloutState state = RolloutState::kRunning;  ///< Where it is.
  std::string error;                            ///< Why it failed or was cancelled.
  std::string created_by;                       ///< User id of the admin who started it.
  TimePoint created_at;                         ///< Set by the store.
  std::optional<TimePoint> finished_at;         ///< When it left running.
  std::vector<RolloutHost> hosts;               ///< Every host, by position.
};

//! What starting a rollout needs; hosts are updated in this order.
struct NewRollout {
  std::string version;
  std::string bundle_path;
  int64_t bundle_size = 0;
  std::string bundle_sha256;
  std::string signature;
  int64_t wave_size = 1;
  std::string selector;
  std::string created_by;
  std::vector<std::string> host_ids;  ///< At least one, no repeats.
};

//! Rollout reads (part of ReadTx).
class RolloutReads {
 public:
  virtual ~RolloutReads() = default;
  //! The rollout with its hosts; kNotFound.
  virtual Result<Rollout> GetRollout(std::string_view id) = 0;
  //! The newest `limit` rollouts (1..200), newest first, with their hosts.
  virtual Result<std::vector<Rollout>> ListRollouts(int limit) = 0;
  //! Ids of rollouts with work left (running, or a host still updating or rolling back), oldest first.
  virtual Result<std::vector<std::string>> ListRunningRollouts() = 0;
};

//! Rollout writes (part of WriteTx).
class RolloutWrites {
 public:
  virtual ~RolloutWrites() = default;
  //! Creates a running rollout with every host pending; kInvalidArgument without hosts.
  virtual Result<Rollout> CreateRollout(const NewRollout& rollout) = 0;
  //! Sets the rollout's state and error (finished_at when it leaves running); kNotFound.
  virtual Result<void> SetRolloutState(std::string_view id, RolloutState state, std::string_view error) = 0;
  //! Sets one host's state, error and deadline (from_version when given); kNotFound.
  virtual Result<void> SetRolloutHostState(std::string_view rollout_id, std::string_view host_id,
                                           RolloutHostState state, std::string_view error,
                                           std::optional<TimePoint> deadline_at,
                                           std::optional<std::string> from_version = std::nullopt) = 0;
};

}  // namespace rmgr::store
