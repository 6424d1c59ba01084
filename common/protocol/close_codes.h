#pragma once
// WebSocket close codes of the agent connection (RFC 6455 leaves 4000-4999
// to applications). The server closes with one of these when it wants the
// agent to react to the reason, not just reconnect; the close reason text
// carries the same words for logs. Any other code means "reconnect with
// backoff".
// Thread safety: constants only.

#include <cstdint>
#include <string_view>

namespace rmgr::protocol {

//! The host was deleted on the server; the agent stops and must be enrolled again.
inline constexpr std::uint16_t kCloseHostDeleted = 4001;
//! Another agent installation (another install_id) uses this host token; the agent stops.
inline constexpr std::uint16_t kCloseDuplicateInstall = 4002;
//! The server could not process the hello; the agent retries with its backoff.
inline constexpr std::uint16_t kCloseHelloFailed = 4003;

//! Plain-words meaning of one of the codes above; empty for any other code.
constexpr std::string_view CloseCodeMeaning(std::uint16_t code) {
  switch (code) {
    case kCloseHostDeleted:
      return "the host was deleted on the server; enroll again";
    case kCloseDuplicateInstall:
      return "another agent installation uses this host token";
    case kCloseHelloFailed:
      return "the server could not process hello; retrying with backoff";
    default:
      return {};
  }
}

}  // namespace rmgr::protocol
