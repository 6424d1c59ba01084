#include "server/releases/release_catalog.h"

#include <algorithm>
#include <boost/json.hpp>
#include <fstream>
#include <sstream>

#include "common/update/agent_bundle.h"
#include "common/update/release_version.h"

namespace rmgr::server::releases {
namespace {

constexpr const char* kBundleFile = "bundle";
constexpr const char* kReleaseFile = "release.json";

Result<std::string> ReadAll(const std::filesystem::path& path, std::uint64_t limit) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return MakeError(ErrorCode::kNotFound, "cannot read " + path.string());
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec || size > limit)
    return MakeError(ErrorCode::kTooLarge, path.string() + " is too large or unreadable");
  std::string text(size, '\0');
  in.read(text.data(), static_cast<std::streamsize>(size));
  if (!in) return MakeError(ErrorCode::kUnavailable, "cannot read " + path.string());
  return text;
}

Result<void> WriteAll(const std::filesystem::path& path, std::string_view data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
  out.close();
  if (!out) return MakeError(ErrorCode::kUnavailable, "cannot write " + path.string());
  return Ok();
}

std::string Text(const boost::json::object& obj, const char* key) {
  const auto* value = obj.if_contains(key);
  const auto* text = value != nullptr ? value->if_string() : nullptr;
  return text != nullptr ? std::string(text->data(), text->size()) : std::string();
}

}  // namespace

ReleaseCatalog::ReleaseCatalog(std::filesystem::path data_dir)
    : root_(std::move(data_dir) / "agent-releases") {}

std::filesystem::path ReleaseCatalog::BundlePath(std::string_view version) const {
  return root_ / std::string(version) / kBundleFile;
}

std::string ReleaseCatalog::DownloadPath(std::string_view version) {
  return "/api/v1/agent/releases/" + std::string(version) + "/bundle";
}

Result<AgentRelease> ReleaseCatalog::Publish(const update::SigningKeyPair& key,
                                             const std::filesystem::path& binary, const std::string& version,
                                             const std::string& os, const std::string& arch,
                                             std::string published_at) const {
  if (!update::IsReleaseVersion(version)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "--version must be 1-64 of [0-9A-Za-z.+-] starting with a digit or letter: " + version);
  }
  const auto dir = root_ / version;
  std::error_code ec;
  if (std::filesystem::exists(dir / kReleaseFile, ec)) {
    return MakeError(ErrorCode::kConflict,
                     "release " + version + " is already published (versions are immutable)");
  }
  auto executable = ReadAll(binary, update::kMaxBundleBytes);
  if (!executable) return executable.error();
  update::BundleManifest manifest;
  manifest.version = version;
  manifest.os = os;
  manifest.arch = arch;
  auto bundle = update::PackBundle(manifest, *executable);
  if (!bundle) return bundle.error();
  AgentRelease release;
  release.version = version;
  release.os = os;
  release.arch = arch;
  release.size = bundle->size();
  release.sha256 = update::Sha256Hex(*bundle);
  release.signature = update::SignBundle(key, release.sha256);
  release.binary_sha256 = update::Sha256Hex(*executable);
  release.published_at = std::move(published_at);

  std::filesystem::create_directories(dir, ec);
  if (ec) return MakeError(ErrorCode::kUnavailable, "cannot create " + dir.string() + ": " + ec.message());
  if (auto written = WriteAll(dir / kBundleFile, *bundle); !written) return written.error();
  // release.json last: a release exists once it is there.
  const boost::json::object doc{{"version", release.version},
                                {"os", release.os},
                                {"arch", release.arch},
                                {"size", release.size},
                                {"sha256", release.sha256},
                                {"signature", release.signature},
                                {"binary_sha256", release.binary_sha256},
                                {"published_at", release.published_at}};
  if (auto written = WriteAll(dir / kReleaseFile, boost::json::serialize(doc) + "\n"); !written) {
    return written.error();
  }
  return release;
}

Result<AgentRelease> ReleaseCatalog::Find(std::string_view version) const {
  if (!update::IsReleaseVersion(version)) {
    return MakeError(ErrorCode::kNotFound, "no agent release " + std::string(version));
  }
  auto text = ReadAll(root_ / std::string(version) / kReleaseFile, 64 * 1024);
  if (!text) return MakeError(ErrorCode::kNotFound, "no agent release " + std::string(version));
  boost::system::error_code ec;
  const boost::json::value doc = boost::json::parse(*text, ec);
  const auto* obj = ec ? nullptr : doc.if_object();
  if (obj == nullptr)
    return MakeError(ErrorCode::kMalformed, "release.json of " + std::string(version) + " is unreadable");
  AgentRelease release;
  release.version = Text(*obj, "version");
  release.os = Text(*obj, "os");
  release.arch = Text(*obj, "arch");
  release.sha256 = Text(*obj, "sha256");
  release.signature = Text(*obj, "signature");
  release.binary_sha256 = Text(*obj, "binary_sha256");
  release.published_at = Text(*obj, "published_at");
  if (const auto* size = obj->if_contains("size"); size != nullptr && size->is_number()) {
    release.size = size->to_number<std::uint64_t>();
  }
  if (release.version != version || release.size == 0) {
    return MakeError(ErrorCode::kMalformed, "release.json of " + std::string(version) + " is inconsistent");
  }
  return release;
}

std::vector<AgentRelease> ReleaseCatalog::List() const {
  std::vector<AgentRelease> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(root_, ec)) {
    if (!entry.is_directory(ec)) continue;
    if (auto release = Find(entry.path().filename().string())) out.push_back(std::move(*release));
  }
  std::sort(out.begin(), out.end(), [](const AgentRelease& a, const AgentRelease& b) {
    return update::CompareVersions(a.version, b.version) > 0;
  });
  return out;
}

}  // namespace rmgr::server::releases
