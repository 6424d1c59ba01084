// libFuzzer harness for the wire protocol decoder. For any input:
//  - Decode never crashes, leaks or trips a sanitizer;
//  - a frame that decodes re-encodes to a frame that decodes to the same
//    envelope, and re-encoding that is byte-identical (round-trip stability);
//  - Describe works on it and redacts;
//  - Encode of arbitrary bytes as text yields valid JSON (SanitizeUtf8).
// Built with -fsanitize=fuzzer under clang (RMGR_FUZZ=ON); the GCC build
// links replay_main.cpp instead and replays the committed corpus.

#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/protocol/envelope.h"
#include "common/schema/utf8.h"

namespace {

[[noreturn]] void Die(const char* what, std::string_view detail) {
  std::fprintf(stderr, "decode_fuzzer: %s\n%.*s\n", what, static_cast<int>(detail.size()), detail.data());
  std::abort();
}

void CheckRoundTrip(std::string_view input) {
  auto first = rmgr::protocol::Decode(input);
  if (!first.ok()) {
    if (first.error().code == rmgr::ErrorCode::kInternal) Die("decode reported an internal error", input);
    return;
  }
  const std::string encoded = rmgr::protocol::Encode(*first);
  auto second = rmgr::protocol::Decode(encoded);
  if (!second.ok()) Die("re-encoded frame does not decode", second.error().Describe() + "\n" + encoded);
  if (!(*second == *first)) Die("decode(encode(x)) != x", encoded);
  if (rmgr::protocol::Encode(*second) != encoded) Die("encoding is not a fixed point", encoded);
  (void)rmgr::protocol::Describe(*first, 256);
}

void CheckSanitize(std::string_view input) {
  const std::string text = rmgr::schema::SanitizeUtf8(input, 512);
  if (text.size() > 512 || !rmgr::schema::IsValidUtf8(text)) Die("SanitizeUtf8 output invalid", input);
  boost::json::error_code ec;
  (void)boost::json::parse(boost::json::serialize(boost::json::value(text)), ec);
  if (ec) Die("sanitised text does not survive JSON", text);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  CheckRoundTrip(input);
  CheckSanitize(input);
  return 0;
}
