#pragma once
// The schema codec: strict JSON reading and writing of plain structs that
// declare their fields once. Used by the wire protocol (common/protocol) and
// the REST API (server/api) so both reject bad input the same way.
//
// Every message is described once, as a field list (wire_schema.h):
//
//   template <class F> void Fields(F& f, Is<Ping> auto& s) {
//     f("nonce", s.nonce, kNonce);   // name, member, rule
//     f("sent_at", s.sent_at);       // no rule beyond the type
//   }
//
// and three visitors walk that list: Reader (strict decode into the
// struct), Writer (encode to Boost.JSON) and NameCollector (the field names,
// for unknown-field errors). The member's C++ type decides the JSON type;
// the rule adds lengths, ranges and shapes. std::optional members are
// optional fields; a rule wrapped in OrDefault lets a plain member be left
// out (it keeps its default); f.Expect(...) states a rule across fields that only the
// Reader checks.
// Thread safety: visitors are single-use stack objects.

#include <boost/json.hpp>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "common/schema/schema_limits.h"
#include "common/schema/secret.h"
#include "common/schema/utf8.h"
#include "common/result.h"
#include "common/util/time_format.h"

namespace rmgr::schema {

namespace json = boost::json;

// ---------------------------------------------------------------- rules

//! Rule for a string (or Secret) member.
struct Text {
  std::size_t min = 0;                        ///< Fewest bytes; 0 allows empty.
  std::size_t max = kDefaultMaxTextBytes;    ///< Most bytes.
  bool (*shape)(std::string_view) = nullptr;  ///< Extra check of non-empty text, or none.
  std::string_view shape_name = {};           ///< What `shape` wants, for errors ("a ULID").
  bool cut_on_encode = false;                 ///< Display-only text: Encode truncates to max.
};

//! Rule for an integer member (any width; the range must fit the member).
struct Int {
  std::int64_t min = 0;                  ///< Smallest value.
  std::int64_t max = kMaxCount;  ///< Largest value.
};

//! Rule for a double member. Boost.JSON 1.81's parser is not correctly
//! rounded (about 1 in 6 shortest-form doubles come back 1 ulp off), so the
//! Reader rounds to multiples of 1/scale; that makes decode∘encode stable.
struct Real {
  double min = 0;      ///< Smallest value.
  double max = 1;      ///< Largest value.
  double scale = 1e6;  ///< Resolution is 1/scale.
};

//! No rule beyond the member's type (bool, enum, time, nested message).
struct Plain {};

//! Rule for a std::vector member: item count and the items' rule.
template <class Elem>
struct List {
  std::size_t max_items = 0;   ///< Most items.
  Elem elem{};                 ///< Rule of each item.
  bool cut_on_encode = false;  ///< Display-only list: Encode keeps the first max_items.
};
template <class Elem>
List(std::size_t, Elem) -> List<Elem>;
template <class Elem>
List(std::size_t, Elem, bool) -> List<Elem>;

//! Rule for a std::map<std::string, V> member (a JSON object with free keys).
template <class Elem>
struct Map {
  std::size_t max_items = 0;  ///< Most entries.
  Text key;                   ///< Rule of each key.
  Elem elem{};                ///< Rule of each value.
};
template <class Elem>
Map(std::size_t, Text, Elem) -> Map<Elem>;

//! Rule of a non-optional member that a sender may leave out: absent, it
//! keeps its default value when read; it is always written.
template <class Rule = Plain>
struct OrDefault {
  Rule rule{};  ///< Rule of the value when present.
};
template <class Rule>
OrDefault(Rule) -> OrDefault<Rule>;

//! `Is<T> auto& s` accepts T and const T: one field list serves reading and writing.
template <class S, class T>
concept Is = std::same_as<std::remove_const_t<S>, T>;

template <class T>
inline constexpr bool kIsOptional = false;
template <class T>
inline constexpr bool kIsOptional<std::optional<T>> = true;
template <class T>
inline constexpr bool kIsVector = false;
template <class T>
inline constexpr bool kIsVector<std::vector<T>> = true;
template <class T>
inline constexpr bool kIsMap = false;
template <class T>
inline constexpr bool kIsMap<std::map<std::string, T>> = true;
template <class T>
inline constexpr bool kNoWireForm = false;

// ---------------------------------------------------------------- paths and errors

//! Where a value sits in the frame; a chain of stack nodes, rendered only on error.
struct Path {
  const Path* parent = nullptr;  ///< Enclosing value; null for the frame itself.
  std::string_view key;          ///< Field name or map key; empty for a list item.
  std::size_t index = 0;         ///< List index when key is empty.

