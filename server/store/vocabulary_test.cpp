// The job vocabulary is defined once (common/protocol/enums.h). Every other
// place that spells it — the SQL CHECK lists of the migrations, the enums of
// openapi.json and the unions of web/src/api/types.ts — is read here from
// the source tree and compared with the enums, so a value added in one place
// and forgotten in another fails this test.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "common/protocol/enums.h"
#include "server/store/alert_types.h"
#include "server/store/notification_types.h"
#include "server/store/store_types.h"

namespace rmgr::store {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using Names = std::set<std::string>;

const fs::path kSourceDir{RMGR_SOURCE_DIR};

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The names of E's values that `keep` admits, spelled by `spell` (the
// store's or the API's spelling of a value; its protocol name by default).
template <class E>
Names NamesOf(
    const std::function<bool(E)>& keep = [](E) { return true; },
    const std::function<std::string(E)>& spell = [](E value) { return std::string(ToString(value)); }) {
  Names out;
  for (const E value : protocol::AllValues<E>()) {
    if (keep(value)) out.insert(spell(value));
  }
  return out;
}

// The quoted items from the '(' at `open` to its ')'.
Names QuotedItems(std::string_view text, std::size_t open, char quote) {
  Names out;
  const std::size_t close = text.find(')', open);
  for (std::size_t at = text.find(quote, open); at < close; at = text.find(quote, at + 1)) {
    const std::size_t end = text.find(quote, at + 1);
    out.insert(std::string(text.substr(at + 1, end - at - 1)));
    at = end;
  }
  return out;
}

// ------------------------------------------------------------------ SQL --

// Every migration, in order: the schema as it stands after the last.
std::string AllMigrations() {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(kSourceDir / "server/store/migrations")) {
    if (entry.path().extension() == ".sql") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  std::string sql;
  for (const auto& file : files) sql += ReadFile(file) + "\n";
  return sql;
}

// Where the last `statement` starts. A table rebuilt by a later migration is
// created as "<table>_NNNN" and renamed (0010_stats_and_drills.sql), so for
// "CREATE TABLE t (" the last "CREATE TABLE t_NNNN (" counts too.
std::size_t LastStatement(const std::string& sql, std::string_view statement) {
  std::size_t best = sql.rfind(statement);
  if (!statement.ends_with(" (")) return best;
  const std::string head = std::string(statement.substr(0, statement.size() - 2)) + "_";
  for (std::size_t at = sql.find(head); at != std::string::npos; at = sql.find(head, at + 1)) {
    const std::size_t digits = at + head.size();
    if (sql.size() < digits + 6) break;
    const bool numbered = std::all_of(sql.begin() + static_cast<std::ptrdiff_t>(digits),
                                      sql.begin() + static_cast<std::ptrdiff_t>(digits + 4),
                                      [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
    if (numbered && sql.compare(digits + 4, 2, " (") == 0 && (best == std::string::npos || at > best))
      best = at;
  }
  return best;
}

// The list of the first "<column> IN (" (or NOT IN) after the last `statement`
// (the latest definition wins when a later migration rebuilds a table).
Names SqlList(const std::string& sql, std::string_view statement, std::string_view column) {
  const std::size_t start = LastStatement(sql, statement);
  if (start == std::string::npos) {
    ADD_FAILURE() << "no \"" << statement << "\" in the migrations";
    return {};
  }
  for (std::size_t at = sql.find(column, start); at != std::string::npos; at = sql.find(column, at + 1)) {
    const char before = sql[at - 1];
    if (std::isalnum(static_cast<unsigned char>(before)) || before == '_')
      continue;  // e.g. actor_kind for kind
    std::size_t next = sql.find_first_not_of(' ', at + column.size());
    if (sql.compare(next, 4, "NOT ") == 0) next = sql.find_first_not_of(' ', next + 4);
    if (sql.compare(next, 4, "IN (") != 0) continue;
    return QuotedItems(sql, next + 3, '\'');
  }
  ADD_FAILURE() << "no \"" << column << " IN (...)\" after \"" << statement << "\"";
  return {};
}

TEST(JobVocabulary, SqlCheckListsAreTheEnums) {
  const std::string sql = AllMigrations();
  EXPECT_EQ(SqlList(sql, "CREATE TABLE jobs (", "kind"), NamesOf<JobKind>()) << "jobs.kind";
  EXPECT_EQ(SqlList(sql, "CREATE TABLE jobs (", "status"), NamesOf<JobStatus>()) << "jobs.status";
  EXPECT_EQ(SqlList(sql, "CREATE TABLE schedules (", "kind"), NamesOf<JobKind>(protocol::IsSchedulable))
      << "schedules.kind";
  EXPECT_EQ(SqlList(sql, "CREATE TABLE schedule_group_state (", "last_status"),
            NamesOf<JobStatus>(IsTerminal))
      << "schedule_group_state.last_status";
  EXPECT_EQ(SqlList(sql, "CREATE TABLE job_logs (", "stream"), NamesOf<LogStream>()) << "job_logs.stream";
  // The store keeps "no error" as ''.
  const Names stored_error_kinds = NamesOf<ErrorKind>(
      [](ErrorKind) { return true; },
      [](ErrorKind kind) { return kind == ErrorKind::kNone ? std::string() : std::string(ToString(kind)); });
  EXPECT_EQ(SqlList(sql, "CREATE TRIGGER jobs_error_kind_insert", "error_kind"), stored_error_kinds)
      << "jobs.error_kind (insert)";
  EXPECT_EQ(SqlList(sql, "CREATE TRIGGER jobs_error_kind_update", "error_kind"), stored_error_kinds)
      << "jobs.error_kind (update)";
}

TEST(AlertVocabulary, SqlCheckListsAreTheEnums) {
  const std::string sql = AllMigrations();
  EXPECT_EQ(SqlList(sql, "CREATE TABLE alerts (", "kind"), NamesOf<AlertKind>()) << "alerts.kind";
  EXPECT_EQ(SqlList(sql, "CREATE TABLE alerts (", "severity"), NamesOf<AlertSeverity>()) << "alerts.severity";
  EXPECT_EQ(SqlList(sql, "CREATE TABLE alerts (", "state"), NamesOf<AlertState>()) << "alerts.state";
  EXPECT_EQ(SqlList(sql, "CREATE TABLE alert_rules (", "kind"), NamesOf<AlertKind>()) << "alert_rules.kind";
}

// -------------------------------------------------------------- OpenAPI --

// The "enum" of components.schemas.<schema>.properties.<property>; a null
// member is spelled "null".
Names OpenApiEnum(const json::value& doc, std::string_view schema, std::string_view property) {
  const json::value* list = nullptr;
  if (const auto* schemas = doc.at("components").at("schemas").as_object().if_contains(schema)) {
    if (const auto* prop = schemas->at("properties").as_object().if_contains(property)) {
      list = prop->as_object().if_contains("enum");
    }
  }
  if (list == nullptr || !list->is_array()) {
    ADD_FAILURE() << "openapi.json: no enum for " << schema << "." << property;
    return {};
  }
  Names out;
  for (const auto& item : list->as_array()) {
    out.insert(item.is_null() ? std::string("null") : std::string(item.as_string()));
  }
  return out;
}

// What the API answers for an error kind: null for none, else its name.
Names AnsweredErrorKinds() {
  return NamesOf<ErrorKind>(
      [](ErrorKind) { return true; },
      [](ErrorKind kind) { return kind == ErrorKind::kNone ? "null" : std::string(ToString(kind)); });
}

TEST(JobVocabulary, OpenApiEnumsAreTheEnums) {
  const json::value doc = json::parse(ReadFile(kSourceDir / "server/api/openapi.json"));
  EXPECT_EQ(OpenApiEnum(doc, "Job", "kind"), NamesOf<JobKind>()) << "Job.kind";
  EXPECT_EQ(OpenApiEnum(doc, "Job", "status"), NamesOf<JobStatus>()) << "Job.status";
  EXPECT_EQ(OpenApiEnum(doc, "Job", "error_kind"), AnsweredErrorKinds()) << "Job.error_kind";
  EXPECT_EQ(OpenApiEnum(doc, "JobLogLine", "stream"), NamesOf<LogStream>()) << "JobLogLine.stream";
  EXPECT_EQ(OpenApiEnum(doc, "Schedule", "kind"), NamesOf<JobKind>(protocol::IsSchedulable))
      << "Schedule.kind";
}

TEST(AlertVocabulary, OpenApiEnumsAreTheEnums) {
  const json::value doc = json::parse(ReadFile(kSourceDir / "server/api/openapi.json"));
  EXPECT_EQ(OpenApiEnum(doc, "Alert", "kind"), NamesOf<AlertKind>()) << "Alert.kind";
  EXPECT_EQ(OpenApiEnum(doc, "Alert", "state"), NamesOf<AlertState>()) << "Alert.state";
  EXPECT_EQ(OpenApiEnum(doc, "Alert", "severity"), NamesOf<AlertSeverity>()) << "Alert.severity";
  EXPECT_EQ(OpenApiEnum(doc, "AlertRule", "kind"), NamesOf<AlertKind>()) << "AlertRule.kind";
}

// ------------------------------------------------------------- types.ts --

// The quoted items from `head` (e.g. "export type JobKind =") to the `end` after it.
Names TsItems(const std::string& ts, std::string_view head, std::string_view end) {
  const std::size_t start = ts.find(head);
  if (start == std::string::npos) {
    ADD_FAILURE() << "types.ts: no \"" << head << "\"";
    return {};
  }
  const std::size_t stop = ts.find(end, start + head.size());
  Names out;
  for (std::size_t at = ts.find('\'', start); at < stop; at = ts.find('\'', at + 1)) {
    const std::size_t close = ts.find('\'', at + 1);
    out.insert(ts.substr(at + 1, close - at - 1));
    at = close;
  }
  return out;
}

TEST(JobVocabulary, WebTypesAreTheEnums) {
  const std::string ts = ReadFile(kSourceDir / "web/src/api/types.ts");
  EXPECT_EQ(TsItems(ts, "export type JobKind =", ";"), NamesOf<JobKind>()) << "JobKind";
  EXPECT_EQ(TsItems(ts, "export const kJobKinds: JobKind[] =", ";"), NamesOf<JobKind>()) << "kJobKinds";
  EXPECT_EQ(TsItems(ts, "export type JobStatus =", ";"), NamesOf<JobStatus>()) << "JobStatus";
  EXPECT_EQ(TsItems(ts, "export const kJobStatuses: JobStatus[] =", ";"), NamesOf<JobStatus>())
      << "kJobStatuses";
  EXPECT_EQ(TsItems(ts, "export type ScheduleKind =", ";"), NamesOf<JobKind>(protocol::IsSchedulable))
      << "ScheduleKind";
  Names error_kinds = AnsweredErrorKinds();
  error_kinds.erase("null");  // Job.error_kind is `ErrorKind | null`
  EXPECT_EQ(TsItems(ts, "export type ErrorKind =", ";"), error_kinds) << "ErrorKind";
  EXPECT_EQ(TsItems(ts, "export type LogStream =", ";"), NamesOf<LogStream>()) << "LogStream";
}

TEST(AlertVocabulary, WebTypesAreTheEnums) {
  const std::string ts = ReadFile(kSourceDir / "web/src/api/types.ts");
  EXPECT_EQ(TsItems(ts, "export type AlertKind =", ";"), NamesOf<AlertKind>()) << "AlertKind";
  EXPECT_EQ(TsItems(ts, "export const kAlertKinds: AlertKind[] =", ";"), NamesOf<AlertKind>())
      << "kAlertKinds";
  EXPECT_EQ(TsItems(ts, "export type AlertState =", ";"), NamesOf<AlertState>()) << "AlertState";
  EXPECT_EQ(TsItems(ts, "export const kAlertStates: AlertState[] =", ";"), NamesOf<AlertState>())
      << "kAlertStates";
  EXPECT_EQ(TsItems(ts, "export type AlertSeverity =", ";"), NamesOf<AlertSeverity>()) << "AlertSeverity";
  EXPECT_EQ(TsItems(ts, "export const kAlertSeverities: AlertSeverity[] =", ";"), NamesOf<AlertSeverity>())
      << "kAlertSeverities";
}

// ---- notification channels and deliveries (server/store/notification_types.h) ----

TEST(NotificationVocabulary, SqlCheckListsAreTheEnums) {
  const std::string sql = AllMigrations();
  EXPECT_EQ(SqlList(sql, "CREATE TABLE notification_channels (", "kind"), NamesOf<ChannelKind>())
      << "notification_channels.kind";
  EXPECT_EQ(SqlList(sql, "CREATE TABLE notification_channels (", "min_severity"), NamesOf<AlertSeverity>())
      << "notification_channels.min_severity";
  EXPECT_EQ(SqlList(sql, "CREATE TABLE notification_deliveries (", "event"), NamesOf<DeliveryEvent>())
      << "notification_deliveries.event";
  EXPECT_EQ(SqlList(sql, "CREATE TABLE notification_deliveries (", "state"), NamesOf<DeliveryState>())
      << "notification_deliveries.state";
}

TEST(NotificationVocabulary, OpenApiEnumsAreTheEnums) {
  const json::value doc = json::parse(ReadFile(kSourceDir / "server/api/openapi.json"));
  EXPECT_EQ(OpenApiEnum(doc, "NotificationChannel", "kind"), NamesOf<ChannelKind>()) << "NotificationChannel.kind";
  EXPECT_EQ(OpenApiEnum(doc, "NotificationChannel", "format"), NamesOf<WebhookFormat>())
      << "NotificationChannel.format";
  EXPECT_EQ(OpenApiEnum(doc, "NotificationChannel", "min_severity"), NamesOf<AlertSeverity>())
      << "NotificationChannel.min_severity";
  EXPECT_EQ(OpenApiEnum(doc, "NotificationDelivery", "event"), NamesOf<DeliveryEvent>())
      << "NotificationDelivery.event";
  EXPECT_EQ(OpenApiEnum(doc, "NotificationDelivery", "state"), NamesOf<DeliveryState>())
      << "NotificationDelivery.state";
}

TEST(NotificationVocabulary, WebTypesAreTheEnums) {
  const std::string ts = ReadFile(kSourceDir / "web/src/api/types.ts");
  EXPECT_EQ(TsItems(ts, "export type ChannelKind =", ";"), NamesOf<ChannelKind>()) << "ChannelKind";
  EXPECT_EQ(TsItems(ts, "export const kChannelKinds: ChannelKind[] =", ";"), NamesOf<ChannelKind>())
      << "kChannelKinds";
  EXPECT_EQ(TsItems(ts, "export type WebhookFormat =", ";"), NamesOf<WebhookFormat>()) << "WebhookFormat";
  EXPECT_EQ(TsItems(ts, "export type DeliveryEvent =", ";"), NamesOf<DeliveryEvent>()) << "DeliveryEvent";
  EXPECT_EQ(TsItems(ts, "export type DeliveryState =", ";"), NamesOf<DeliveryState>()) << "DeliveryState";
}
// ---- end notification channels and deliveries ----

// Enrollment token status: the store's names, openapi.json and types.ts.
TEST(EnrollmentVocabulary, StatusListsAreTheEnum) {
  Names statuses;
  for (const auto status : {EnrollmentStatus::kActive, EnrollmentStatus::kUsed, EnrollmentStatus::kExhausted,
                            EnrollmentStatus::kExpired, EnrollmentStatus::kRevoked}) {
    statuses.insert(std::string(ToString(status)));
  }
  EXPECT_EQ(statuses.size(), 5u);
  const json::value doc = json::parse(ReadFile(kSourceDir / "server/api/openapi.json"));
  EXPECT_EQ(OpenApiEnum(doc, "EnrollmentToken", "status"), statuses) << "EnrollmentToken.status";
  const std::string ts = ReadFile(kSourceDir / "web/src/api/types.ts");
  EXPECT_EQ(TsItems(ts, "export type EnrollmentStatus =", ";"), statuses) << "EnrollmentStatus";
}

// The agent's hook policy as hello reports it: the hosts column ('' = not
// reported), Host.agent_policy.hook_policy (null = not reported) and types.ts.
TEST(AgentPolicyVocabulary, HookPolicyListsAreTheEnum) {
  using protocol::HookPolicy;
  Names stored = NamesOf<HookPolicy>();
  stored.insert("");
  EXPECT_EQ(SqlList(AllMigrations(), "ALTER TABLE hosts ADD COLUMN hook_policy", "hook_policy"), stored)
      << "hosts.hook_policy";
  const json::value doc = json::parse(ReadFile(kSourceDir / "server/api/openapi.json"));
  Names answered;
  for (const auto& item :
       doc.at_pointer("/components/schemas/Host/properties/agent_policy/properties/hook_policy/enum")
           .as_array()) {
    answered.insert(item.is_null() ? std::string("null") : std::string(item.as_string()));
  }
  Names expected = NamesOf<HookPolicy>();
  expected.insert("null");
  EXPECT_EQ(answered, expected) << "Host.agent_policy.hook_policy";
  const std::string ts = ReadFile(kSourceDir / "web/src/api/types.ts");
  EXPECT_EQ(TsItems(ts, "export type HookPolicy =", ";"), NamesOf<HookPolicy>()) << "HookPolicy";
}

}  // namespace
}  // namespace rmgr::store
