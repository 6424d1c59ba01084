#include "server/store/sqlite/codec.h"

#include <boost/json.hpp>

namespace rmgr::store::sqlite {

int64_t ToUnixMs(TimePoint time) {
  return std::chrono::floor<std::chrono::milliseconds>(time.time_since_epoch()).count();
}

TimePoint FromUnixMs(int64_t ms) {
  return TimePoint(std::chrono::milliseconds(ms));
}

TimePoint TruncateToMs(TimePoint time) {
  return FromUnixMs(ToUnixMs(time));
}

std::string EncodeStringList(const std::vector<std::string>& items) {
  boost::json::array array;
  array.reserve(items.size());
  for (const auto& item : items) array.emplace_back(item);
  return boost::json::serialize(array);
}

std::optional<std::vector<std::string>> DecodeStringList(std::string_view json) {
  boost::system::error_code ec;
  const boost::json::value value = boost::json::parse(json, ec);
  if (ec || !value.is_array()) return std::nullopt;
  std::vector<std::string> out;
  out.reserve(value.get_array().size());
  for (const auto& item : value.get_array()) {
    if (!item.is_string()) return std::nullopt;
    out.emplace_back(item.get_string());
  }
  return out;
}

std::string EncodeStringMap(const std::map<std::string, std::string>& items) {
  boost::json::object object;
  object.reserve(items.size());
  for (const auto& [key, value] : items) object.emplace(key, value);
  return boost::json::serialize(object);
}

std::optional<std::map<std::string, std::string>> DecodeStringMap(std::string_view json) {
  boost::system::error_code ec;
  const boost::json::value value = boost::json::parse(json, ec);
  if (ec || !value.is_object()) return std::nullopt;
  std::map<std::string, std::string> out;
  for (const auto& [key, item] : value.get_object()) {
    if (!item.is_string()) return std::nullopt;
    out.emplace(std::string(key), std::string(item.get_string()));
  }
  return out;
}

}  // namespace rmgr::store::sqlite
