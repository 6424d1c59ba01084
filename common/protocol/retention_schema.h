#pragma once
// The wire rules of a restic forget policy (protocol::Retention), public
// because the REST API reads the retention policies of schedules and run-now
// jobs with exactly these rules into this one type: what the API accepts and
// stores is what command.run carries.
// Thread safety: constants and stateless templates.

#include "common/protocol/limits.h"
#include "common/protocol/messages.h"
#include "common/schema/field_codec.h"
#include "common/schema/text_shapes.h"

namespace rmgr::protocol {
namespace detail {

inline constexpr schema::Text kTag{.min = 1,
                                   .max = limits::kMaxNameBytes,
                                   .shape = &schema::IsTag,
                                   .shape_name = "a tag without commas"};
inline constexpr schema::List kTags{limits::kMaxTags, kTag};
inline constexpr schema::Int kKeep{.min = 1, .max = limits::kMaxKeepCount};

}  // namespace detail

//! Field list of Retention. keep_tags and prune may be left out (read as
//! none and false); they are always written.
template <class F>
void Fields(F& f, schema::Is<Retention> auto& s) {
  f("keep_last", s.keep_last, detail::kKeep);
  f("keep_hourly", s.keep_hourly, detail::kKeep);
  f("keep_daily", s.keep_daily, detail::kKeep);
  f("keep_weekly", s.keep_weekly, detail::kKeep);
  f("keep_monthly", s.keep_monthly, detail::kKeep);
  f("keep_yearly", s.keep_yearly, detail::kKeep);
  f("keep_within", s.keep_within,
    schema::Text{.min = 1, .max = 64, .shape = &schema::IsResticDuration, .shape_name = "a duration like 1y6m7d"});
  f("keep_tags", s.keep_tags, schema::OrDefault{detail::kTags});
  f("prune", s.prune, schema::OrDefault{});
}

//! True when at least one keep_* rule is set (restic forget needs one).
inline bool HasKeepRule(const Retention& r) {
  return r.keep_last || r.keep_hourly || r.keep_daily || r.keep_weekly || r.keep_monthly || r.keep_yearly ||
         r.keep_within || !r.keep_tags.empty();
}

}  // namespace rmgr::protocol
