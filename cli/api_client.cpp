#include "cli/api_client.h"

#include <curl/curl.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <array>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <stdexcept>

#include "common/tls/fingerprint.h"

namespace rmgr::cli {
namespace {

constexpr int kMaxJsonDepth = 64;

void InitCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    std::atexit([] { curl_global_cleanup(); });
  });
}

bool IsUnreserved(unsigned char c) {
  return std::isalnum(c) != 0 || c == '-' || c == '.' || c == '_' || c == '~';
}

std::string PercentEncode(std::string_view text) {
  static constexpr std::array<char, 16> kHex = {'0', '1', '2', '3', '4', '5', '6', '7',
                                                '8', '9', 'A', 'B', 'C', 'D', 'E', 'F'};
  std::string out;
  out.reserve(text.size());
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (IsUnreserved(c)) {
      out += ch;
      continue;
    }
    out += '%';
    out += kHex[c >> 4];
    out += kHex[c & 0x0F];
  }
  return out;
}

// What the write and header callbacks fill in during one transfer.
struct Transfer {
  std::string body;
  std::size_t limit = 0;
  bool overflowed = false;
  std::string retry_after;
};

std::size_t OnBody(char* data, std::size_t size, std::size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::size_t n = size * count;
  if (t->body.size() + n > t->limit) {
    t->overflowed = true;
    return 0;  // makes curl fail the transfer with CURLE_WRITE_ERROR
  }
  t->body.append(data, n);
  return n;
}

std::size_t OnHeader(char* data, std::size_t size, std::size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::size_t n = size * count;
  std::string_view line(data, n);
  constexpr std::string_view kRetryAfter = "retry-after:";
  if (line.size() > kRetryAfter.size()) {
    bool match = true;
    for (std::size_t i = 0; i < kRetryAfter.size() && match; ++i) {
      match = std::tolower(static_cast<unsigned char>(line[i])) == kRetryAfter[i];
    }
    if (match) {
      line.remove_prefix(kRetryAfter.size());
      while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
      while (!line.empty() && (line.back() == '\r' || line.back() == '\n' || line.back() == ' ')) {
        line.remove_suffix(1);
      }
      t->retry_after = std::string(line);
    }
  }
  return n;
}

// The API's error shape, or a generic line for anything else (a proxy's HTML page).
ApiError DecodeError(long status, const Transfer& t) {
  ApiError e;
  e.status = static_cast<int>(status);
  e.code = "http_" + std::to_string(status);
  e.message = "the server answered HTTP " + std::to_string(status);
  boost::system::error_code ec;
  boost::json::parse_options opts;
  opts.max_depth = kMaxJsonDepth;
  const auto doc = boost::json::parse(t.body, ec, {}, opts);
  if (!ec && doc.is_object()) {
    if (const auto* err = doc.as_object().if_contains("error"); err != nullptr && err->is_object()) {
      const auto& o = err->as_object();
      if (const auto* c = o.if_contains("code"); c != nullptr && c->is_string()) e.code = c->as_string();
      if (const auto* m = o.if_contains("message"); m != nullptr && m->is_string())
        e.message = m->as_string();
      if (const auto* f = o.if_contains("field"); f != nullptr && f->is_string()) e.field = f->as_string();
    }
  }
  if (status == 429 && !t.retry_after.empty()) e.message += "; retry after " + t.retry_after + " s";
  return e;
}

ApiError TransportError(CURLcode rc, const char* errbuf, const Transfer& t, const ApiClientOptions& options) {
  ApiError e;
  e.code = "transport";
  if (t.overflowed) {
    e.code = "too_large";
    e.message = "the server's answer is larger than " + std::to_string(options.max_response_bytes) + " bytes";
    return e;
  }
  if (rc == CURLE_OPERATION_TIMEDOUT) {
    e.message = "no answer from " + options.server_url + " within " +
                std::to_string(options.total_timeout_ms / 1000) + " s";
    return e;
  }
  // curl's own text names the host and the failure; it never holds header values.
  const std::string detail = errbuf[0] != '\0' ? std::string(errbuf) : std::string(curl_easy_strerror(rc));
  e.message = "cannot reach " + options.server_url + ": " + detail;
  return e;
}

// The environment's no_proxy list plus the loopback names (setting
// CURLOPT_NOPROXY replaces the environment's list, so keep it).
std::string NoProxyList() {
  std::string list = "127.0.0.1,localhost,::1";
  for (const char* name : {"no_proxy", "NO_PROXY"}) {
    const char* value = std::getenv(name);  // NOLINT(concurrency-mt-unsafe): nothing sets the environment
    if (value != nullptr && value[0] != '\0') {
      list = std::string(value) + "," + list;
      break;
    }
  }
  return list;
}

}  // namespace

