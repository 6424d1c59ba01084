#pragma once
// Request-body rules shared by the resource handlers: text shapes, the path
// rule (the "path traversal" check), and the retention policy and job
// options that schedules and run-now jobs both carry. The retention policy
// is the wire protocol's own Retention (read with its rules); the JSON the
// option specs are stored as (Schedule::options_json, Job::args_json) is
// exactly the shape of the protocol's JobOptions, so the dispatcher reads
// both into command.run unchanged. Limits come from
// common/protocol/limits.h so the API never accepts what the wire rejects.
// Thread safety: constants, value types and pure functions.

#include <boost/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/labels/labels.h"
#include "common/protocol/limits.h"
#include "common/protocol/retention_schema.h"
#include "common/result.h"
#include "common/schema/document.h"
#include "common/schema/field_codec.h"
#include "common/schema/text_shapes.h"
#include "server/store/store_types.h"

namespace rmgr::server::api {

// ---------------------------------------------------------------- shapes
// Each sees non-empty text only (the codec checks emptiness itself).

//! No NUL byte (hook commands may span lines).
bool HasNoNul(std::string_view text);
using schema::IsDataSubset;
using schema::IsLowerHex;
using schema::IsResticDuration;
using schema::IsSingleLine;
using schema::IsTag;
//! A store id (ULID).
bool IsId(std::string_view text);
//! "always_on" or "intermittent".
bool IsHostMode(std::string_view text);
//! A kind a schedule may have: backup, forget, prune, check.
bool IsScheduleKind(std::string_view text);
//! Any job kind (store::JobKind name).
bool IsJobKind(std::string_view text);
//! The job kind `text` names; kInvalidArgument naming `field` for none (a
//! second guard: bodies check the name with IsJobKind or IsScheduleKind).
Result<store::JobKind> JobKindOf(std::string_view text, std::string_view field);

namespace lim = ::rmgr::protocol::limits;

//! A display name: 1..255 bytes, one line.
inline constexpr schema::Text kNameRule{
    .min = 1, .max = lim::kMaxNameBytes, .shape = &IsSingleLine, .shape_name = "a single line of text"};
//! A host mode: always_on or intermittent.
inline constexpr schema::Text kHostModeRule{
    .min = 1, .max = 16, .shape = &IsHostMode, .shape_name = "always_on or intermittent"};
//! An id a body refers to.
inline constexpr schema::Text kIdRule{.min = 1, .max = 26, .shape = &IsId, .shape_name = "an id (ULID)"};
//! A path or exclude pattern (the path rule is applied on top, see CheckPaths).
inline constexpr schema::Text kPathRule{.min = 1, .max = lim::kMaxPathBytes};
//! A tag.
inline constexpr schema::Text kTagRule{
    .min = 1, .max = lim::kMaxNameBytes, .shape = &IsTag, .shape_name = "a tag without commas"};
//! Labels as a JSON object of key to value (common/labels/labels.h).
inline constexpr schema::Map kLabelsRule{
    labels::kMaxLabels,
    schema::Text{.min = 1,
                 .max = labels::kMaxPartBytes,
                 .shape = &labels::IsKey,
                 .shape_name = "a label key (a-z 0-9 . _ / -, starting with a letter or digit)"},
    schema::Text{.min = 1,
                 .max = labels::kMaxPartBytes,
                 .shape = &labels::IsValue,
                 .shape_name = "a label value (A-Z a-z 0-9 . _ -)"}};
//! Up to kMaxTags tags.
inline constexpr schema::List kTagsRule{lim::kMaxTags, kTagRule};
//! Up to kMaxPaths paths.
inline constexpr schema::List kPathsRule{lim::kMaxPaths, kPathRule};
//! A hook command; empty clears the hook.
inline constexpr schema::Text kHookRule{
    .min = 0, .max = lim::kMaxCommandBytes, .shape = &HasNoNul, .shape_name = "a command without NUL bytes"};

//! The path rule: every entry absolute (when `absolute`), with no `..`
//! segment and no NUL, CR or LF. Errors name the entry ("paths[3]").
Result<void> CheckPaths(const std::vector<std::string>& paths, std::string_view field, bool absolute);

// ---------------------------------------------------------------- specs

//! Options of a backup (wire protocol BackupOptions).
struct BackupOptionsSpec {
  std::optional<std::vector<std::string>> extra_tags;  ///< Tags added to the group's.
  std::optional<std::string> host;                     ///< --host override.
};

//! Options of a check.
struct CheckOptionsSpec {
  std::optional<std::string> read_data_subset;  ///< --read-data-subset.
};

//! Options of a restore (required for kind restore).
struct RestoreOptionsSpec {
  std::string snapshot_id;                                ///< Snapshot to restore.
  std::optional<std::vector<std::string>> include_paths;  ///< --include paths; absent: everything.
  std::string target;                                     ///< Absolute target directory.
};

//! Options of a drill (wire protocol DrillOptions); absent members take their defaults.
struct DrillOptionsSpec {
  std::optional<uint32_t> sample_files;  ///< Files sampled, 1..1000 (default 20).
  std::optional<uint64_t> max_bytes;     ///< Bytes restored at most, 1 B..1 TiB (default 256 MiB).
};

//! Kind-specific options (wire protocol JobOptions): only the kind's own may be set.
struct JobOptionsSpec {
  std::optional<BackupOptionsSpec> backup;    ///< For backup.
  std::optional<CheckOptionsSpec> check;      ///< For check.
  std::optional<RestoreOptionsSpec> restore;  ///< For restore.
  std::optional<DrillOptionsSpec> drill;      ///< For drill.
};

template <class F>
void Fields(F& f, schema::Is<BackupOptionsSpec> auto& s) {
  f("extra_tags", s.extra_tags, kTagsRule);
  f("host", s.host, kNameRule);
}

template <class F>
void Fields(F& f, schema::Is<CheckOptionsSpec> auto& s) {
  f("read_data_subset", s.read_data_subset,
    schema::Text{.min = 1, .max = 32, .shape = &IsDataSubset, .shape_name = "n/t, p% or a size"});
}

template <class F>
void Fields(F& f, schema::Is<RestoreOptionsSpec> auto& s) {
  f("snapshot_id", s.snapshot_id,
    schema::Text{.min = 8, .max = 64, .shape = &IsLowerHex, .shape_name = "lower-case hex"});
  f("include_paths", s.include_paths, kPathsRule);
  f("target", s.target, kPathRule);
}

template <class F>
void Fields(F& f, schema::Is<DrillOptionsSpec> auto& s) {
  f("sample_files", s.sample_files, schema::Int{.min = 1, .max = 1000});
  f("max_bytes", s.max_bytes, schema::Int{.min = 1, .max = std::int64_t{1} << 40});
}

template <class F>
void Fields(F& f, schema::Is<JobOptionsSpec> auto& s) {
  f("backup", s.backup);
  f("check", s.check);
  f("restore", s.restore);
  f("drill", s.drill);
}

//! What a job carries for the dispatcher (Job::args_json): its retention
//! policy and options, copied from the schedule or given to POST /jobs.
struct JobArgsSpec {
  std::optional<protocol::Retention> retention;  ///< For forget.
  std::optional<JobOptionsSpec> options;   ///< Kind-specific options.
};

template <class F>
void Fields(F& f, schema::Is<JobArgsSpec> auto& s) {
  f("retention", s.retention);
  f("options", s.options);
}

//! Fills the lists the wire protocol requires (extra_tags, include_paths)
//! and a drill's sample bounds with their defaults, so the stored JSON decodes as the protocol's JobOptions.
void Normalize(JobOptionsSpec& options);

//! The JSON object of a spec, as stored and answered.
template <class T>
std::string SpecJson(const T& spec) {
  return boost::json::serialize(schema::WriteObject(spec));
}

//! Reads a stored spec back (for merging a PATCH); an empty text is the empty spec.
template <class T>
Result<T> SpecFromJson(std::string_view stored) {
  if (stored.empty()) return T{};
  return schema::DecodeObject<T>(stored);
}

//! Kind rules shared by schedules and run-now jobs: `retention` only for
//! forget (and then with a keep rule), options only of the job's own kind,
//! restore paths absolute. Errors name the field ("options.check", "retention").
Result<void> CheckKindSpecs(store::JobKind kind, const std::optional<protocol::Retention>& retention,
                            const JobOptionsSpec& options);

}  // namespace rmgr::server::api