  //! "payload.schedules[2].cron"; "" for the frame itself.
  std::string Render() const;
};

//! The first error of a decode; once set, every visitor step is a no-op.
using Failure = std::optional<Error>;

//! `text` cut to 64 bytes with anything but printable ASCII as '?': safe to echo in an error.
std::string Printable(std::string_view text);

//! Records an error at `path` unless one is already recorded.
void Fail(Failure& failure, ErrorCode code, const Path& path, std::string message);

//! Collects the field names of a message.
class NameCollector {
 public:
  //! Records `name`.
  template <class T, class Rule = Plain>
  void operator()(std::string_view name, const T& /*member*/, const Rule& /*rule*/ = {}) {
    names_.push_back(name);
  }
  //! Cross-field rules are not names.
  void Expect(bool, ErrorCode, std::string_view, std::string_view) {}
  //! Names seen, in schema order.
  std::span<const std::string_view> names() const { return names_; }

 private:
  std::vector<std::string_view> names_;
};

//! A struct with a field list.
template <class T>
concept Record = requires(NameCollector& f, const T& t) {
  Fields(f, t);
};

// ---------------------------------------------------------------- reading

// Non-template steps (field_codec.cpp). Each returns false after recording an error.
const json::object* AsObject(const json::value& v, const Path& path, Failure& failure);
const json::array* AsList(const json::value& v, std::size_t max_items, const Path& path, Failure& failure);
const json::object* AsMap(const json::value& v, std::size_t max_items, const Path& path, Failure& failure);
bool CheckText(std::string_view text, const Text& rule, const Path& path, Failure& failure);
bool ReadText(const json::value& v, const Text& rule, const Path& path, Failure& failure, std::string& out);
bool ReadBool(const json::value& v, const Path& path, Failure& failure, bool& out);
bool ReadInt(const json::value& v, const Int& rule, const Path& path, Failure& failure, std::int64_t& out);
bool ReadReal(const json::value& v, const Real& rule, const Path& path, Failure& failure, double& out);
bool ReadTime(const json::value& v, const Path& path, Failure& failure, TimePoint& out);
bool ReadEnumName(const json::value& v, const Path& path, Failure& failure, std::string_view& out);
void FailEnum(std::string_view text, const Path& path, Failure& failure);
void FailUnknownField(const json::object& obj, std::span<const std::string_view> known, const Path& path,
                      Failure& failure);

template <class T, class Rule>
void ReadValue(const json::value& v, T& out, const Rule& rule, const Path& path, Failure& failure);

//! Reads the fields of one JSON object into a struct, then rejects unknown fields.
class Reader {
 public:
  //! Reads from `obj`, located at `path`; errors go to `failure`.
  Reader(const json::object& obj, const Path& path, Failure& failure)
      : obj_(obj), path_(path), failure_(failure) {}

