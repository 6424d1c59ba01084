#include "server/api/window_handlers.h"

#include <algorithm>
#include <set>

#include "server/api/api_support.h"
#include "server/views/json_views.h"
#include "server/scheduling/window_record.h"
#include "server/store/page_cursor.h"

namespace rmgr::server::api {

using namespace views;  // NOLINT(google-build-using-namespace): the JSON views of store records
namespace {

namespace beast_http = http::beast_http;
using scheduling::Window;

constexpr std::string_view kWindowListing = "windows";
//! The range when the request names no `from`: a week before `to`.
constexpr std::chrono::days kDefaultSpan{7};

//! A windows request: slots in [from, to), at most `limit` slot instants per page.
struct WindowQuery {
  TimePoint from;
  TimePoint to;
  int limit = store::kDefaultPageLimit;
};

int64_t UnixMs(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

// from / to (RFC 3339; to defaults to now and never passes it, from to a
// week before to), limit (1..500) and cursor (the slot the last page ended
// at: the next page lists slots before it).
Result<WindowQuery> QueryOf(const ApiRequest& req, TimePoint now) {
  auto from = TimeParam(req, "from");
  if (!from) return from.error();
  auto to = TimeParam(req, "to");
  if (!to) return to.error();
  auto limit = req.QueryInt("limit", 1, store::kMaxPageLimit);
  if (!limit) return limit.error();
  WindowQuery query;
  query.to = std::min(to->value_or(now), now);  // a window after now has not happened yet
  query.from = from->value_or(query.to - kDefaultSpan);
  query.limit = static_cast<int>(limit->value_or(store::kDefaultPageLimit));
  if (query.from >= query.to) {
    return MakeError(ErrorCode::kInvalidArgument, "from must be before to (and before now)", "from");
  }
  if (auto cursor = req.Query("cursor"); cursor && !cursor->empty()) {
    auto keys = store::DecodeCursor(*cursor, kWindowListing, 1);
    if (!keys) return keys.error();
    auto ms = store::CursorInt(keys->front());
    if (!ms) return ms.error();
    query.to = std::min(query.to, TimePoint{std::chrono::milliseconds{*ms}});
  }
  return query;
}

std::string CursorAt(TimePoint slot) {
  return store::EncodeCursor(kWindowListing, {std::to_string(UnixMs(slot))});
}

boost::json::object WindowJson(const Window& w) {
  return boost::json::object{{"schedule_id", w.schedule_id},
                             {"slot", TimeJson(w.slot)},
                             {"source_group_id", w.source_group_id ? boost::json::value(*w.source_group_id) : nullptr},
                             {"outcome", ToString(w.outcome)},
                             {"job_id", w.job_id ? boost::json::value(*w.job_id) : nullptr},
                             {"reason", TextOrNull(w.reason)}};
}

//! One page of windows, newest slot first.
struct WindowsPage {
  std::vector<Window> items;
  std::string next_cursor;
};

// The slots of `schedule` for the query (a stored cron that no longer
// parses is the server's problem, not the caller's).
Result<scheduling::SlotPage> SlotsOf(const store::Schedule& schedule, const WindowQuery& query) {
  auto slots = scheduling::ScheduleSlots(schedule, query.from, query.to, query.limit);
  if (!slots) return MakeError(ErrorCode::kInternal, slots.error().message);
  return slots;
}

// The windows of `slots` (newest first, not empty) of one schedule.
Result<std::vector<Window>> WindowsOf(store::ReadTx& tx, const store::Schedule& schedule,
                                      std::span<const TimePoint> slots, TimePoint now) {
  const auto [from, to] = scheduling::RecordRange(schedule, slots);
  auto record = tx.GetWindowRecord(schedule.id, from, to);
  if (!record) return record.error();
  return scheduling::ClassifyWindows(*record, slots, now);
}

Result<WindowsPage> SchedulePage(store::ReadTx& tx, const std::string& id, const WindowQuery& query, TimePoint now) {
  auto schedule = tx.GetScheduleById(id);
  if (!schedule) return schedule.error();
  auto slots = SlotsOf(*schedule, query);
  if (!slots) return slots.error();
  WindowsPage page;
  if (slots->next_to) page.next_cursor = CursorAt(*slots->next_to);
  if (slots->slots.empty()) return page;
  auto windows = WindowsOf(tx, *schedule, slots->slots, now);
  if (!windows) return windows.error();
  page.items = std::move(*windows);
  return page;
}

// All the host's schedules merged: a page holds the newest `limit` slot
// instants of any of them, with every window at those instants.
Result<WindowsPage> HostPage(store::ReadTx& tx, const std::string& host_id, const WindowQuery& query, TimePoint now) {
  if (auto host = tx.GetHost(host_id); !host) return host.error();
  auto schedules = tx.ListSchedulesByHost(host_id);
  if (!schedules) return schedules.error();
  std::vector<scheduling::SlotPage> pages;
  std::set<TimePoint, std::greater<>> instants;
  bool more = false;
  for (const auto& schedule : *schedules) {
    auto slots = SlotsOf(schedule, query);
    if (!slots) return slots.error();
    more = more || slots->next_to.has_value();
    instants.insert(slots->slots.begin(), slots->slots.end());
    pages.push_back(std::move(*slots));
  }
  WindowsPage page;
  if (instants.empty()) return page;
  // Each schedule listed `limit` slots, so the newest `limit` instants of all
  // of them miss none of any: what a schedule left out is older still.
  if (instants.size() > static_cast<size_t>(query.limit)) {
    instants.erase(std::next(instants.begin(), query.limit), instants.end());
    more = true;
  }
  const TimePoint oldest = *instants.rbegin();
  if (more) page.next_cursor = CursorAt(oldest);
  for (size_t i = 0; i < schedules->size(); ++i) {
    std::vector<TimePoint> slots;
    for (const TimePoint slot : pages[i].slots) {
      if (slot >= oldest) slots.push_back(slot);
    }
    if (slots.empty()) continue;
    auto windows = WindowsOf(tx, (*schedules)[i], slots, now);
    if (!windows) return windows.error();
    page.items.insert(page.items.end(), windows->begin(), windows->end());
  }
  std::stable_sort(page.items.begin(), page.items.end(),
                   [](const Window& a, const Window& b) { return a.slot > b.slot; });
  return page;
}

template <class PageFn>
http::Response ListWindows(ApiRequest& req, ApiDeps& deps, PageFn&& page_fn) {
  const TimePoint now = deps.now();
  auto query = QueryOf(req, now);
  if (!query) return ApiError(query.error());
  auto page = deps.store.Read(
      [&](store::ReadTx& tx) -> Result<WindowsPage> { return page_fn(tx, req.Param("id"), *query, now); });
  if (!page) return ApiError(page.error());
  boost::json::array items;
  items.reserve(page->items.size());
  for (const auto& window : page->items) items.emplace_back(WindowJson(window));
  return ListResponse(std::move(items), page->next_cursor);
}

}  // namespace

void RegisterWindowRoutes(ApiRoutes& routes, ApiDeps& deps) {
  routes.Add(beast_http::verb::get, "/schedules/{id}/windows", Role::kViewer,
             "What happened in each window (slot × source group) of a schedule, newest first",
             [&deps](ApiRequest& req) { return ListWindows(req, deps, SchedulePage); });
  routes.Add(beast_http::verb::get, "/hosts/{id}/windows", Role::kViewer,
             "What happened in each window of every schedule of a host, newest first",
             [&deps](ApiRequest& req) { return ListWindows(req, deps, HostPage); });
}

}  // namespace rmgr::server::api
