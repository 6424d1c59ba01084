#pragma once
// Repository leases: which jobs may run together in one restic repository,
// across every host that writes to it. The rule lives here, pure; the
// Dispatcher applies it inside its write transaction (SQLite serializes
// writers, so two dispatches on two hosts never both win). A lease is not a
// table: it is a job in `dispatched` or `running` (or one the server gave up
// on that its agent still runs), so leases survive a server restart with
// the jobs and are released when a job ends in any state.
//
// What each job kind holds, from restic's own locking (restic 0.14 and 0.18;
// `restic <cmd> -v` prints "create exclusive lock" for the exclusive ones):
//
//   kind       restic lock                   lease      why
//   backup     shared                        shared     adds data
//   restore    shared                        shared     reads packs prune may delete
//   snapshots  shared                        shared     reads the index
//   ls         shared                        shared     reads packs
//   stats      shared (agent: --no-lock)     shared     reads packs prune may delete
//   drill      none (agent: --no-lock)       shared     restores packs prune may delete
//   forget     exclusive (with or without    exclusive  removes snapshots (and packs
//              --prune)                                  with --prune)
//   prune      exclusive                     exclusive  deletes packs
//   check      exclusive (0.14; 0.18 too     exclusive  needs a repository that does
//              unless --no-lock)                         not change under it
//   unlock     none                          exclusive  removes locks: never under a
//                                                        running job's lock
//   init       none                          none       the repository does not exist yet
//
// Readers take a shared lease even where the agent passes --no-lock: a prune
// deleting packs under them would fail them just the same.
//
// The decision for a job that wants to start, first match wins:
//   1. no lease (init)                               → start;
//   2. maintenance (forget, prune, check) outside the repository's
//      maintenance window                            → wait for the window;
//   3. an exclusive holder                           → wait for it;
//   4. exclusive, any holder                         → wait for it;
//   5. shared, an exclusive job queued on a connected host that could
//      start but for the holders (a maintenance job only inside the
//      window) → wait for it (fairness: a stream of backups cannot starve
//      a prune; the backups already running finish);
//   6. backup, max_concurrent_backups (> 0) backups hold leases → wait for
//      a slot;
//   7. otherwise                                     → start.
// Each wait names what it waits for, e.g. "waiting for prune of repository
// nas on host web-1".
// Thread safety: pure functions and value types.

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "common/result.h"
#include "common/util/time_format.h"
#include "server/store/store_types.h"

namespace rmgr::server::scheduling {

//! What a job holds in its repository while it is dispatched or running.
enum class Lease {
  kNone,       ///< Nothing (init).
  kShared,     ///< Alongside other shared leases.
  kExclusive,  ///< Alone.
};

//! "none", "shared", "exclusive".
std::string_view ToString(Lease lease);

//! The lease a job of `kind` takes (the table above).
Lease LeaseOf(store::JobKind kind);

//! forget, prune and check: they start only inside the repository's maintenance window.
bool IsMaintenance(store::JobKind kind);

//! A job in the decision: one that holds a lease, or one that waits.
struct LeaseJob {
  std::string job_id;                             ///< The job.
  store::JobKind kind = store::JobKind::kBackup;  ///< Its kind.
  std::string host_name;                          ///< Its host, as operators know it.
  TimePoint created_at;                           ///< Queue order.
};

//! A repository's maintenance window: `cron` opens it for `minutes`.
struct MaintenanceWindow {
  std::string cron;  ///< Cron expression (UTC unless it names CRON_TZ=); empty: any time.
  int minutes = 0;   ///< How long it stays open after each fire (>= 1 when cron is set).
};

//! Checks a window as the API stores it: empty cron (then minutes 0), or a
//! field cron (not @every: it has no fixed openings) and 1..10080 minutes.
Result<void> ValidateMaintenanceWindow(const MaintenanceWindow& window);

//! Whether `now` is inside the window (always for an empty cron; never
//! for a cron that no longer parses).
bool InsideMaintenanceWindow(const MaintenanceWindow& window, TimePoint now);

//! The repository and what is going on in it.
struct RepositoryState {
  std::string name;                       ///< For the reason text.
  int max_concurrent_backups = 0;         ///< 0: unlimited.
  bool inside_maintenance_window = true;  ///< InsideMaintenanceWindow(now).
  std::span<const LeaseJob> holders;      ///< Jobs holding a lease on it, any host.
  //! Exclusive jobs queued for it on connected hosts, oldest first (maintenance
  //! ones only inside the window; the job deciding may be among them).
  std::span<const LeaseJob> waiting_exclusive;
};

//! Start now, or wait with a reason.
struct LeaseDecision {
  bool start = false;  ///< true: the job may be dispatched now.
  std::string reason;  ///< Why it waits ("waiting for prune of repository r on host h"); empty to start.
  bool operator==(const LeaseDecision&) const = default;
};

//! Whether `job` may start in `repository` now (the rule above).
LeaseDecision DecideLease(const LeaseJob& job, const RepositoryState& repository);

}  // namespace rmgr::server::scheduling