  //! Reads field `name` into `out` under `rule`.
  template <class T, class Rule = Plain>
  void operator()(std::string_view name, T& out, const Rule& rule = {}) {
    if (failure_) return;
    const Path path{&path_, name};
    const json::value* v = obj_.if_contains(name);
    if constexpr (kIsOptional<T>) {
      if (v == nullptr) {
        out.reset();
        return;
      }
      ++matched_;
      ReadValue(*v, out.emplace(), rule, path, failure_);
    } else {
      if (v == nullptr) {
        Fail(failure_, ErrorCode::kMissingField, path, "required field is missing");
        return;
      }
      ++matched_;
      ReadValue(*v, out, rule, path, failure_);
    }
  }

  //! Reads field `name` into `out` when present; absent, `out` keeps its value.
  template <class T, class Rule>
  void operator()(std::string_view name, T& out, const OrDefault<Rule>& rule) {
    if (obj_.if_contains(name) != nullptr) (*this)(name, out, rule.rule);
  }

  //! A rule across fields: when `ok` is false, fails with `code` at field `name`.
  void Expect(bool ok, ErrorCode code, std::string_view name, std::string_view message) {
    if (failure_ || ok) return;
    Fail(failure_, code, Path{&path_, name}, std::string(message));
  }

  //! How many of the object's fields were read.
  std::size_t matched() const { return matched_; }

 private:
  const json::object& obj_;
  const Path& path_;
  Failure& failure_;
  std::size_t matched_ = 0;
};

//! Reads one JSON object into message struct `out`, strictly.
template <class T>
void ReadRecord(const json::object& obj, T& out, const Path& path, Failure& failure) {
  Reader reader(obj, path, failure);
  Fields(reader, out);
  if (failure || reader.matched() == obj.size()) return;
  NameCollector known;
  Fields(known, std::as_const(out));
  FailUnknownField(obj, known.names(), path, failure);
}

//! Reads JSON value `v` into `out` under `rule`.
template <class T, class Rule>
void ReadValue(const json::value& v, T& out, const Rule& rule, const Path& path, Failure& failure) {
  if constexpr (std::is_same_v<T, std::string>) {
    ReadText(v, rule, path, failure, out);
  } else if constexpr (std::is_same_v<T, Secret>) {
    std::string text;
    if (ReadText(v, rule, path, failure, text)) out = Secret(std::move(text));
  } else if constexpr (std::is_same_v<T, bool>) {
    ReadBool(v, path, failure, out);
  } else if constexpr (std::is_integral_v<T>) {
    assert(std::in_range<T>(rule.min) && std::in_range<T>(rule.max) && "Int rule wider than the member");
    std::int64_t n = 0;
    if (ReadInt(v, rule, path, failure, n)) out = static_cast<T>(n);
  } else if constexpr (std::is_same_v<T, double>) {
    ReadReal(v, rule, path, failure, out);
  } else if constexpr (std::is_enum_v<T>) {
    std::string_view name;
    if (ReadEnumName(v, path, failure, name) && !FromWireString(name, out)) FailEnum(name, path, failure);
  } else if constexpr (std::is_same_v<T, TimePoint>) {
    ReadTime(v, path, failure, out);
  } else if constexpr (kIsVector<T>) {
    const json::array* items = AsList(v, rule.max_items, path, failure);
    if (items == nullptr) return;
    out.clear();
    out.reserve(items->size());
    for (std::size_t i = 0; i < items->size() && !failure; ++i) {
      const Path item{&path, {}, i};
      ReadValue((*items)[i], out.emplace_back(), rule.elem, item, failure);
    }
  } else if constexpr (kIsMap<T>) {
    const json::object* entries = AsMap(v, rule.max_items, path, failure);
    if (entries == nullptr) return;
    out.clear();
    for (const auto& entry : *entries) {
      const std::string_view key(entry.key().data(), entry.key().size());
      const Path item{&path, key};
      if (!CheckText(key, rule.key, item, failure)) return;
      ReadValue(entry.value(), out[std::string(key)], rule.elem, item, failure);
      if (failure) return;
    }
  } else if constexpr (Record<T>) {
    const json::object* obj = AsObject(v, path, failure);
    if (obj != nullptr) ReadRecord(*obj, out, path, failure);
  } else {
    static_assert(kNoWireForm<T>, "member type has no wire form");
  }
}

// ---------------------------------------------------------------- writing

// Non-template steps (field_codec.cpp).
json::value WriteText(std::string_view text, std::size_t max_bytes, const json::storage_ptr& sp);
json::value WriteTime(TimePoint t, const json::storage_ptr& sp);
json::value WriteReal(double d, const json::storage_ptr& sp);

template <class T, class Rule>
json::value WriteValue(const T& value, const Rule& rule, bool redact, const json::storage_ptr& sp);

//! Writes the fields of a struct into one JSON object.
class Writer {
 public:
  //! Writes into `obj`; with `redact`, every Secret becomes "<redacted>".
  Writer(json::object& obj, bool redact) : obj_(obj), redact_(redact) {}

