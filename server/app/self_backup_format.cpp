#include "server/app/self_backup_format.h"

#include <sodium.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cerrno>
#include <cstring>
#include <limits>
#include <vector>

namespace rmgr::server {
namespace {

namespace json = boost::json;

constexpr std::size_t kReadChunk = 1 << 20;
constexpr std::size_t kMaxParts = 16;

std::string Hex(const unsigned char* bytes, std::size_t size) {
  std::string out(size * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), bytes, size);
  out.pop_back();
  return out;
}

// Exactly `size` bytes from hex, or false.
bool FromHex(std::string_view hex, unsigned char* out, std::size_t size) {
  std::size_t written = 0;
  const char* end = nullptr;
  return hex.size() == size * 2 &&
         sodium_hex2bin(out, size, hex.data(), hex.size(), nullptr, &written, &end) == 0 && written == size &&
         end == hex.data() + hex.size();
}

void PutU32(std::string& out, std::uint32_t value) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

std::uint32_t GetU32(const unsigned char* bytes) {
  return static_cast<std::uint32_t>(bytes[0]) | static_cast<std::uint32_t>(bytes[1]) << 8 |
         static_cast<std::uint32_t>(bytes[2]) << 16 | static_cast<std::uint32_t>(bytes[3]) << 24;
}

Error Malformed(const std::string& what) {
  return MakeError(ErrorCode::kMalformed, "not a readable self-backup: " + what);
}

// Reads exactly `size` bytes (or fewer at the end of the file).
Result<std::string> ReadUpTo(int fd, std::size_t size) {
  std::string out(size, '\0');
  std::size_t got = 0;
  while (got < size) {
    const auto n = ::read(fd, out.data() + got, size - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return MakeError(ErrorCode::kUnavailable, std::string("cannot read: ") + std::strerror(errno));
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  out.resize(got);
  return out;
}

json::value EncodeManifest(const Manifest& m) {
  json::array parts;
  for (const auto& part : m.parts) {
    json::object entry{
        {"name", part.name}, {"size", part.size}, {"sha256", part.sha256}, {"sealed", part.sealed}};
    if (part.sealed) entry["nonce"] = Hex(part.nonce.data(), part.nonce.size());
    parts.push_back(std::move(entry));
  }
  return json::object{
      {"created_at", m.created_at},
      {"server_version", m.server_version},
      {"schema_version", m.schema_version},
      {"host_count", m.host_count},
      {"kdf", json::object{{"alg", "argon2id13"},
                           {"opslimit", m.kdf.opslimit},
                           {"memlimit", m.kdf.memlimit},
                           {"salt", Hex(m.kdf.salt.data(), m.kdf.salt.size())}}},
      {"parts", std::move(parts)},
  };
}

// Typed field access; every miss is the one kMalformed error.
const json::value* Field(const json::object& object, const char* key) {
  return object.if_contains(key);
}

Result<std::string> Text(const json::object& object, const char* key) {
  const auto* v = Field(object, key);
  if (v == nullptr || !v->is_string())
    return Malformed(std::string("manifest field ") + key + " is not text");
  return std::string(v->as_string());
}

Result<std::uint64_t> Count(const json::object& object, const char* key) {
  const auto* v = Field(object, key);
  if (v != nullptr && v->is_uint64()) return v->as_uint64();
  if (v != nullptr && v->is_int64() && v->as_int64() >= 0) return static_cast<std::uint64_t>(v->as_int64());
  return Malformed(std::string("manifest field ") + key + " is not a count");
}

Result<PartEntry> DecodePart(const json::value& value) {
  if (!value.is_object()) return Malformed("a manifest part is not an object");
  const auto& object = value.as_object();
  PartEntry part;
  auto name = Text(object, "name");
  auto size = Count(object, "size");
  auto sha = Text(object, "sha256");
  if (!name) return name.error();
  if (!size) return size.error();
  if (!sha) return sha.error();
  const auto* sealed = Field(object, "sealed");
  if (sealed == nullptr || !sealed->is_bool())
    return Malformed("manifest part field sealed is not true/false");
  part.name = *name;
  part.size = *size;
  part.sha256 = *sha;
  part.sealed = sealed->as_bool();
  std::array<unsigned char, crypto_hash_sha256_BYTES> digest{};
  if (!FromHex(part.sha256, digest.data(), digest.size()))
    return Malformed("part " + part.name + ": bad sha256");
  if (part.sealed) {
    auto nonce = Text(object, "nonce");
    if (!nonce) return nonce.error();
    if (!FromHex(*nonce, part.nonce.data(), part.nonce.size()))
      return Malformed("part " + part.name + ": bad nonce");
  }
  return part;
}

Result<Manifest> DecodeManifest(std::string_view text) {
  boost::system::error_code ec;
  const json::value value = json::parse(text, ec);
  if (ec || !value.is_object()) return Malformed("the manifest is not a JSON object");
  const auto& object = value.as_object();
  Manifest m;
  auto created = Text(object, "created_at");
  auto version = Text(object, "server_version");
  auto schema = Count(object, "schema_version");
  auto hosts = Count(object, "host_count");
  if (!created) return created.error();
  if (!version) return version.error();
  if (!schema) return schema.error();
  if (!hosts) return hosts.error();
  m.created_at = *created;
  m.server_version = *version;
  m.schema_version = static_cast<std::int64_t>(*schema);
  m.host_count = static_cast<std::int64_t>(*hosts);
  const auto* kdf = Field(object, "kdf");
  if (kdf == nullptr || !kdf->is_object()) return Malformed("manifest field kdf is not an object");
  auto alg = Text(kdf->as_object(), "alg");
  auto ops = Count(kdf->as_object(), "opslimit");
  auto mem = Count(kdf->as_object(), "memlimit");
  auto salt = Text(kdf->as_object(), "salt");
  if (!alg) return alg.error();
  if (!ops) return ops.error();
  if (!mem) return mem.error();
  if (!salt) return salt.error();
  if (*alg != "argon2id13") return Malformed("unknown key derivation " + *alg);
  m.kdf.opslimit = *ops;
  m.kdf.memlimit = *mem;
  if (!FromHex(*salt, m.kdf.salt.data(), m.kdf.salt.size())) return Malformed("bad kdf salt");
  const auto* parts = Field(object, "parts");
  if (parts == nullptr || !parts->is_array() || parts->as_array().size() > kMaxParts) {
    return Malformed("manifest field parts is not a list of at most 16");
  }
  for (const auto& entry : parts->as_array()) {
    auto part = DecodePart(entry);
    if (!part) return part.error();
    if (m.Find(part->name) != nullptr) return Malformed("part " + part->name + " appears twice");
    m.parts.push_back(std::move(*part));
  }
  return m;
}

}  // namespace

const PartEntry* Manifest::Find(std::string_view name) const {
  for (const auto& part : parts) {
    if (part.name == name) return &part;
  }
  return nullptr;
}

Result<std::uint64_t> Manifest::PartsBytes() const {
  std::uint64_t total = 0;
  for (const auto& part : parts) {
    if (part.size > std::numeric_limits<std::uint64_t>::max() - total)
      return Malformed("part sizes overflow");
    total += part.size;
  }
  return total;
}

std::string EncodeHeader(const Manifest& manifest, const PassphraseKeys& keys) {
  const std::string body = json::serialize(EncodeManifest(manifest));
  std::string out(kSelfBackupMagic);
  PutU32(out, kSelfBackupFormat);
  PutU32(out, static_cast<std::uint32_t>(body.size()));
  out += body;
  const auto tag = keys.Mac(out);
  out.append(reinterpret_cast<const char*>(tag.data()), tag.size());
  return out;
}

Result<HeaderRead> ReadHeader(int fd) {
  auto prefix = ReadUpTo(fd, kSelfBackupPrefixBytes);
  if (!prefix) return prefix.error();
  if (prefix->size() < kSelfBackupPrefixBytes ||
      prefix->compare(0, kSelfBackupMagic.size(), kSelfBackupMagic) != 0) {
    return Malformed("it does not start with RMGRSELF");
  }
  const auto* raw = reinterpret_cast<const unsigned char*>(prefix->data());
  const std::uint32_t format = GetU32(raw + 8);
  if (format != kSelfBackupFormat) {
    return Malformed("format version " + std::to_string(format) + " (this binary reads version " +
                     std::to_string(kSelfBackupFormat) + ")");
  }
  const std::uint32_t manifest_bytes = GetU32(raw + 12);
  if (manifest_bytes == 0 || manifest_bytes > kSelfBackupMaxManifest)
    return Malformed("manifest size out of range");
  auto rest = ReadUpTo(fd, manifest_bytes + kHeaderMacBytes);
  if (!rest) return rest.error();
  if (rest->size() < manifest_bytes + kHeaderMacBytes)
    return Malformed("the file ends inside its header (truncated)");
  HeaderRead header;
  auto manifest = DecodeManifest(std::string_view(*rest).substr(0, manifest_bytes));
  if (!manifest) return manifest.error();
  header.manifest = std::move(*manifest);
  header.authenticated = *prefix + rest->substr(0, manifest_bytes);
  header.mac = rest->substr(manifest_bytes);
  header.header_bytes = kSelfBackupPrefixBytes + manifest_bytes + kHeaderMacBytes;
  return header;
}

Result<void> VerifyHeader(const HeaderRead& header, const PassphraseKeys& keys) {
  const auto tag = keys.Mac(header.authenticated);
  if (header.mac.size() != tag.size() || sodium_memcmp(tag.data(), header.mac.data(), tag.size()) != 0) {
    return MakeError(ErrorCode::kUnauthenticated, "wrong passphrase, or the file's header was altered");
  }
  return Ok();
}

Result<std::string> Sha256OfRange(int fd, std::uint64_t offset, std::uint64_t size) {
  crypto_hash_sha256_state state;
  crypto_hash_sha256_init(&state);
  std::vector<unsigned char> buffer(kReadChunk);
  while (size > 0) {
    const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(size, buffer.size()));
    const auto n = ::pread(fd, buffer.data(), want, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return MakeError(ErrorCode::kUnavailable, std::string("cannot read: ") + std::strerror(errno));
    if (n == 0) return Malformed("the file ends inside a part (truncated)");
    crypto_hash_sha256_update(&state, buffer.data(), static_cast<std::size_t>(n));
    offset += static_cast<std::uint64_t>(n);
    size -= static_cast<std::uint64_t>(n);
  }
  std::array<unsigned char, crypto_hash_sha256_BYTES> digest{};
  crypto_hash_sha256_final(&state, digest.data());
  return Hex(digest.data(), digest.size());
}

std::string Sha256Hex(std::string_view bytes) {
  std::array<unsigned char, crypto_hash_sha256_BYTES> digest{};
  crypto_hash_sha256(digest.data(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  return Hex(digest.data(), digest.size());
}

}  // namespace rmgr::server
