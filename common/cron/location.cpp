#include "common/cron/location.h"

#include <date/tz.h>
#include <fmt/format.h>

#include <exception>
#include <limits>
#include <string>

#include "common/cron/cron_text.h"

namespace rmgr::cron {
namespace {

constexpr size_t kMaxZoneName = 255;

}  // namespace

Location Location::Fixed(std::chrono::seconds offset) {
  Location loc;
  loc.offset_ = offset.count();
  return loc;
}

Location Location::Zone(const date::time_zone& zone) {
  Location loc;
  loc.zone_ = &zone;
  return loc;
}

Result<Location> Location::Load(std::string_view name) {
  if (name.empty() || name == "UTC") return Utc();
  auto unknown = [&] {
    return MakeError(ErrorCode::kInvalidArgument, fmt::format("unknown time zone {}", Quote(name)),
                     "time_zone");
  };
  if (name.size() > kMaxZoneName) return unknown();
  try {
    return Zone(*date::locate_zone(std::string(name)));
  } catch (const std::exception&) {
    // date::locate_zone reports an unknown name (or an unreadable database) by throwing.
    return unknown();
  }
}

std::string Location::Name() const {
  if (zone_ != nullptr) return std::string(zone_->name());
  if (offset_ == 0) return "UTC";
  const std::int64_t abs = offset_ < 0 ? -offset_ : offset_;
  std::string out = fmt::format("{}{:02}:{:02}", offset_ < 0 ? '-' : '+', abs / 3600, abs / 60 % 60);
  if (abs % 60 != 0) out += fmt::format(":{:02}", abs % 60);
  return out;
}

std::chrono::seconds Location::OffsetAt(Seconds t) const {
  return std::chrono::seconds{PeriodAt(t.time_since_epoch().count()).offset};
}

Location::Period Location::PeriodAt(std::int64_t t) const {
  if (zone_ == nullptr) {
    return Period{std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max(),
                  offset_};
  }
  const auto info = zone_->get_info(date::sys_seconds{std::chrono::seconds{t}});
  return Period{info.begin.time_since_epoch().count(), info.end.time_since_epoch().count(),
                info.offset.count()};
}

Location::Instants Location::FromLocal(std::int64_t local) const {
  if (zone_ == nullptr) return Instants{1, local - offset_, 0};
  const auto info = zone_->get_info(date::local_seconds{std::chrono::seconds{local}});
  switch (info.result) {
    case date::local_info::unique:
      return Instants{1, local - info.first.offset.count(), 0};
    case date::local_info::ambiguous:
      return Instants{2, local - info.first.offset.count(), local - info.second.offset.count()};
    case date::local_info::nonexistent:
      return Instants{};
  }
  return Instants{};
}

std::string Location::Format(Seconds t) const {
  if (zone_ != nullptr) return FormatRfc3339(t, *zone_);
  return FormatRfc3339(t, std::chrono::duration_cast<std::chrono::minutes>(std::chrono::seconds{offset_}));
}

}  // namespace rmgr::cron
