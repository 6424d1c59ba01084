#pragma once
// UTF-8 checks for text that goes into frames. JSON text must be valid UTF-8
// (the decoder rejects anything else), while restic's output and file names
// need not be; senders pass such text through SanitizeUtf8, and Encode does
// it for every string anyway.
// Thread safety: pure functions.

#include <cstddef>
#include <limits>
#include <string>
#include <string_view>

namespace rmgr::schema {

//! True when `text` is valid UTF-8 (RFC 3629: no overlong forms, no
//! surrogates, nothing above U+10FFFF).
bool IsValidUtf8(std::string_view text);

//! `text` as valid UTF-8 of at most `max_bytes`: each byte that does not
//! start a valid sequence becomes U+FFFD, and a cut never splits a character.
std::string SanitizeUtf8(std::string_view text,
                         std::size_t max_bytes = std::numeric_limits<std::size_t>::max());

//! The longest prefix of valid UTF-8 `text` that fits `max_bytes` without
//! splitting a character.
std::string_view Utf8Prefix(std::string_view text, std::size_t max_bytes);

}  // namespace rmgr::schema
