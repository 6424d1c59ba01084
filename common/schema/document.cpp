#include "common/schema/document.h"

#include <fmt/format.h>

namespace rmgr::schema {

Result<boost::json::value> ParseJson(std::string_view text, const ParseLimits& limits,
                                     boost::json::storage_ptr sp) {
  if (text.size() > limits.max_bytes) {
    return MakeError(ErrorCode::kTooLarge,
                     fmt::format("document of {} bytes exceeds the {} byte limit", text.size(), limits.max_bytes));
  }
  boost::json::parse_options options;
  options.max_depth = limits.max_depth;
  boost::json::error_code ec;
  auto value = boost::json::parse(boost::json::string_view(text.data(), text.size()), ec, std::move(sp), options);
  if (ec == boost::json::error::too_deep) {
    return MakeError(ErrorCode::kTooLarge, fmt::format("JSON nested deeper than {} levels", limits.max_depth));
  }
  if (ec) return MakeError(ErrorCode::kMalformed, fmt::format("invalid JSON: {}", ec.message()));
  return value;
}

}  // namespace rmgr::schema
