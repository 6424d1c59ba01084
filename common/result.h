#pragma once
// Result<T>: the return type for domain failures at module boundaries.
// GCC 12 has no std::expected; this is the small subset the project needs.
// Thread safety: a value type; no shared state.

#include <cassert>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

namespace rmgr {

//! Classes of domain failure. Callers switch on these (the HTTP layer maps
//! them to status codes), so add to the end and keep ToString in step.
enum class ErrorCode {
  kInvalidArgument,   ///< A value is syntactically fine but not acceptable.
  kMalformed,         ///< Input could not be parsed at all (bad JSON, bad cron).
  kUnknownType,       ///< A protocol envelope names a type we do not know.
  kMissingField,      ///< A required field is absent.
  kWrongType,         ///< A field has the wrong JSON type.
  kOutOfRange,        ///< A number or string is outside its allowed range.
  kTooLarge,          ///< Input exceeds a size limit.
  kUnknownField,      ///< A field that the type does not define.
  kNotFound,          ///< The addressed record does not exist.
  kConflict,          ///< A uniqueness rule was violated.
  kConstraint,        ///< A foreign-key / check constraint was violated.
  kBusy,              ///< The store stayed locked past its busy timeout.
  kSchemaTooNew,      ///< The database was written by a newer version.
  kUnauthenticated,   ///< No or bad credentials.
  kPermissionDenied,  ///< Credentials fine, action not allowed.
  kUnavailable,       ///< A peer or resource is not reachable now.
  kInternal,          ///< A bug or an unexpected failure underneath.
};

//! Stable snake_case name of an error code (used in logs and API errors).
std::string_view ToString(ErrorCode code);

//! A domain failure: what kind, a one-line human message, and the field it
//! concerns (empty when it concerns no single field).
struct Error {
  ErrorCode code = ErrorCode::kInternal;  ///< Class of failure.
  std::string message;                    ///< One line, no secrets.
  std::string field;                      ///< Offending field path, or empty.

  //! "code: message (field)" for logs and CLI output.
  std::string Describe() const;
};

//! Builds an Error in one expression: `return MakeError(ErrorCode::kNotFound, "no such host");`
inline Error MakeError(ErrorCode code, std::string message, std::string field = {}) {
  return Error{code, std::move(message), std::move(field)};
}

//! Either a T or an Error. Accessing the wrong alternative is a bug and asserts.
template <class T>
class [[nodiscard]] Result {
 public:
  using value_type = T;

  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT(google-explicit-constructor)

  //! True when the result holds a value.
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  //! The value; only valid when ok().
  T& value() & {
    assert(ok() && "Result::value() on an error");
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(ok() && "Result::value() on an error");
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(ok() && "Result::value() on an error");
    return std::get<0>(std::move(v_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  //! The error; only valid when !ok().
  const Error& error() const {
    assert(!ok() && "Result::error() on a value");
    return std::get<1>(v_);
  }

 private:
  std::variant<T, Error> v_;
};

//! Result without a value: success or an Error.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const {
    assert(!ok_ && "Result<void>::error() on success");
    return error_;
  }

 private:
  Error error_;
  bool ok_ = true;
};

//! The success value of Result<void>.
inline Result<void> Ok() { return {}; }

}  // namespace rmgr
