#include "server/store/page_cursor.h"

#include <sodium.h>

#include <boost/json.hpp>
#include <charconv>

namespace rmgr::store {
namespace {

constexpr int kVariant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
// Far above any real key; bounds the work a hostile cursor can cause.
constexpr size_t kMaxCursorChars = 1024;

Error BadCursor() {
  return MakeError(ErrorCode::kInvalidArgument, "malformed or foreign page cursor", "cursor");
}

}  // namespace

std::string EncodeCursor(std::string_view listing, const std::vector<std::string>& keys) {
  boost::json::array array;
  array.emplace_back(listing);
  for (const auto& key : keys) array.emplace_back(key);
  const std::string json = boost::json::serialize(array);
  std::string out(sodium_base64_encoded_len(json.size(), kVariant), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(json.data()), json.size(),
                    kVariant);
  out.resize(out.find('\0'));
  return out;
}

Result<std::vector<std::string>> DecodeCursor(std::string_view cursor, std::string_view listing,
                                              size_t key_count) {
  if (cursor.empty() || cursor.size() > kMaxCursorChars) return BadCursor();
  std::string json(cursor.size(), '\0');
  size_t json_len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(json.data()), json.size(), cursor.data(),
                        cursor.size(), nullptr, &json_len, nullptr, kVariant) != 0) {
    return BadCursor();
  }
  json.resize(json_len);
  boost::system::error_code ec;
  const boost::json::value value = boost::json::parse(json, ec);
  if (ec || !value.is_array()) return BadCursor();
  const auto& array = value.get_array();
  if (array.size() != key_count + 1) return BadCursor();
  for (const auto& item : array) {
    if (!item.is_string()) return BadCursor();
  }
  if (array[0].get_string() != listing) return BadCursor();
  std::vector<std::string> keys;
  keys.reserve(key_count);
  for (size_t i = 1; i < array.size(); ++i) keys.emplace_back(array[i].get_string());
  return keys;
}

Result<int64_t> CursorInt(std::string_view key) {
  int64_t value = 0;
  const auto parsed = std::from_chars(key.data(), key.data() + key.size(), value);
  if (parsed.ec != std::errc() || parsed.ptr != key.data() + key.size()) return BadCursor();
  return value;
}

}  // namespace rmgr::store
