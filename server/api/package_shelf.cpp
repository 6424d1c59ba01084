#include "server/api/package_shelf.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <iterator>
#include <sstream>

namespace rmgr::server::api {

namespace {
namespace fs = std::filesystem;

constexpr std::string_view kSuffix = ".deb";

// Debian policy 5.6.1 and 5.6.12: package names are [a-z0-9.+-], versions
// add '~' (and ':' for an epoch, which file names never carry); upper case
// is allowed too in versions. Architectures are [a-z0-9-].
bool IsPackageName(std::string_view s) {
  return s.size() >= 2 && std::isalnum(static_cast<unsigned char>(s.front())) != 0 &&
         std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '+' || c == '-';
         });
}
bool IsVersion(std::string_view s) {
  return !s.empty() && std::isdigit(static_cast<unsigned char>(s.front())) != 0 &&
         std::all_of(s.begin(), s.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '+' || c == '~' ||
                  c == '-';
         });
}
bool IsArchitecture(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

//! The regular file `file` in `dir`, never following a symbolic link.
std::optional<fs::path> RegularFile(const fs::path& dir, std::string_view file, std::uintmax_t* size) {
  const fs::path path = dir / std::string(file);
  std::error_code ec;
  if (!fs::is_regular_file(fs::symlink_status(path, ec)) || ec) return std::nullopt;
  const auto bytes = fs::file_size(path, ec);
  if (ec) return std::nullopt;
  if (size != nullptr) *size = bytes;
  return path;
}
}  // namespace

std::optional<OfferedPackage> PackageShelf::ParseName(std::string_view file) {
  if (file.size() <= kSuffix.size() || file.substr(file.size() - kSuffix.size()) != kSuffix)
    return std::nullopt;
  const std::string_view stem = file.substr(0, file.size() - kSuffix.size());
  const auto first = stem.find('_');
  const auto last = stem.rfind('_');
  if (first == std::string_view::npos || first == last) return std::nullopt;
  OfferedPackage parsed;
  parsed.package = std::string(stem.substr(0, first));
  parsed.version = std::string(stem.substr(first + 1, last - first - 1));
  parsed.architecture = std::string(stem.substr(last + 1));
  if (!IsPackageName(parsed.package) || !IsVersion(parsed.version) || !IsArchitecture(parsed.architecture)) {
    return std::nullopt;
  }
  parsed.file = std::string(file);
  return parsed;
}

std::vector<OfferedPackage> PackageShelf::List() const {
  std::vector<OfferedPackage> packages;
  std::error_code ec;
  for (fs::directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec)) {
    auto parsed = ParseName(it->path().filename().string());
    if (!parsed) continue;
    if (!RegularFile(dir_, parsed->file, &parsed->size) || parsed->size > kMaxBytes) continue;
    packages.push_back(std::move(*parsed));
  }
  std::sort(packages.begin(), packages.end(),
            [](const OfferedPackage& a, const OfferedPackage& b) { return a.file < b.file; });
  return packages;
}

Result<std::string> PackageShelf::Read(std::string_view file) const {
  std::uintmax_t size = 0;
  const auto path = ParseName(file) ? RegularFile(dir_, file, &size) : std::nullopt;
  if (!path || size > kMaxBytes) return MakeError(ErrorCode::kNotFound, "no such package", "file");
  std::ifstream in(*path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (!in.good() && !in.eof()) {
    return MakeError(ErrorCode::kUnavailable, "cannot read package " + std::string(file));
  }
  return std::move(bytes).str();
}

}  // namespace rmgr::server::api
