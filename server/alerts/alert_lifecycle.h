#pragma once
// AlertLifecycle: turns the conditions the rules found into alerts, inside
// one write transaction, and carries out operators' decisions on them.
//
//   (none) ──condition──▶ firing ──ack──▶ acknowledged
//                          │  ▲  ╲silence         │ silence
//                          │  │   ▼               ▼
//                          │  └── silenced ◀──────┘   (until: back to where it was)
//                          ▼
//   any unresolved ──condition gone──▶ resolved (terminal; a recurrence is a new alert)
//
// De-duplication: one unresolved alert per (kind, subject key) — a
// condition that holds again only updates its reason. Notices (through
// AlertNoticeSink, in the same transaction): on firing, as a reminder every
// rule's renotify interval while firing, and on resolving when something
// was sent before. Every state change and every notice decision is audited
// in the same transaction; the caller publishes the changed alerts after
// the commit.
//
// Thread safety: functions over the given tx; call inside a Store::Write.

#include <optional>
#include <string>
#include <vector>

#include "server/alerts/alert_conditions.h"
#include "server/alerts/alert_notice.h"
#include "server/alerts/alert_rules.h"
#include "server/store/store.h"

namespace rmgr::server::alerts {

//! What one reconcile or tick changed.
struct LifecycleResult {
  std::vector<store::Alert> changed;  ///< Alerts as committed (publish after the commit).
  int fired = 0;                      ///< New alerts.
  int resolved = 0;                   ///< Alerts resolved.
  int reminded = 0;                   ///< Reminders queued.
};

//! Makes the unresolved alerts in `scope` match `desired`: a desired
//! condition with no alert in scope fires one; one with an alert updates it;
//! an alert in scope with no condition resolves. `scope` must hold every
//! unresolved alert the evaluation was authoritative for (and only those).
Result<LifecycleResult> Reconcile(store::WriteTx& tx, AlertNoticeSink* sink,
                                  const std::vector<Condition>& desired,
                                  const std::vector<store::Alert>& scope, TimePoint now);

//! Time passing for unresolved alerts: a silence that ended goes back to
//! firing (or acknowledged); a firing alert whose rule's renotify interval
//! passed since its last notice is told again.
Result<LifecycleResult> Tick(store::WriteTx& tx, AlertNoticeSink* sink, const std::vector<store::Alert>& open,
                             const RuleSet& rules, TimePoint now);

//! Who decided, for the audit log.
struct Actor {
  store::ActorKind kind = store::ActorKind::kUser;  ///< user or api.
  std::string id;                                   ///< User or token id.
  std::string source_addr;                          ///< Client address.
};

//! An operator takes an alert: no more reminders. kConflict once resolved;
//! acknowledging an acknowledged alert changes nothing.
Result<store::Alert> Acknowledge(store::WriteTx& tx, std::string_view alert_id, const Actor& actor,
                                 TimePoint now);

//! An operator silences an alert until `until` (after now, at most 90
//! days on): no notices until then. kConflict once resolved.
Result<store::Alert> Silence(store::WriteTx& tx, std::string_view alert_id, TimePoint until,
                             const Actor& actor, TimePoint now);

//! Ends a silence early (back to firing, or acknowledged when it was).
//! kConflict when the alert is not silenced.
Result<store::Alert> Unsilence(store::WriteTx& tx, std::string_view alert_id, const Actor& actor,
                               TimePoint now);

}  // namespace rmgr::server::alerts