  //! Writes field `name` (omitted when an optional member is empty).
  template <class T, class Rule = Plain>
  void operator()(std::string_view name, const T& value, const Rule& rule = {}) {
    if constexpr (kIsOptional<T>) {
      if (!value) return;
      obj_.emplace(name, WriteValue(*value, rule, redact_, obj_.storage()));
    } else {
      obj_.emplace(name, WriteValue(value, rule, redact_, obj_.storage()));
    }
  }

  //! Writes field `name` (a defaulted field is written like any other).
  template <class T, class Rule>
  void operator()(std::string_view name, const T& value, const OrDefault<Rule>& rule) {
    (*this)(name, value, rule.rule);
  }

  //! Cross-field rules are the reader's business.
  void Expect(bool, ErrorCode, std::string_view, std::string_view) {}

 private:
  json::object& obj_;
  bool redact_;
};

//! The JSON form of `value` under `rule`.
template <class T, class Rule>
json::value WriteValue(const T& value, const Rule& rule, bool redact, const json::storage_ptr& sp) {
  constexpr std::size_t kNoCut = std::numeric_limits<std::size_t>::max();
  if constexpr (std::is_same_v<T, std::string> || std::is_same_v<T, std::string_view>) {
    return WriteText(value, rule.cut_on_encode ? rule.max : kNoCut, sp);
  } else if constexpr (std::is_same_v<T, Secret>) {
    return WriteText(redact ? Secret::kRedacted : std::string_view{value.Reveal()}, kNoCut, sp);
  } else if constexpr (std::is_same_v<T, bool>) {
    return json::value(value, sp);
  } else if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) {
    return json::value(static_cast<std::int64_t>(value), sp);
  } else if constexpr (std::is_integral_v<T>) {
    return json::value(static_cast<std::uint64_t>(value), sp);
  } else if constexpr (std::is_same_v<T, double>) {
    return WriteReal(value, sp);
  } else if constexpr (std::is_enum_v<T>) {
    assert(IsWire(value) && "a server-only value must not be written on the wire");
    return WriteText(ToString(value), kNoCut, sp);
  } else if constexpr (std::is_same_v<T, TimePoint>) {
    return WriteTime(value, sp);
  } else if constexpr (kIsVector<T>) {
    const std::size_t count =
        rule.cut_on_encode && value.size() > rule.max_items ? rule.max_items : value.size();
    json::array items(sp);
    items.reserve(count);
    for (std::size_t i = 0; i < count; ++i) items.push_back(WriteValue(value[i], rule.elem, redact, sp));
    return items;
  } else if constexpr (kIsMap<T>) {
    json::object entries(sp);
    for (const auto& [key, item] : value) {
      entries.emplace(SanitizeUtf8(key), WriteValue(item, rule.elem, redact, sp));
    }
    return entries;
  } else if constexpr (Record<T>) {
    json::object obj(sp);
    Writer writer(obj, redact);
    Fields(writer, value);
    return obj;
  } else {
    static_assert(kNoWireForm<T>, "member type has no wire form");
  }
}

}  // namespace rmgr::schema
