#include "common/protocol/envelope.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>

#include "common/protocol/sample_messages.h"
#include "common/schema/utf8.h"

namespace rmgr::protocol {
namespace {

namespace json = boost::json;
using testing::At;
using testing::SampleEnvelopes;

template <class T>
const T& PayloadOf(const Envelope& envelope) {
  const T* p = std::get_if<T>(&envelope.payload);
  EXPECT_NE(p, nullptr) << "payload is " << TypeName(envelope.payload);
  static const T kEmpty{};
  return p != nullptr ? *p : kEmpty;
}

Envelope DecodeOk(std::string_view frame) {
  auto decoded = Decode(frame);
  EXPECT_TRUE(decoded.ok()) << (decoded.ok() ? "" : decoded.error().Describe()) << "\n" << frame;
  return decoded.ok() ? *decoded : Envelope{};
}

// ---------------------------------------------------------------- round trips

TEST(ProtocolEnvelope, EveryMessageRoundTripsExactly) {
  for (const Envelope& sample : SampleEnvelopes()) {
    SCOPED_TRACE(TypeName(sample.payload));
    const std::string frame = Encode(sample);
    auto decoded = Decode(frame);
    ASSERT_TRUE(decoded.ok()) << decoded.error().Describe() << "\n" << frame;
    EXPECT_EQ(*decoded, sample);
    EXPECT_EQ(Encode(*decoded), frame) << "encoding is not a fixed point";
  }
}

TEST(ProtocolEnvelope, SamplesCoverEveryMessageType) {
  std::set<std::string_view> sampled;
  for (const Envelope& sample : SampleEnvelopes()) sampled.insert(TypeName(sample.payload));
  const auto names = TypeNames();
  EXPECT_EQ(sampled, std::set<std::string_view>(names.begin(), names.end()));
  EXPECT_EQ(names.size(), std::variant_size_v<Payload>);
  EXPECT_EQ(names.size(), 22u);  // agent.rollback made it 22
}

TEST(ProtocolEnvelope, OptionalFieldsAreOmittedWhenEmptyAndRoundTrip) {
  CommandRun run{.job_id = "01HZX3P0000000000000000J0B", .kind = JobKind::kPrune};
  run.repository = {.id = "01HZX3P0000000000000000REP", .url = "/srv/repo", .password = Secret("pw")};
  const Envelope sample{"", run};
  const std::string frame = Encode(sample);
  for (const char* absent : {"source_group", "retention", "hooks", "schedule_id", "scheduled_at", "env"}) {
    EXPECT_EQ(frame.find(absent), std::string::npos) << absent << " in " << frame;
  }
  EXPECT_EQ(DecodeOk(frame), sample);
}

TEST(ProtocolEnvelope, NewOptionalFieldsAreOmittedWhenEmptySoOlderPeersStillDecodeThem) {
  const Envelope hello{
      "",
      Hello{.agent_version = "0.1.0", .restic_version = "", .hostname = "h", .os = "linux", .arch = "amd64"}};
  const Envelope ack{"", ScheduleAck{.version = 3, .applied_at = At("2026-11-22T15:40:31Z")}};
  const Envelope fire{"", ScheduleFire{.schedule_id = "01HZX3P00000000000000SCHED",
                                       .scheduled_at = At("2026-11-22T02:00:00Z")}};
  CommandRun run{.job_id = "01HZX3P0000000000000000J0B", .kind = JobKind::kPrune};
  run.repository = {.id = "01HZX3P0000000000000000REP", .url = "/srv/repo", .password = Secret("pw")};
  const Envelope command{"", run};
  for (const auto& [sample, absent] :
       std::vector<std::pair<Envelope, std::string_view>>{{hello, "install_id"},
                                                          {ack, "rejected"},
                                                          {fire, "late"},
                                                          {command, "max_runtime_seconds"},
                                                          {command, "stall_timeout_seconds"}}) {
    const std::string frame = Encode(sample);
    EXPECT_EQ(frame.find(absent), std::string::npos) << absent << " in " << frame;
    EXPECT_EQ(DecodeOk(frame), sample);
  }
}

TEST(ProtocolEnvelope, AnEmptyRejectedListAndLateFalseRoundTripAsGiven) {
  const Envelope ack{"", ScheduleAck{.version = 3,
                                     .applied_at = At("2026-11-22T15:40:31Z"),
                                     .rejected = std::vector<ScheduleRejection>{}}};
  EXPECT_EQ(DecodeOk(Encode(ack)), ack);
  const Envelope fire{"", ScheduleFire{.schedule_id = "01HZX3P00000000000000SCHED",
                                       .scheduled_at = At("2026-11-22T02:00:00Z"),
                                       .late = false}};
  EXPECT_EQ(DecodeOk(Encode(fire)), fire);
}

TEST(ProtocolEnvelope, NewMessagesHaveTheirPinnedWireShape) {
  EXPECT_EQ(Encode(Envelope{"", FireAnswer{.schedule_id = "01HZX3P00000000000000SCHED",
                                           .scheduled_at = At("2026-11-22T02:00:00Z"),
                                           .outcome = FireOutcome::kRefused,
                                           .job_ids = {},
                                           .reason = "schedule disabled"}}),
            R"({"type":"fire.answer","id":"","payload":{"schedule_id":"01HZX3P00000000000000SCHED",)"
            R"("scheduled_at":"2026-11-22T02:00:00Z","outcome":"refused","job_ids":[],)"
            R"("reason":"schedule disabled"}})");
  EXPECT_EQ(Encode(Envelope{"", JobsRunning{.running_job_ids = {},
                                            .unacked_job_ids = {"01HZX3P0000000000000000J0B"},
                                            .at = At("2026-11-22T02:01:00Z")}}),
            R"({"type":"jobs.running","id":"","payload":{"running_job_ids":[],)"
            R"("unacked_job_ids":["01HZX3P0000000000000000J0B"],"at":"2026-11-22T02:01:00Z"}})");
  EXPECT_EQ(
      Encode(Envelope{"", AgentRollback{.rollout_id = "01HZX3P00000000000000RXN01", .version = "9.0.0"}}),
      R"({"type":"agent.rollback","id":"","payload":{"rollout_id":"01HZX3P00000000000000RXN01",)"
      R"("version":"9.0.0"}})");
}

TEST(ProtocolEnvelope, EncodeCutsARejectionReasonToTheErrorLimit) {
  ScheduleAck ack{.version = 1, .applied_at = At("2026-11-22T15:40:31Z")};
  ack.rejected = std::vector<ScheduleRejection>{
      {.schedule_id = "01HZX3P00000000000000SCHED", .reason = std::string(limits::kMaxErrorBytes + 9, 'r')}};
  const auto decoded = DecodeOk(Encode(Envelope{"", ack}));
  EXPECT_EQ(PayloadOf<ScheduleAck>(decoded).rejected->at(0).reason.size(), limits::kMaxErrorBytes);
}

TEST(ProtocolEnvelope, WireShapeIsPinned) {
  const Envelope fire{"01HZX3P0000000000000F1RE01",
                      ScheduleFire{.schedule_id = "01HZX3P00000000000000SCHED",
                                   .scheduled_at = At("2026-11-22T03:00:00+01:00")}};
  EXPECT_EQ(Encode(fire),
            R"({"type":"schedule.fire","id":"01HZX3P0000000000000F1RE01","payload":)"
            R"({"schedule_id":"01HZX3P00000000000000SCHED","scheduled_at":"2026-11-22T02:00:00Z"}})");
  EXPECT_EQ(Encode(Envelope{"", ResultAck{.job_id = "01HZX3P0000000000000000J0B"}}),
            R"({"type":"result.ack","id":"","payload":{"job_id":"01HZX3P0000000000000000J0B"}})");
}

TEST(ProtocolEnvelope, FieldOrderInTheFrameDoesNotMatter) {
  const auto decoded =
      DecodeOk(R"({"payload":{"sent_at":"2026-11-22T15:40:30Z","nonce":"x"},"id":"","type":"pong"})");
  EXPECT_EQ(PayloadOf<Pong>(decoded).nonce, "x");
}

TEST(ProtocolEnvelope, TimesAreReadInAnyOffsetAndFlooredToMilliseconds) {
  const auto decoded = DecodeOk(
      R"({"type":"schedule.ack","id":"","payload":{"version":1,"applied_at":"2026-11-22T15:40:30.123987654+02:00"}})");
  EXPECT_EQ(PayloadOf<ScheduleAck>(decoded).applied_at, At("2026-11-22T13:40:30.123Z"));
}

TEST(ProtocolEnvelope, FractionsAreQuantisedSoReEncodingIsStable) {
  const auto decoded = DecodeOk(
      R"({"type":"job.progress","id":"","payload":{"job_id":"01HZX3P0000000000000000J0B","percent_done":0.12345678912,)"
      R"("total_files":1,"files_done":1,"total_bytes":1,"bytes_done":1,"seconds_elapsed":1,"seconds_remaining":0,)"
      R"("error_count":0,"current_files":[]}})");
  EXPECT_EQ(PayloadOf<JobProgress>(decoded).percent_done, 0.123457);
  EXPECT_EQ(DecodeOk(Encode(decoded)), decoded);
}

TEST(ProtocolEnvelope, IntegersAreAcceptedForFractionsButNotTheOtherWayRound) {
  auto decoded = DecodeOk(
      R"({"type":"job.progress","id":"","payload":{"job_id":"01HZX3P0000000000000000J0B","percent_done":1,)"
      R"("total_files":1,"files_done":1,"total_bytes":1,"bytes_done":1,"seconds_elapsed":1,"seconds_remaining":0,)"
      R"("error_count":0,"current_files":[]}})");
  EXPECT_EQ(PayloadOf<JobProgress>(decoded).percent_done, 1.0);
}

// ---------------------------------------------------------------- what Encode repairs

TEST(ProtocolEnvelope, EncodeMakesInvalidUtf8ValidSoTheFrameStillDecodes) {
  JobLog log{.job_id = "01HZX3P0000000000000000J0B", .first_seq = 0, .lines = {}};
  log.lines.push_back(
      {LogStream::kStderr, "open /data/caf\xE9.txt: permission denied", At("2026-01-01T00:00:00Z")});
  const auto decoded = DecodeOk(Encode(Envelope{"", log}));
  const std::string& text = PayloadOf<JobLog>(decoded).lines.at(0).text;
  EXPECT_TRUE(schema::IsValidUtf8(text));
  EXPECT_EQ(text, "open /data/caf\xEF\xBF\xBD.txt: permission denied");
}

TEST(ProtocolEnvelope, EncodeCutsDisplayOnlyTextAndListsToTheirLimits) {
  JobResult result{.job_id = "01HZX3P0000000000000000J0B", .status = JobStatus::kFailed};
  result.error = std::string(limits::kMaxErrorBytes + 100, 'e');
  JobProgress progress{.job_id = "01HZX3P0000000000000000J0B"};
  progress.current_files.assign(limits::kMaxCurrentFiles + 4, "/f");
  progress.percent_done = std::numeric_limits<double>::quiet_NaN();

  const auto result_back = DecodeOk(Encode(Envelope{"", result}));
  EXPECT_EQ(PayloadOf<JobResult>(result_back).error->size(), limits::kMaxErrorBytes);
  const auto progress_back = DecodeOk(Encode(Envelope{"", progress}));
  EXPECT_EQ(PayloadOf<JobProgress>(progress_back).current_files.size(), limits::kMaxCurrentFiles);
  EXPECT_EQ(PayloadOf<JobProgress>(progress_back).percent_done, 0.0);
}

TEST(ProtocolEnvelope, EncodeClampsTimesIntoTheWireRange) {
  JobStarted started{.job_id = "01HZX3P0000000000000000J0B", .started_at = TimePoint::min()};
  EXPECT_EQ(PayloadOf<JobStarted>(DecodeOk(Encode(Envelope{"", started}))).started_at,
            TimePoint{limits::kMinTime});
  started.started_at = TimePoint::max();
  EXPECT_EQ(PayloadOf<JobStarted>(DecodeOk(Encode(Envelope{"", started}))).started_at,
            TimePoint{limits::kMaxTime} - std::chrono::milliseconds{1});
}

TEST(ProtocolEnvelope, SnapshotTimesOutsideTheWireRangeAreClampedNotRejected) {
  // restic accepts any --time, so an indexed snapshot may predate 1900.
  JobResult result{.job_id = "01HZX3P0000000000000000J0B", .status = JobStatus::kSucceeded};
  result.snapshot_index = SnapshotIndex{.complete = true, .snapshots = {}};
  result.snapshot_index->snapshots.push_back(
      {.id = std::string(64, 'a'),
       .short_id = "aaaaaaaa",
       .time = TimePoint{limits::kMinTime} - std::chrono::hours{24 * 365},
       .hostname = "",
       .paths = {"/"},
       .tags = {}});
  EXPECT_TRUE(Validate(Envelope{"", result}).ok());
  const auto decoded = DecodeOk(Encode(Envelope{"", result}));
  EXPECT_EQ(PayloadOf<JobResult>(decoded).snapshot_index->snapshots.at(0).time, TimePoint{limits::kMinTime});
}

TEST(ProtocolEnvelope, ValidateReportsWhatThePeerWouldReject) {
  for (const Envelope& sample : SampleEnvelopes()) {
    EXPECT_TRUE(Validate(sample).ok()) << TypeName(sample.payload);
  }
  const Result<void> bad = Validate(Envelope{"", ScheduleAck{.version = -3, .applied_at = {}}});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kOutOfRange);
  EXPECT_EQ(bad.error().field, "payload.version");
}

// ---------------------------------------------------------------- rejections

// A rejection case: start from the encoded sample of `type`, change it, and
// expect `code` at `field`.
struct Rejection {
  std::string_view name;
  std::string_view type;
  std::function<void(json::object& frame, json::object& payload)> mutate;
  ErrorCode code;
  std::string_view field;
};

json::object SampleFrame(std::string_view type) {
  for (const Envelope& sample : SampleEnvelopes()) {
    if (TypeName(sample.payload) == type) return json::parse(Encode(sample)).as_object();
  }
  ADD_FAILURE() << "no sample of type " << type;
  return {};
}

json::object& Obj(json::value& v) {
  return v.as_object();
}

const std::vector<Rejection>& Rejections() {
  using E = ErrorCode;
  static const std::vector<Rejection> kCases = {
      // envelope
      {"type missing", "ping", [](auto& f, auto&) { f.erase("type"); }, E::kMissingField, "type"},
      {"type not a string", "ping", [](auto& f, auto&) { f["type"] = 5; }, E::kWrongType, "type"},
      {"type unknown", "ping", [](auto& f, auto&) { f["type"] = "ping.pong"; }, E::kUnknownType, "type"},
      {"type in wrong case", "ping", [](auto& f, auto&) { f["type"] = "PING"; }, E::kUnknownType, "type"},
      {"id missing", "ping", [](auto& f, auto&) { f.erase("id"); }, E::kMissingField, "id"},
      {"id not a ULID", "ping", [](auto& f, auto&) { f["id"] = "job-1"; }, E::kOutOfRange, "id"},
      {"id null", "ping", [](auto& f, auto&) { f["id"] = nullptr; }, E::kWrongType, "id"},
      {"payload missing", "ping", [](auto& f, auto&) { f.erase("payload"); }, E::kMissingField, "payload"},
      {"payload an array", "ping", [](auto& f, auto&) { f["payload"] = json::array(); }, E::kWrongType,
       "payload"},
      {"envelope extra field", "ping", [](auto& f, auto&) { f["trace"] = 1; }, E::kUnknownField, "trace"},
      // missing fields
      {"payload field missing", "hello", [](auto&, auto& p) { p.erase("hostname"); }, E::kMissingField,
       "payload.hostname"},
      {"nested field missing", "schedule.set",
       [](auto&, auto& p) { Obj(p["schedules"].as_array()[1]).erase("cron"); }, E::kMissingField,
       "payload.schedules[1].cron"},
      {"backup without source group", "command.run", [](auto&, auto& p) { p.erase("source_group"); },
       E::kMissingField, "payload.source_group"},
      {"restore without its options", "command.run",
       [](auto&, auto& p) {
         p["kind"] = "restore";
         Obj(p["options"]).erase("restore");
       },
       E::kMissingField, "payload.options"},
      {"forget without retention", "command.run",
       [](auto&, auto& p) {
         p["kind"] = "forget";
         p.erase("retention");
       },
       E::kMissingField, "payload.retention"},
      {"password missing", "command.run", [](auto&, auto& p) { Obj(p["repository"]).erase("password"); },
       E::kMissingField, "payload.repository.password"},
      // wrong JSON types
      {"integer as string", "schedule.set", [](auto&, auto& p) { p["version"] = "8"; }, E::kWrongType,
       "payload.version"},
      {"integer as fraction", "schedule.set", [](auto&, auto& p) { p["version"] = 8.5; }, E::kWrongType,
       "payload.version"},
      {"bool as number", "schedule.set",
       [](auto&, auto& p) { Obj(p["schedules"].as_array()[0])["enabled"] = 1; }, E::kWrongType,
       "payload.schedules[0].enabled"},
      {"number as string", "job.progress", [](auto&, auto& p) { p["percent_done"] = "0.5"; }, E::kWrongType,
       "payload.percent_done"},
      {"list as object", "job.log", [](auto&, auto& p) { p["lines"] = json::object(); }, E::kWrongType,
       "payload.lines"},
      {"list item of wrong type", "hello", [](auto&, auto& p) { p["running_job_ids"] = json::array{1}; },
       E::kWrongType, "payload.running_job_ids[0]"},
      {"null for an optional field", "job.started", [](auto&, auto& p) { p["restic_pid"] = nullptr; },
       E::kWrongType, "payload.restic_pid"},
      {"time as number", "schedule.fire", [](auto&, auto& p) { p["scheduled_at"] = 1764000000; },
       E::kWrongType, "payload.scheduled_at"},
      {"secret as number", "command.run", [](auto&, auto& p) { Obj(p["repository"])["password"] = 1234; },
       E::kWrongType, "payload.repository.password"},
      // out of range
      {"negative version", "schedule.ack", [](auto&, auto& p) { p["version"] = -1; }, E::kOutOfRange,
       "payload.version"},
      {"count above int64", "hello", [](auto&, auto& p) { p["unacked_results"] = UINT64_MAX; },
       E::kOutOfRange, "payload.unacked_results"},
      {"percent above one", "job.progress", [](auto&, auto& p) { p["percent_done"] = 1.01; }, E::kOutOfRange,
       "payload.percent_done"},
      {"negative percent", "job.progress", [](auto&, auto& p) { p["percent_done"] = -0.1; }, E::kOutOfRange,
       "payload.percent_done"},
      {"exit code above 255", "job.result", [](auto&, auto& p) { p["exit_code"] = 256; }, E::kOutOfRange,
       "payload.exit_code"},
      {"keep count zero", "command.run", [](auto&, auto& p) { Obj(p["retention"])["keep_last"] = 0; },
       E::kOutOfRange, "payload.retention.keep_last"},
      {"jitter above a day", "schedule.set",
       [](auto&, auto& p) { Obj(p["schedules"].as_array()[0])["jitter_seconds"] = 86401; }, E::kOutOfRange,
       "payload.schedules[0].jitter_seconds"},
      {"bad enum name", "schedule.set",
       [](auto&, auto& p) { Obj(p["schedules"].as_array()[0])["kind"] = "bakup"; }, E::kOutOfRange,
       "payload.schedules[0].kind"},
      {"bad status", "job.result", [](auto&, auto& p) { p["status"] = "lost"; }, E::kOutOfRange,
       "payload.status"},
      {"bad RFC 3339 date", "schedule.fire",
       [](auto&, auto& p) { p["scheduled_at"] = "2026-13-01T00:00:00Z"; }, E::kOutOfRange,
       "payload.scheduled_at"},
      {"RFC 3339 without offset", "schedule.fire",
       [](auto&, auto& p) { p["scheduled_at"] = "2026-11-22T02:00:00"; }, E::kOutOfRange,
       "payload.scheduled_at"},
      {"time past the wire range", "schedule.fire",
       [](auto&, auto& p) { p["scheduled_at"] = "9999-12-31T23:59:59Z"; }, E::kOutOfRange,
       "payload.scheduled_at"},
      {"time before the wire range", "hello.ok",
       [](auto&, auto& p) { p["server_time"] = "1899-12-31T23:59:59Z"; }, E::kOutOfRange,
       "payload.server_time"},
      {"job id not a ULID", "command.cancel", [](auto&, auto& p) { p["job_id"] = "42"; }, E::kOutOfRange,
       "payload.job_id"},
      {"lower-case ULID", "result.ack", [](auto&, auto& p) { p["job_id"] = "01hzx3p0000000000000000j0b"; },
       E::kOutOfRange, "payload.job_id"},
      {"nonce over its limit", "ping", [](auto&, auto& p) { p["nonce"] = std::string(65, 'n'); },
       E::kOutOfRange, "payload.nonce"},
      {"empty required text", "hello", [](auto&, auto& p) { p["hostname"] = ""; }, E::kOutOfRange,
       "payload.hostname"},
      {"password over its limit", "command.run",
       [](auto&, auto& p) {
         Obj(p["repository"])["password"] = std::string(limits::kMaxSecretBytes + 1, 'p');
       },
       E::kOutOfRange, "payload.repository.password"},
      {"too many list items", "job.progress",
       [](auto&, auto& p) { p["current_files"] = json::value_from(std::vector<std::string>(17, "/f")); },
       E::kOutOfRange, "payload.current_files"},
      {"tag with a comma", "command.run",
       [](auto&, auto& p) { Obj(p["source_group"])["tags"] = json::array{"a,b"}; }, E::kOutOfRange,
       "payload.source_group.tags[0]"},
      {"source group without paths", "command.run",
       [](auto&, auto& p) { Obj(p["source_group"])["paths"] = json::array(); }, E::kOutOfRange,
       "payload.source_group.paths"},
      {"bad env name", "command.run", [](auto&, auto& p) { Obj(Obj(p["repository"])["env"])["1BAD"] = "x"; },
       E::kOutOfRange, "payload.repository.env.1BAD"},
      {"bad snapshot id", "browse.request", [](auto&, auto& p) { p["snapshot_id"] = "latest"; },
       E::kOutOfRange, "payload.snapshot_id"},
      {"relative browse path", "browse.request", [](auto&, auto& p) { p["path"] = "home"; }, E::kOutOfRange,
       "payload.path"},
      {"bad keep_within", "command.run",
       [](auto&, auto& p) { Obj(p["retention"])["keep_within"] = "1 year"; }, E::kOutOfRange,
       "payload.retention.keep_within"},
      {"bad read_data_subset", "command.run",
       [](auto&, auto& p) { Obj(Obj(p["options"])["check"])["read_data_subset"] = "a lot"; }, E::kOutOfRange,
       "payload.options.check.read_data_subset"},
      {"snapshot id not the full id", "job.result",
       [](auto&, auto& p) { Obj(Obj(p["snapshot_index"])["snapshots"].as_array()[0])["id"] = "4f2a9c1e"; },
       E::kOutOfRange, "payload.snapshot_index.snapshots[0].id"},
      {"snapshot short id in upper case", "job.result",
       [](auto&, auto& p) {
         Obj(Obj(p["snapshot_index"])["snapshots"].as_array()[0])["short_id"] = "4F2A9C1E";
       },
       E::kOutOfRange, "payload.snapshot_index.snapshots[0].short_id"},
      {"snapshot tag with a comma", "job.result",
       [](auto&, auto& p) {
         Obj(Obj(p["snapshot_index"])["snapshots"].as_array()[0])["tags"] = json::array{"a,b"};
       },
       E::kOutOfRange, "payload.snapshot_index.snapshots[0].tags[0]"},
      {"snapshot index without complete", "job.result",
       [](auto&, auto& p) { Obj(p["snapshot_index"]).erase("complete"); }, E::kMissingField,
       "payload.snapshot_index.complete"},
      {"too many snapshots", "job.result",
       [](auto&, auto& p) {
         Obj(p["snapshot_index"])["snapshots"] =
             json::value_from(std::vector<json::object>(limits::kMaxSnapshots + 1));
       },
       E::kOutOfRange, "payload.snapshot_index.snapshots"},
      // fields added for "every backup window accounted for"
      {"install id not a ULID", "hello", [](auto&, auto& p) { p["install_id"] = "laptop-1"; },
       E::kOutOfRange, "payload.install_id"},
      {"install id null", "hello", [](auto&, auto& p) { p["install_id"] = nullptr; }, E::kWrongType,
       "payload.install_id"},
      {"rejected not a list", "schedule.ack", [](auto&, auto& p) { p["rejected"] = "bad cron"; },
       E::kWrongType, "payload.rejected"},
      {"rejection without reason", "schedule.ack",
       [](auto&, auto& p) { Obj(p["rejected"].as_array()[0]).erase("reason"); }, E::kMissingField,
       "payload.rejected[0].reason"},
      {"rejection with a bad schedule id", "schedule.ack",
       [](auto&, auto& p) { Obj(p["rejected"].as_array()[0])["schedule_id"] = "s1"; }, E::kOutOfRange,
       "payload.rejected[0].schedule_id"},
      {"rejection reason over its limit", "schedule.ack",
       [](auto&, auto& p) {
         Obj(p["rejected"].as_array()[0])["reason"] = std::string(limits::kMaxErrorBytes + 1, 'r');
       },
       E::kOutOfRange, "payload.rejected[0].reason"},
      {"too many rejections", "schedule.ack",
       [](auto&, auto& p) {
         p["rejected"] = json::value_from(std::vector<json::object>(limits::kMaxSchedules + 1));
       },
       E::kOutOfRange, "payload.rejected"},
      {"late as a string", "schedule.fire", [](auto&, auto& p) { p["late"] = "true"; }, E::kWrongType,
       "payload.late"},
      {"fire answer without outcome", "fire.answer", [](auto&, auto& p) { p.erase("outcome"); },
       E::kMissingField, "payload.outcome"},
      {"fire answer with an unknown outcome", "fire.answer", [](auto&, auto& p) { p["outcome"] = "queued"; },
       E::kOutOfRange, "payload.outcome"},
      {"fire answer without job ids", "fire.answer", [](auto&, auto& p) { p.erase("job_ids"); },
       E::kMissingField, "payload.job_ids"},
      {"fire answer job id not a ULID", "fire.answer", [](auto&, auto& p) { p["job_ids"] = json::array{"j"}; },
       E::kOutOfRange, "payload.job_ids[0]"},
      {"fire answer without slot", "fire.answer", [](auto&, auto& p) { p.erase("scheduled_at"); },
       E::kMissingField, "payload.scheduled_at"},
      {"fire answer reason over its limit", "fire.answer",
       [](auto&, auto& p) { p["reason"] = std::string(limits::kMaxErrorBytes + 1, 'r'); }, E::kOutOfRange,
       "payload.reason"},
      {"jobs.running without unacked list", "jobs.running", [](auto&, auto& p) { p.erase("unacked_job_ids"); },
       E::kMissingField, "payload.unacked_job_ids"},
      {"jobs.running with a bad running id", "jobs.running",
       [](auto&, auto& p) { p["running_job_ids"] = json::array{"42"}; }, E::kOutOfRange,
       "payload.running_job_ids[0]"},
      {"jobs.running with too many unacked ids", "jobs.running",
       [](auto&, auto& p) {
         p["unacked_job_ids"] = json::value_from(
             std::vector<std::string>(limits::kMaxUnackedJobs + 1, "01HZX3P0000000000000000J0B"));
       },
       E::kOutOfRange, "payload.unacked_job_ids"},
      {"jobs.running without time", "jobs.running", [](auto&, auto& p) { p.erase("at"); }, E::kMissingField,
       "payload.at"},
      {"max runtime zero", "command.run", [](auto&, auto& p) { p["max_runtime_seconds"] = 0; },
       E::kOutOfRange, "payload.max_runtime_seconds"},
      {"max runtime above a week", "command.run",
       [](auto&, auto& p) { p["max_runtime_seconds"] = limits::kMaxWeekSeconds + 1; }, E::kOutOfRange,
       "payload.max_runtime_seconds"},
      {"stall timeout zero", "command.run", [](auto&, auto& p) { p["stall_timeout_seconds"] = 0; },
       E::kOutOfRange, "payload.stall_timeout_seconds"},
      {"stall timeout as string", "command.run", [](auto&, auto& p) { p["stall_timeout_seconds"] = "60"; },
       E::kWrongType, "payload.stall_timeout_seconds"},
      {"agent.rollback without its rollout", "agent.rollback", [](auto&, auto& p) { p.erase("rollout_id"); },
       E::kMissingField, "payload.rollout_id"},
      {"agent.rollback to a path, not a version", "agent.rollback",
       [](auto&, auto& p) { p["version"] = "../../bin"; }, E::kOutOfRange, "payload.version"},
      {"agent.rollback with a bundle path", "agent.rollback", [](auto&, auto& p) { p["path"] = "/x"; },
       E::kUnknownField, "payload.path"},
      // unknown fields
      {"unknown field in a rejection", "schedule.ack",
       [](auto&, auto& p) { Obj(p["rejected"].as_array()[0])["line"] = 3; }, E::kUnknownField,
       "payload.rejected[0].line"},
      {"unknown field in a fire answer", "fire.answer", [](auto&, auto& p) { p["pending_id"] = "x"; },
       E::kUnknownField, "payload.pending_id"},
      {"unknown payload field", "pong", [](auto&, auto& p) { p["extra"] = true; }, E::kUnknownField,
       "payload.extra"},
      {"unknown nested field", "command.run",
       [](auto&, auto& p) { Obj(p["retention"])["keep_forever"] = true; }, E::kUnknownField,
       "payload.retention.keep_forever"},
      {"unknown field in a list item", "browse.result",
       [](auto&, auto& p) { Obj(p["entries"].as_array()[1])["inode"] = 7; }, E::kUnknownField,
       "payload.entries[1].inode"},
  };
  return kCases;
}

TEST(ProtocolEnvelope, RejectsEachMalformedClassWithCodeAndFieldPath) {
  for (const Rejection& c : Rejections()) {
    SCOPED_TRACE(c.name);
    json::object frame = SampleFrame(c.type);
    c.mutate(frame, frame["payload"].as_object());
    const std::string text = json::serialize(frame);
    auto decoded = Decode(text);
    ASSERT_FALSE(decoded.ok()) << text;
    EXPECT_EQ(decoded.error().code, c.code) << decoded.error().Describe();
    EXPECT_EQ(decoded.error().field, c.field) << decoded.error().Describe();
    EXPECT_FALSE(decoded.error().message.empty());
  }
}

TEST(ProtocolEnvelope, RejectsFramesThatAreNotAnEnvelopeAtAll) {
  struct Raw {
    std::string frame;
    ErrorCode code;
  };
  const std::vector<Raw> cases = {
      {"", ErrorCode::kMalformed},
      {R"({"type":)", ErrorCode::kMalformed},
      {R"({"type":"ping","id":"","payload":{}} trailing)", ErrorCode::kMalformed},
      {R"({"type":"ping","id":"","payload":{},})", ErrorCode::kMalformed},
      {R"({"type":"ping", /* comment */ "id":"","payload":{}})", ErrorCode::kMalformed},
      {"{\"type\":\"ping\",\"id\":\"\",\"payload\":{\"nonce\":\"\xFF\"}}", ErrorCode::kMalformed},
      {R"([{"type":"ping"}])", ErrorCode::kWrongType},
      {R"("ping")", ErrorCode::kWrongType},
      {"null", ErrorCode::kWrongType},
      {std::string(40, '[') + std::string(40, ']'), ErrorCode::kTooLarge},
  };
  for (const Raw& c : cases) {
    auto decoded = Decode(c.frame);
    ASSERT_FALSE(decoded.ok()) << c.frame;
    EXPECT_EQ(decoded.error().code, c.code) << c.frame << " -> " << decoded.error().Describe();
  }
}

TEST(ProtocolEnvelope, RejectsFramesOverTheSizeLimitBeforeParsing) {
  const std::string frame = Encode(SampleEnvelopes().front());
  EXPECT_TRUE(Decode(frame, DecodeLimits{.max_frame_bytes = frame.size()}).ok());
  auto too_big = Decode(frame, DecodeLimits{.max_frame_bytes = frame.size() - 1});
  ASSERT_FALSE(too_big.ok());
  EXPECT_EQ(too_big.error().code, ErrorCode::kTooLarge);
  auto huge = Decode(std::string(limits::kMaxFrameBytes + 1, ' '));
  ASSERT_FALSE(huge.ok());
  EXPECT_EQ(huge.error().code, ErrorCode::kTooLarge);
}

TEST(ProtocolEnvelope, DepthLimitIsConfigurable) {
  const std::string frame = Encode(Envelope{"", testing::SampleCommandRun()});
  EXPECT_TRUE(Decode(frame, DecodeLimits{.max_depth = 5}).ok());
  auto too_deep = Decode(frame, DecodeLimits{.max_depth = 3});
  ASSERT_FALSE(too_deep.ok());
  EXPECT_EQ(too_deep.error().code, ErrorCode::kTooLarge);
}

// ---------------------------------------------------------------- the committed fuzz seeds

TEST(ProtocolEnvelope, FuzzCorpusHasOneValidSeedPerType) {
  std::set<std::string_view> seeded;
  for (const auto& entry : std::filesystem::directory_iterator(RMGR_PROTOCOL_CORPUS_DIR)) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    SCOPED_TRACE(entry.path().filename().string());
    auto decoded = Decode(text.str());
    ASSERT_TRUE(decoded.ok()) << decoded.error().Describe();
    EXPECT_EQ(entry.path().stem().string(), TypeName(decoded->payload));
    seeded.insert(TypeName(decoded->payload));
  }
  EXPECT_EQ(seeded.size(), TypeNames().size());
}

}  // namespace
}  // namespace rmgr::protocol
