#pragma once
// The alert engine's rules and their thresholds: defaults that suit an
// operator who changed nothing, an admin's changes stored per kind
// (store::AlertRule, params as a JSON object), and the one validator both
// the API and the engine use. An invalid stored rule (written by an older
// binary, or by hand) runs on its defaults and is logged, never ignored
// silently and never stops the engine.
// Thread safety: values and pure functions.

#include <array>
#include <boost/json/object.hpp>
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "server/store/alert_types.h"

namespace rmgr::server::alerts {

//! One rule's settings. Fields a kind does not use keep their defaults.
struct RuleSettings {
  bool enabled = true;  ///< false: raises nothing; its alerts resolve.
  store::AlertSeverity severity = store::AlertSeverity::kWarning;  ///< How loud its alerts are.
  std::chrono::minutes renotify{720};         ///< Remind while firing this often; 0: never.
  double grace_factor = 1.5;                  ///< host_unprotected: grace in schedule intervals.
  std::chrono::hours intermittent_grace{72};  ///< host_unprotected: least grace for intermittent hosts.
  std::chrono::minutes after{30};             ///< offline / locked / drift: how long before it fires.
  bool always_on_only = true;                 ///< host_offline: intermittent hosts never fire.
  std::string min_agent_version;              ///< agent_outdated: "" = not checked.
  std::string min_restic_version;             ///< agent_outdated: "" = not checked.
};

//! The settings of every rule.
class RuleSet {
 public:
  //! Every rule on its defaults.
  RuleSet();
  //! The defaults with the stored rules applied; an invalid stored rule
  //! keeps its defaults and its problem is returned in `problems`.
  static RuleSet FromStored(const std::vector<store::AlertRule>& rules, std::vector<std::string>* problems);
  //! The defaults of one kind.
  static RuleSettings DefaultsOf(store::AlertKind kind);

  //! One kind's settings.
  const RuleSettings& Of(store::AlertKind kind) const { return rules_.at(static_cast<size_t>(kind)); }
  //! Replaces one kind's settings.
  void Set(store::AlertKind kind, RuleSettings settings) {
    rules_.at(static_cast<size_t>(kind)) = std::move(settings);
  }

 private:
  std::array<RuleSettings, 9> rules_;
};

//! Reads an admin's params (a JSON object) over the kind's defaults: only
//! the keys the kind knows, each with its type and range; anything else is
//! kInvalidArgument naming the key.
Result<RuleSettings> ParseRuleParams(store::AlertKind kind, bool enabled, std::string_view params_json);

//! The kind's settings as the params object the API shows (every key the kind knows).
boost::json::object RuleParamsJson(store::AlertKind kind, const RuleSettings& settings);

//! Compares dotted versions numerically ("0.9.1" < "0.14.0"); text after
//! the numbers ("-dev", " compiled with…") is ignored. nullopt when either
//! has no leading number.
std::optional<int> CompareVersions(std::string_view a, std::string_view b);

}  // namespace rmgr::server::alerts
