#include "server/notify/transport.h"

#include <curl/curl.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>

namespace rmgr::server::notify {
namespace {

constexpr size_t kMaxResponseBytes = 64 * 1024;  // read and dropped; a sink that talks more is cut off

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct EasyDeleter {
  void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
};
struct ListDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using Easy = std::unique_ptr<CURL, EasyDeleter>;
using List = std::unique_ptr<curl_slist, ListDeleter>;

size_t Discard(char* /*data*/, size_t size, size_t count, void* user) {
  auto* seen = static_cast<size_t*>(user);
  *seen += size * count;
  if (*seen > kMaxResponseBytes) return 0;  // aborts with CURLE_WRITE_ERROR
  return size * count;
}

struct Upload {
  const std::string* text;
  size_t offset = 0;
};

size_t ReadUpload(char* buffer, size_t size, size_t count, void* user) {
  auto* upload = static_cast<Upload*>(user);
  const size_t n = std::min(size * count, upload->text->size() - upload->offset);
  std::memcpy(buffer, upload->text->data() + upload->offset, n);
  upload->offset += n;
  return n;
}

Result<Easy> NewEasy(const TransportSettings& settings, const char* protocols) {
  GlobalInit();
  Easy curl(curl_easy_init());
  if (!curl) return MakeError(ErrorCode::kInternal, "cannot create a libcurl handle");
  CURL* h = curl.get();
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(settings.connect_timeout.count()));
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(settings.total_timeout.count()));
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, protocols);
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(h, CURLOPT_USERAGENT, "restic-manager");
  if (!settings.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, settings.ca_file.c_str());
  return curl;
}

Error CurlError(CURLcode code) {
  return MakeError(ErrorCode::kUnavailable, std::string(curl_easy_strerror(code)));
}

}  // namespace

Result<void> PostHttp(const HttpPost& post, const TransportSettings& settings) {
  auto curl = NewEasy(settings, "http,https");
  if (!curl) return curl.error();
  CURL* h = curl->get();
  List headers;
  const std::string content_type = "Content-Type: " + post.content_type;
  headers.reset(curl_slist_append(headers.release(), content_type.c_str()));
  headers.reset(curl_slist_append(headers.release(), "Expect:"));  // no 100-continue round trip
  for (const auto& [name, value] : post.headers) {
    const std::string line = name + ": " + value;
    headers.reset(curl_slist_append(headers.release(), line.c_str()));
  }
  size_t seen = 0;
  curl_easy_setopt(h, CURLOPT_URL, post.url.c_str());
  curl_easy_setopt(h, CURLOPT_POST, 1L);
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, post.body.data());
  curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(post.body.size()));
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &Discard);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &seen);
  const CURLcode code = curl_easy_perform(h);
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  if (code == CURLE_WRITE_ERROR && status >= 200 && status < 300) return Ok();  // a chatty sink said yes
  if (code != CURLE_OK) return CurlError(code);
  if (status < 200 || status >= 300) {
    return MakeError(ErrorCode::kUnavailable, "HTTP " + std::to_string(status));
  }
  return Ok();
}

Result<void> SendMail(const MailSubmission& mail, const TransportSettings& settings) {
  auto curl = NewEasy(settings, "smtp,smtps");
  if (!curl) return curl.error();
  CURL* h = curl->get();
  curl_easy_setopt(h, CURLOPT_URL, mail.smtp_url.c_str());
  if (mail.smtp_url.rfind("smtp://", 0) == 0) {
    curl_easy_setopt(h, CURLOPT_USE_SSL,
                     static_cast<long>(mail.require_tls ? CURLUSESSL_ALL : CURLUSESSL_TRY));
  }
  if (!mail.username.empty()) {
    curl_easy_setopt(h, CURLOPT_USERNAME, mail.username.c_str());
    curl_easy_setopt(h, CURLOPT_PASSWORD, mail.password.Reveal().c_str());
  }
  const std::string from = "<" + mail.from + ">";
  curl_easy_setopt(h, CURLOPT_MAIL_FROM, from.c_str());
  List recipients;
  for (const auto& to : mail.to) {
    const std::string rcpt = "<" + to + ">";
    recipients.reset(curl_slist_append(recipients.release(), rcpt.c_str()));
  }
  curl_easy_setopt(h, CURLOPT_MAIL_RCPT, recipients.get());
  Upload upload{&mail.message};
  curl_easy_setopt(h, CURLOPT_READFUNCTION, &ReadUpload);
  curl_easy_setopt(h, CURLOPT_READDATA, &upload);
  curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(mail.message.size()));
  const CURLcode code = curl_easy_perform(h);
  if (code != CURLE_OK) {
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    std::string message = curl_easy_strerror(code);
    if (status != 0) message += " (SMTP " + std::to_string(status) + ")";
    return MakeError(ErrorCode::kUnavailable, std::move(message));
  }
  return Ok();
}

}  // namespace rmgr::server::notify