std::string ApiError::OneLine() const {
  if (field.empty()) return message;
  return message + " (" + field + ")";
}

void throw_exception_from_error(const ApiError& error, const boost::source_location&) {
  throw std::runtime_error("API error used as a value: " + error.OneLine());
}

std::string PathSegment(std::string_view segment) {
  return PercentEncode(segment);
}

std::optional<std::string> CheckServerUrl(std::string_view url) {
  auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed) return "the server URL must look like https://host:port";
  const auto scheme = parsed->scheme();
  if (scheme != "http" && scheme != "https") return "the server URL must start with http:// or https://";
  if (parsed->host().empty()) return "the server URL has no host";
  if (parsed->has_userinfo()) return "the server URL must not contain a user name or password";
  if (parsed->has_query() || parsed->has_fragment())
    return "the server URL must not have a query or fragment";
  return std::nullopt;
}

namespace {
// OpenSSL's chain check replaced by the pin: the leaf's DER SHA-256 must match.
int CheckPin(X509_STORE_CTX* store, void* arg) {
  auto* pin = static_cast<PinCheck*>(arg);
  pin->presented = tls::Fingerprint(X509_STORE_CTX_get0_cert(store));
  if (pin->presented == pin->expected) return 1;
  X509_STORE_CTX_set_error(store, X509_V_ERR_CERT_REJECTED);
  return 0;
}

// libcurl hands over its OpenSSL context before each handshake.
CURLcode InstallPinCheck(CURL*, void* ssl_ctx, void* arg) {
  SSL_CTX_set_cert_verify_callback(static_cast<SSL_CTX*>(ssl_ctx), &CheckPin, arg);
  return CURLE_OK;
}
}  // namespace

struct ApiClient::CurlHandle {
  CURL* easy = nullptr;
  ~CurlHandle() {
    if (easy != nullptr) curl_easy_cleanup(easy);
  }
};

ApiResult<std::unique_ptr<ApiClient>> ApiClient::Create(ApiClientOptions options) {
  if (auto problem = CheckServerUrl(options.server_url)) {
    return ApiError{0, "invalid_argument", *problem, "server"};
  }
  if (!options.fingerprint.empty()) {
    auto pin = tls::ParseFingerprint(options.fingerprint);
    if (!pin) return ApiError{0, "invalid_argument", pin.error().message, "fingerprint"};
    options.fingerprint = *pin;
  }
  std::string base = options.server_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  base += "/api/v1";
  std::unique_ptr<ApiClient> client(new ApiClient(std::move(options), std::move(base)));
  if (client->curl_->easy == nullptr) return ApiError{0, "internal", "cannot initialise libcurl", ""};
  return client;
}

ApiClient::ApiClient(ApiClientOptions options, std::string api_base)
    : options_(std::move(options)), api_base_(std::move(api_base)), curl_(std::make_unique<CurlHandle>()) {
  InitCurlOnce();
  curl_->easy = curl_easy_init();
  CURL* easy = curl_->easy;
  if (easy == nullptr) return;
  // Options that hold for every request of this client.
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, options_.connect_timeout_ms);
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, options_.total_timeout_ms);
  curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!options_.ca_file.empty()) curl_easy_setopt(easy, CURLOPT_CAINFO, options_.ca_file.c_str());
  if (!options_.fingerprint.empty()) {
    // The pin is the trust: the chain check is replaced and the name not checked.
    pin_ = std::make_unique<PinCheck>(PinCheck{options_.fingerprint, {}});
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 0L);
    curl_easy_setopt(easy, CURLOPT_SSL_CTX_FUNCTION, &InstallPinCheck);
    curl_easy_setopt(easy, CURLOPT_SSL_CTX_DATA, pin_.get());
  }
  if (options_.use_cookies) curl_easy_setopt(easy, CURLOPT_COOKIEFILE, "");  // in-memory cookie engine
  // Proxies from the environment are honoured, except for loopback, which no proxy can reach.
  curl_easy_setopt(easy, CURLOPT_NOPROXY, NoProxyList().c_str());
  curl_easy_setopt(easy, CURLOPT_USERAGENT, "restic-manager-cli/0.1.0");
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &OnBody);
  curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, &OnHeader);
}

ApiClient::~ApiClient() = default;

