#pragma once
// Shapes of text that the schema codec checks through Text::shape: restic
// tags, durations, data subsets, snapshot ids, zone and env names. Shared by
// the wire protocol and the REST API so both accept exactly the same values.
// Each sees non-empty text only (Text::min handles emptiness).
// Thread safety: pure functions.

#include <string_view>

namespace rmgr::schema {

//! restic snapshot ids: lower-case hex.
bool IsLowerHex(std::string_view text);
//! restic --tag values: no commas, no control characters.
bool IsTag(std::string_view text);
//! Environment variable names: [A-Za-z_][A-Za-z0-9_]*.
bool IsEnvName(std::string_view text);
//! IANA zone names: letters, digits, _ + - /.
bool IsZoneName(std::string_view text);
//! --keep-within durations: ([0-9]+[ymdh])+.
bool IsResticDuration(std::string_view text);
//! --read-data-subset values: n/t, p%, p.q% or a size with an optional unit.
bool IsDataSubset(std::string_view text);
//! Absolute paths: start with '/'.
bool IsAbsolutePath(std::string_view text);
//! One line: no control characters (newline, NUL, ...).
bool IsSingleLine(std::string_view text);

}  // namespace rmgr::schema
