#include "server/web/static_site.h"

#include <boost/url/parse_path.hpp>

#include <fcntl.h>
#include <fmt/format.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <system_error>
#include <utility>
#include <vector>

#include "common/util/log.h"

namespace rmgr::server::web {
namespace {

namespace beast_http = http::beast_http;

constexpr std::string_view kIndex = "index.html";
//! The longest request path considered; a UI path is never near this.
constexpr size_t kMaxPathLength = 2048;
//! Files read from --web-root are held in memory; a built UI file is far below this.
constexpr off_t kMaxFileSize = 64 * 1024 * 1024;

constexpr std::string_view kContentSecurityPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";
constexpr std::string_view kImmutable = "public, max-age=31536000, immutable";
constexpr std::string_view kRevalidate = "no-cache";

//! Served as index.html when the binary was built without the UI. No inline
//! style or script: the CSP forbids them.
constexpr std::string_view kPlaceholderPage =
    "<!doctype html>\n<html lang=\"en\">\n<head><meta "
    "charset=\"utf-8\"><title>restic-manager</title></head>\n"
    "<body>\n<h1>restic-manager</h1>\n<p>The web UI was not built into this server (RMGR_WEB_UI=OFF). "
    "The REST API under /api/v1/ works as usual.</p>\n</body>\n</html>\n";

//! First path segments that belong to the API, the agent channel, the
//! probes and the agent package downloads; the site never answers for them,
//! even when nothing else does.
constexpr std::array<std::string_view, 6> kReservedSegments = {"api",    "agent",   "healthz",
                                                               "readyz", "metrics", "downloads"};

//! The strong ETag of some bytes: the first 128 bits of their SHA-256, in
//! quotes. cmake/WebUi.cmake computes the same for embedded files.
std::string EtagOf(std::string_view bytes) {
  std::array<unsigned char, crypto_hash_sha256_BYTES> digest{};
  crypto_hash_sha256(digest.data(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  std::string etag = "\"";
  for (size_t i = 0; i < 16; ++i) etag += fmt::format("{:02x}", digest[i]);
  etag += '"';
  return etag;
}

std::string_view ExtensionOf(std::string_view path) {
  const auto slash = path.rfind('/');
  const auto name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  const auto dot = name.rfind('.');
  return dot == std::string_view::npos ? std::string_view{} : name.substr(dot + 1);
}

std::string_view ContentTypeFor(std::string_view path) {
  struct Type {
    std::string_view extension;
    std::string_view content_type;
  };
  static constexpr Type kTypes[] = {
      {"html", "text/html; charset=utf-8"},
      {"js", "text/javascript; charset=utf-8"},
      {"mjs", "text/javascript; charset=utf-8"},
      {"css", "text/css; charset=utf-8"},
      {"svg", "image/svg+xml; charset=utf-8"},
      {"png", "image/png"},
      {"ico", "image/x-icon"},
      {"json", "application/json; charset=utf-8"},
      {"map", "application/json; charset=utf-8"},
      {"webmanifest", "application/manifest+json; charset=utf-8"},
      {"woff2", "font/woff2"},
      {"txt", "text/plain; charset=utf-8"},
  };
  const auto extension = ExtensionOf(path);
  for (const auto& type : kTypes) {
    if (type.extension == extension) return type.content_type;
  }
  return "application/octet-stream";
}

void AddSecurityHeaders(http::Response& response) {
  response.set("Content-Security-Policy", kContentSecurityPolicy);
  response.set("X-Frame-Options", "DENY");
  response.set("Referrer-Policy", "no-referrer");
  response.set("X-Content-Type-Options", "nosniff");
}

http::Response ErrorReply(http::Status status, std::string_view code, std::string_view message) {
  auto response = http::ErrorResponse(status, code, message);
  AddSecurityHeaders(response);
  return response;
}

http::Response ErrorReply(const rmgr::Error& error) {
  auto response = http::ErrorResponse(error);
  AddSecurityHeaders(response);
  return response;
}

//! The path of a request target: up to the query or fragment.
std::string_view PathOf(std::string_view target) {
  return target.substr(0, target.find_first_of("?#"));
}

//! True when the first segment of `path` ("/api/v1/..") is reserved.
bool IsReserved(std::string_view path) {
  while (!path.empty() && path.front() == '/') path.remove_prefix(1);
  const auto first = path.substr(0, path.find('/'));
  for (const auto reserved : kReservedSegments) {
    if (first == reserved) return true;
  }
  return false;
}

//! Turns a raw request path into the safe relative path of a file. Boost.URL
//! checks the encoding and splits the segments before decoding each on its
//! own, so an encoded '/' cannot create a segment. Refuses '.' and '..'
//! segments, backslashes, NUL and other control bytes (raw ones are not
//! valid in a path at all). Empty segments are dropped. "/" yields "" (the index).
Result<std::string> SafeRelativePath(std::string_view raw) {
  const auto refuse = [](std::string why) { return MakeError(ErrorCode::kInvalidArgument, std::move(why)); };
  if (raw.empty() || raw.front() != '/') return refuse("the request path must start with '/'");
  if (raw.size() > kMaxPathLength) return refuse("the request path is too long");
  // Boost.URL hides a leading "." segment (its own disambiguation prefix), so
  // literal dot segments are looked for in the raw text too.
  if (raw.find("/./") != std::string_view::npos || raw.ends_with("/.")) {
    return refuse("path contains a '.' or '..' segment");
  }
  auto segments = boost::urls::parse_path(raw);
  if (!segments) return refuse("the request path is not a valid URL path (bad percent-encoding or character)");

  std::string relative;
  for (const boost::urls::pct_string_view encoded : *segments) {
    if (encoded.empty()) continue;
    const std::string segment = encoded.decode();
    for (const char c : segment) {
      const auto byte = static_cast<unsigned char>(c);
      if (c == '/' || c == '\\' || byte < 0x20 || byte == 0x7f) return refuse("path contains a forbidden character");
    }
    if (segment == "." || segment == "..") return refuse("path contains a '.' or '..' segment");
    if (!relative.empty()) relative += '/';
    relative += segment;
  }
  return relative;
}

//! True when `relative` names something the site never serves as a file:
//! dot-files and dot-directories (.git, .env, ...).
bool IsHidden(std::string_view relative) {
  return relative.starts_with('.') || relative.find("/.") != std::string_view::npos;
}

//! The last segment has no dot, so it is an SPA route rather than a file.
bool IsRoute(std::string_view relative) {
  const auto slash = relative.rfind('/');
  const auto last = slash == std::string_view::npos ? relative : relative.substr(slash + 1);
  return last.find('.') == std::string_view::npos;
}

//! If-None-Match matches `etag` (weak comparison, as RFC 9110 asks for it).
bool NoneMatchHits(std::string_view header, std::string_view etag) {
  size_t pos = 0;
  while (pos <= header.size()) {
    const auto end = std::min(header.find(',', pos), header.size());
    auto tag = header.substr(pos, end - pos);
    pos = end + 1;
    while (!tag.empty() && (tag.front() == ' ' || tag.front() == '\t')) tag.remove_prefix(1);
    while (!tag.empty() && (tag.back() == ' ' || tag.back() == '\t')) tag.remove_suffix(1);
    if (tag == "*") return true;
    if (tag.starts_with("W/")) tag.remove_prefix(2);
    if (tag == etag) return true;
  }
  return false;
}

//! Closes a file descriptor when it goes out of scope.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

//! errno values that mean "there is no file here to serve" rather than a fault:
//! missing, a non-directory in the middle, or a symbolic link (O_NOFOLLOW).
bool IsAbsent(int error) {
  return error == ENOENT || error == ENOTDIR || error == ELOOP;
}

}  // namespace

StaticSite StaticSite::Embedded() {
  return FromFiles(EmbeddedWebFiles());
}

StaticSite StaticSite::FromFiles(std::span<const EmbeddedFile> files) {
  StaticSite site;
  for (const auto& file : files) {
    site.files_.emplace(std::string(file.path), Entry{file.content, std::string(file.etag)});
  }
  if (!site.files_.contains(kIndex)) {
    if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
    site.files_.emplace(std::string(kIndex), Entry{kPlaceholderPage, EtagOf(kPlaceholderPage)});
  }
  return site;
}

Result<StaticSite> StaticSite::FromDirectory(std::filesystem::path root) {
  std::error_code ec;
  auto canonical = std::filesystem::canonical(root, ec);
  if (ec) {
    return MakeError(ErrorCode::kInvalidArgument, fmt::format("web root {}: {}", root.string(), ec.message()),
                     "web_root");
  }
  if (!std::filesystem::is_directory(canonical, ec)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     fmt::format("web root {} is not a directory", root.string()), "web_root");
  }
  if (sodium_init() < 0) return MakeError(ErrorCode::kInternal, "libsodium failed to initialise");
  StaticSite site;
  site.root_ = std::move(canonical);
  return site;
}

Result<std::optional<StaticSite::File>> StaticSite::Find(const std::string& relative) const {
  if (IsHidden(relative)) return std::optional<File>{};
  if (root_) return FindOnDisk(relative);
  const auto it = files_.find(relative);
  if (it == files_.end()) return std::optional<File>{};
  return std::optional<File>(File{it->second.content, {}, false, it->second.etag});
}

// Walks the path one segment at a time with openat(O_NOFOLLOW), so neither a
// symbolic link below the root nor one swapped in during the walk is followed.
Result<std::optional<StaticSite::File>> StaticSite::FindOnDisk(const std::string& relative) const {
  const auto fail = [&](const char* what) {
    return MakeError(ErrorCode::kInternal,
                     fmt::format("web root: {} {}: {}", what, relative,
                                 std::error_code(errno, std::generic_category()).message()));
  };
  Fd dir(::open(root_->c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.get() < 0) return fail("cannot open the root for");

  std::vector<std::string> segments;
  for (size_t pos = 0; pos <= relative.size();) {
    const auto end = std::min(relative.find('/', pos), relative.size());
    segments.push_back(relative.substr(pos, end - pos));
    pos = end + 1;
  }
  std::optional<Fd> current;
  for (size_t i = 0; i + 1 < segments.size(); ++i) {
    const int parent = current ? current->get() : dir.get();
    const int fd = ::openat(parent, segments[i].c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
      if (IsAbsent(errno)) return std::optional<File>{};
      return fail("cannot open a directory of");
    }
    current.emplace(fd);
  }
  const int parent = current ? current->get() : dir.get();
  Fd file(::openat(parent, segments.back().c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  if (file.get() < 0) {
    if (IsAbsent(errno)) return std::optional<File>{};
    return fail("cannot open");
  }
  struct stat info {};
  if (::fstat(file.get(), &info) != 0) return fail("cannot stat");
  if (!S_ISREG(info.st_mode)) return std::optional<File>{};
  if (info.st_size > kMaxFileSize) {
    return MakeError(ErrorCode::kInternal,
                     fmt::format("web root: {} is larger than {} bytes", relative, kMaxFileSize));
  }

  File found;
  found.from_disk = true;
  found.read.resize(static_cast<size_t>(info.st_size));
  size_t filled = 0;
  while (filled < found.read.size()) {
    const auto n = ::read(file.get(), found.read.data() + filled, found.read.size() - filled);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail("cannot read");
    if (n == 0) break;  // The file shrank while we read it; serve what is there.
    filled += static_cast<size_t>(n);
  }
  found.read.resize(filled);
  found.etag = EtagOf(found.read);
  return std::optional<File>(std::move(found));
}

std::optional<http::Response> StaticSite::Serve(const http::Request& request) const {
  const auto method = request.method();
  if (method != beast_http::verb::get && method != beast_http::verb::head) return std::nullopt;

  const auto raw = PathOf(std::string_view(request.target().data(), request.target().size()));
  if (IsReserved(raw)) return std::nullopt;
  auto relative = SafeRelativePath(raw);
  if (!relative) return ErrorReply(http::Status::bad_request, "malformed", relative.error().message);
  if (IsReserved(*relative)) return std::nullopt;

  std::string served = relative->empty() ? std::string(kIndex) : *relative;
  auto found = Find(served);
  if (!found) {
    Logger("web")->warn("{}", found.error().message);
    return ErrorReply(found.error());
  }
  if (!found->has_value()) {
    if (!IsRoute(served)) return ErrorReply(http::Status::not_found, "not_found", "no such file");
    served = std::string(kIndex);
    found = Find(served);
    if (!found) return ErrorReply(found.error());
    if (!found->has_value())
      return ErrorReply(http::Status::not_found, "not_found", "the web UI has no index.html");
  }
  const File& file = **found;

  const bool immutable = served.starts_with("assets/");
  const bool not_modified = NoneMatchHits(request[beast_http::field::if_none_match], file.etag);
  http::Response response{not_modified ? http::Status::not_modified : http::Status::ok, request.version()};
  AddSecurityHeaders(response);
  response.set(beast_http::field::cache_control, immutable ? kImmutable : kRevalidate);
  response.set(beast_http::field::etag, file.etag);
  if (not_modified) return response;

  response.set(beast_http::field::content_type, ContentTypeFor(served));
  if (method == beast_http::verb::head) {
    response.content_length(file.Content().size());
    return response;
  }
  response.body().assign(file.Content());
  response.prepare_payload();
  return response;
}

}  // namespace rmgr::server::web