ApiResult<boost::json::value> ApiClient::Get(std::string_view path, const QueryParams& query) {
  return Send("GET", path, query, nullptr);
}

ApiResult<boost::json::value> ApiClient::Post(std::string_view path, const boost::json::value& body) {
  return Send("POST", path, {}, &body);
}

ApiResult<boost::json::value> ApiClient::Patch(std::string_view path, const boost::json::value& body) {
  return Send("PATCH", path, {}, &body);
}

ApiResult<boost::json::value> ApiClient::Delete(std::string_view path) {
  return Send("DELETE", path, {}, nullptr);
}

ApiResult<boost::json::value> ApiClient::Send(std::string_view method, std::string_view path,
                                              const QueryParams& query, const boost::json::value* body) {
  CURL* easy = curl_->easy;

  std::string url = api_base_;
  url += path;
  char sep = '?';
  for (const auto& [name, value] : query) {
    url += sep;
    url += PercentEncode(name);
    url += '=';
    url += PercentEncode(value);
    sep = '&';
  }

  // A JSON null body means "no body" (POST /jobs/{id}/cancel).
  const bool has_body = body != nullptr && !body->is_null();
  const std::string payload = has_body ? boost::json::serialize(*body) : std::string();

  struct curl_slist* headers = nullptr;
  const auto add_header = [&headers](const std::string& line) {
    headers = curl_slist_append(headers, line.c_str());
  };
  add_header("Accept: application/json");
  add_header("Expect:");  // no 100-continue round trip
  if (has_body) add_header("Content-Type: application/json");
  if (!options_.token.empty()) add_header("Authorization: Bearer " + options_.token);
  if (!csrf_token_.empty()) add_header("X-CSRF-Token: " + csrf_token_);
  const std::unique_ptr<struct curl_slist, decltype(&curl_slist_free_all)> header_guard(headers,
                                                                                        &curl_slist_free_all);

  Transfer transfer;
  transfer.limit = options_.max_response_bytes;
  std::array<char, CURL_ERROR_SIZE> errbuf{};

  curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, errbuf.data());
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(easy, CURLOPT_HEADERDATA, &transfer);
  // Every per-request option is set on every request, so nothing leaks
  // from the previous one (the handle is reused for keep-alive and cookies).
  curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, nullptr);
  if (method == "GET" || method == "DELETE") {
    curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
  } else {
    curl_easy_setopt(easy, CURLOPT_POST, 1L);
    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(payload.size()));
    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, payload.c_str());
  }
  if (method != "GET" && method != "POST") {
    curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, std::string(method).c_str());
  }

  // The URL holds no secret (tokens travel in headers), so it may be logged.
  if (options_.verbose != nullptr) *options_.verbose << "> " << method << ' ' << url << '\n';
  const auto started = std::chrono::steady_clock::now();
  const CURLcode rc = curl_easy_perform(easy);
  // Leave no pointers to this frame's buffers in the reused handle.
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, nullptr);
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, nullptr);
  curl_easy_setopt(easy, CURLOPT_POSTFIELDS, nullptr);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, nullptr);
  curl_easy_setopt(easy, CURLOPT_HEADERDATA, nullptr);
  if (rc != CURLE_OK) {
    auto error = TransportError(rc, errbuf.data(), transfer, options_);
    if (pin_ && !pin_->presented.empty() && pin_->presented != pin_->expected) {
      error.message = "the server at " + options_.server_url + " presented certificate " + pin_->presented +
                      " but " + pin_->expected + " is expected (--fingerprint)";
    }
    if (options_.verbose != nullptr) *options_.verbose << "< " << error.message << '\n';
    return error;
  }
  long status = 0;
  curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
  if (options_.verbose != nullptr) {
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started)
            .count();
    *options_.verbose << "< " << status << " (" << transfer.body.size() << " bytes, " << ms << " ms)\n";
  }
  if (status < 200 || status > 299) return DecodeError(status, transfer);
  if (transfer.body.empty()) return boost::json::value(nullptr);

  boost::system::error_code ec;
  boost::json::parse_options opts;
  opts.max_depth = kMaxJsonDepth;
  auto doc = boost::json::parse(transfer.body, ec, {}, opts);
  if (ec) {
    return ApiError{static_cast<int>(status), "bad_response",
                    "the server's answer is not JSON (" + ec.message() + "); is " + options_.server_url +
                        " a restic-manager server?",
                    ""};
  }
  return doc;
}

}  // namespace rmgr::cli
