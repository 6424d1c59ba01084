#include "common/protocol/envelope.h"

#include <fmt/format.h>

#include <array>
#include <cstddef>
#include <exception>
#include <new>
#include <optional>
#include <ostream>
#include <utility>

#include "common/schema/document.h"
#include "common/schema/utf8.h"
#include "common/protocol/wire_schema.h"

namespace rmgr::protocol {
namespace {

namespace json = boost::json;
using schema::Failure;
using schema::Path;

template <std::size_t... I>
constexpr std::array<std::string_view, sizeof...(I)> MakeTypeNames(std::index_sequence<I...>) {
  return {std::variant_alternative_t<I, Payload>::kType...};
}
constexpr auto kTypeNames = MakeTypeNames(std::make_index_sequence<std::variant_size_v<Payload>>{});
constexpr std::array<std::string_view, 3> kEnvelopeFields{"type", "id", "payload"};

// One factory per alternative, indexed like kTypeNames.
template <std::size_t... I>
constexpr std::array<Payload (*)(), sizeof...(I)> MakeFactories(std::index_sequence<I...>) {
  return {+[] { return Payload(std::in_place_index<I>); }...};
}
constexpr auto kFactories = MakeFactories(std::make_index_sequence<kTypeNames.size()>{});

// An empty Payload alternative named `type`, or nothing.
std::optional<Payload> MakePayload(std::string_view type) {
  for (std::size_t i = 0; i < kTypeNames.size(); ++i) {
    if (kTypeNames[i] == type) return kFactories[i]();
  }
  return std::nullopt;
}

// Small frames parse and serialise without touching the heap for the JSON tree.
constexpr std::size_t kArenaBytes = 4096;

constexpr schema::Text kEnvelopeId{.min = 0, .max = 26, .shape = &IsUlid, .shape_name = "a ULID"};
constexpr schema::Text kTypeText{.min = 0, .max = limits::kMaxFrameBytes};

std::string Serialize(const Envelope& envelope, bool redact) {
  alignas(std::max_align_t) unsigned char arena_buffer[kArenaBytes];
  json::monotonic_resource arena(arena_buffer, sizeof arena_buffer);
  json::object frame(&arena);
  frame.reserve(kEnvelopeFields.size());
  schema::Writer writer(frame, redact);
  writer("type", TypeName(envelope.payload), kTypeText);
  writer("id", envelope.id, kEnvelopeId);
  std::visit([&](const auto& payload) { writer("payload", payload); }, envelope.payload);
  return json::serialize(frame);
}

Result<Envelope> DecodeFrame(std::string_view frame, const DecodeLimits& limits) {
  alignas(std::max_align_t) unsigned char arena_buffer[kArenaBytes];
  json::monotonic_resource arena(arena_buffer, sizeof arena_buffer);
  auto parsed = schema::ParseJson(frame, schema::ParseLimits{limits.max_frame_bytes, limits.max_depth}, &arena);
  if (!parsed) return parsed.error();
  const json::value& root = *parsed;
  const json::object* obj = root.if_object();
  if (obj == nullptr) return MakeError(ErrorCode::kWrongType, "a frame must be a JSON object");

  Failure failure;
  const Path root_path;
  schema::Reader reader(*obj, root_path, failure);
  std::string type;
  Envelope envelope;
  reader("type", type, kTypeText);
  reader("id", envelope.id, kEnvelopeId);
  if (failure) return std::move(*failure);
  std::optional<Payload> payload = MakePayload(type);
  if (!payload) {
    return MakeError(ErrorCode::kUnknownType,
                     fmt::format("unknown message type \"{}\"", schema::Printable(type)), "type");
  }
  std::visit([&](auto& p) { reader("payload", p); }, *payload);
  if (!failure && reader.matched() != obj->size()) {
    schema::FailUnknownField(*obj, kEnvelopeFields, root_path, failure);
  }
  if (failure) return std::move(*failure);
  envelope.payload = std::move(*payload);
  return envelope;
}

}  // namespace

std::string_view TypeName(const Payload& payload) {
  return kTypeNames[payload.index()];
}

std::span<const std::string_view> TypeNames() {
  return kTypeNames;
}

std::string Encode(const Envelope& envelope) {
  return Serialize(envelope, /*redact=*/false);
}

Result<Envelope> Decode(std::string_view frame, const DecodeLimits& limits) {
  // Nothing below is expected to throw but allocation; keep the promise anyway.
  try {
    return DecodeFrame(frame, limits);
  } catch (const std::bad_alloc&) {
    return MakeError(ErrorCode::kInternal, "out of memory while decoding a frame");
  } catch (const std::exception& e) {
    return MakeError(ErrorCode::kInternal, fmt::format("decoding failed: {}", e.what()));
  } catch (...) {
    return MakeError(ErrorCode::kInternal, "decoding failed");
  }
}

Result<void> Validate(const Envelope& envelope) {
  try {
    auto decoded = Decode(Encode(envelope));
    if (!decoded.ok()) return decoded.error();
    return Ok();
  } catch (const std::bad_alloc&) {
    return MakeError(ErrorCode::kInternal, "out of memory while encoding a frame");
  }
}

std::string Describe(const Envelope& envelope, std::size_t max_bytes) {
  std::string text = Serialize(envelope, /*redact=*/true);
  if (text.size() <= max_bytes) return text;
  const std::size_t total = text.size();
  text.resize(schema::Utf8Prefix(text, max_bytes).size());
  text += fmt::format("...(+{} bytes)", total - text.size());
  return text;
}

std::ostream& operator<<(std::ostream& os, const Envelope& envelope) {
  return os << Describe(envelope);
}

}  // namespace rmgr::protocol
