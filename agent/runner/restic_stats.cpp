#include "agent/runner/restic_stats.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <string>

namespace rmgr::agent::runner {
namespace {

namespace json = boost::json;

Error Bad(std::string_view member, std::string_view why) {
  return MakeError(ErrorCode::kMalformed, "restic stats: " + std::string(member) + " " + std::string(why),
                   std::string(member));
}

Result<uint64_t> Count(const json::object& obj, std::string_view member, bool required) {
  const json::value* v = obj.if_contains(member);
  if (v == nullptr) {
    if (required) return Bad(member, "is missing");
    return uint64_t{0};
  }
  if (v->is_uint64()) return v->get_uint64();
  if (v->is_int64() && v->get_int64() >= 0) return static_cast<uint64_t>(v->get_int64());
  return Bad(member, "is not a non-negative integer");
}

Result<std::optional<double>> Percent(const json::object& obj, std::string_view member, double min,
                                      double max) {
  const json::value* v = obj.if_contains(member);
  if (v == nullptr) return std::optional<double>{};
  if (!v->is_number()) return Bad(member, "is not a number");
  const double d = v->to_number<double>();
  if (!std::isfinite(d) || d < min || d > max) return Bad(member, "is out of range");
  return std::optional<double>(d);
}

}  // namespace

Result<StatsOutput> ParseStatsOutput(std::string_view line) {
  boost::system::error_code ec;
  const json::value doc = json::parse(line, ec);
  if (ec || !doc.is_object()) return MakeError(ErrorCode::kMalformed, "restic stats printed no JSON object");
  const json::object& obj = doc.get_object();
  StatsOutput out;
  auto total = Count(obj, "total_size", true);
  if (!total) return total.error();
  out.total_size = *total;
  auto snapshots = Count(obj, "snapshots_count", true);
  if (!snapshots) return snapshots.error();
  out.snapshots_count = *snapshots;
  auto files = Count(obj, "total_file_count", false);
  if (!files) return files.error();
  out.total_file_count = *files;
  auto blobs = Count(obj, "total_blob_count", false);
  if (!blobs) return blobs.error();
  out.total_blob_count = *blobs;
  if (obj.contains("total_uncompressed_size")) {
    auto uncompressed = Count(obj, "total_uncompressed_size", true);
    if (!uncompressed) return uncompressed.error();
    out.total_uncompressed_size = *uncompressed;
  }
  auto ratio = Percent(obj, "compression_ratio", 0, 1e6);
  if (!ratio) return ratio.error();
  out.compression_ratio = *ratio;
  auto progress = Percent(obj, "compression_progress", 0, 100);
  if (!progress) return progress.error();
  out.compression_progress = *progress;
  auto saving = Percent(obj, "compression_space_saving", -100, 100);
  if (!saving) return saving.error();
  out.compression_space_saving = *saving;
  return out;
}

protocol::RepositoryStats MakeRepositoryStats(const StatsOutput& raw_data, const StatsOutput& restore_size) {
  // The wire keeps doubles at 1e-6 resolution; round here so the result
  // the agent stores is the one it would decode.
  const auto round = [](std::optional<double> d) -> std::optional<double> {
    if (!d) return d;
    return std::round(*d * 1e6) / 1e6;
  };
  protocol::RepositoryStats out;
  out.raw_data_bytes = raw_data.total_size;
  out.uncompressed_bytes = raw_data.total_uncompressed_size;
  out.compression_ratio = round(raw_data.compression_ratio);
  out.compression_progress = round(raw_data.compression_progress);
  out.compression_space_saving = round(raw_data.compression_space_saving);
  out.blobs = raw_data.total_blob_count;
  out.snapshots = raw_data.snapshots_count;
  out.restore_size_bytes = restore_size.total_size;
  out.restore_files = restore_size.total_file_count;
  out.restore_snapshots = restore_size.snapshots_count;
  return out;
}

}  // namespace rmgr::agent::runner
