#include "common/update/agent_bundle.h"

#include <sodium.h>

#include <array>
#include <boost/json.hpp>

#include "common/update/release_version.h"

namespace rmgr::update {
namespace {

constexpr std::size_t kMaxManifestBytes = 4096;

std::string Hex(const unsigned char* bytes, std::size_t size) {
  std::string out(size * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), bytes, size);
  out.pop_back();
  return out;
}

bool IsSha256Hex(std::string_view text) {
  if (text.size() != 64) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string ManifestJson(const BundleManifest& m) {
  return boost::json::serialize(boost::json::object{{"version", m.version},
                                                    {"os", m.os},
                                                    {"arch", m.arch},
                                                    {"binary_sha256", m.binary_sha256},
                                                    {"binary_size", m.binary_size}});
}

Result<BundleManifest> ParseManifest(std::string_view text) {
  boost::system::error_code ec;
  const boost::json::value doc = boost::json::parse(text, ec);
  const auto* obj = ec ? nullptr : doc.if_object();
  if (obj == nullptr) return MakeError(ErrorCode::kMalformed, "the bundle's manifest is not a JSON object");
  BundleManifest m;
  for (auto [key, out] : {std::pair{"version", &m.version}, std::pair{"os", &m.os},
                          std::pair{"arch", &m.arch}, std::pair{"binary_sha256", &m.binary_sha256}}) {
    const auto* value = obj->if_contains(key);
    const auto* text_value = value != nullptr ? value->if_string() : nullptr;
    if (text_value == nullptr) {
      return MakeError(ErrorCode::kMalformed, std::string("the bundle's manifest has no ") + key, key);
    }
    *out = std::string(text_value->data(), text_value->size());
  }
  const auto* size = obj->if_contains("binary_size");
  if (size == nullptr || (!size->is_uint64() && !size->is_int64())) {
    return MakeError(ErrorCode::kMalformed, "the bundle's manifest has no binary_size", "binary_size");
  }
  m.binary_size = size->is_uint64() ? size->as_uint64() : static_cast<std::uint64_t>(size->as_int64());
  if (!IsReleaseVersion(m.version)) {
    return MakeError(ErrorCode::kInvalidArgument, "the bundle's version is not a release version", "version");
  }
  if (!IsSha256Hex(m.binary_sha256)) {
    return MakeError(ErrorCode::kInvalidArgument, "the bundle's binary_sha256 is not 64 hex digits");
  }
  return m;
}

}  // namespace

std::string Sha256Hex(std::string_view bytes) {
  std::array<unsigned char, crypto_hash_sha256_BYTES> digest{};
  crypto_hash_sha256(digest.data(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  return Hex(digest.data(), digest.size());
}

Result<std::string> PackBundle(BundleManifest manifest, std::string_view binary) {
  if (!IsReleaseVersion(manifest.version)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "not a release version (1-64 of [0-9A-Za-z.+-], no '..'): " + manifest.version,
                     "version");
  }
  if (binary.empty()) return MakeError(ErrorCode::kInvalidArgument, "the agent binary is empty", "binary");
  manifest.binary_sha256 = Sha256Hex(binary);
  manifest.binary_size = binary.size();
  std::string out;
  out.reserve(binary.size() + 256);
  out.append(kBundleMagic).append("\n").append(ManifestJson(manifest)).append("\n").append(binary);
  if (out.size() > kMaxBundleBytes) return MakeError(ErrorCode::kTooLarge, "the bundle would exceed 1 GiB");
  return out;
}

Result<OpenedBundle> OpenBundle(std::string_view bundle) {
  const std::size_t magic_end = bundle.find('\n');
  if (magic_end == std::string_view::npos || bundle.substr(0, magic_end) != kBundleMagic) {
    return MakeError(ErrorCode::kMalformed,
                     "not an agent bundle (no '" + std::string(kBundleMagic) + "' line)");
  }
  const std::size_t manifest_end = bundle.find('\n', magic_end + 1);
  if (manifest_end == std::string_view::npos || manifest_end - magic_end - 1 > kMaxManifestBytes) {
    return MakeError(ErrorCode::kMalformed, "the bundle's manifest line is missing or too long");
  }
  auto manifest = ParseManifest(bundle.substr(magic_end + 1, manifest_end - magic_end - 1));
  if (!manifest) return manifest.error();
  const std::string_view binary = bundle.substr(manifest_end + 1);
  if (binary.size() != manifest->binary_size) {
    return MakeError(ErrorCode::kMalformed, "the bundle's executable has " + std::to_string(binary.size()) +
                                                " bytes, its manifest says " +
                                                std::to_string(manifest->binary_size));
  }
  if (Sha256Hex(binary) != manifest->binary_sha256) {
    return MakeError(ErrorCode::kMalformed, "the bundle's executable does not match its manifest's SHA-256");
  }
  return OpenedBundle{std::move(*manifest), manifest_end + 1};
}

}  // namespace rmgr::update
