#pragma once
// FakeApiServer (tests only): a tiny HTTP/1.1 server on 127.0.0.1 with
// canned answers per method and path, recording every request, so CLI tests
// can check the exact requests and run without the real server.
// Thread safety: On() and the accessors may be called from the test thread
// while the server thread serves; answers are chosen under a mutex.

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace rmgr::cli::testing {

//! One request as the server saw it.
struct RecordedRequest {
  std::string method;                          ///< "GET", "POST", ...
  std::string path;                            ///< Target without the query.
  std::string query;                           ///< Raw query string, without '?'.
  std::string body;                            ///< Request body.
  std::map<std::string, std::string> headers;  ///< Lower-case names.

  //! A header value, or empty.
  std::string Header(const std::string& name) const;
  //! The decoded value of query parameter `name`, or empty.
  std::string Param(const std::string& name) const;
};

//! A canned answer.
struct Reply {
  int status = 200;                                          ///< HTTP status.
  std::string body;                                          ///< Body (usually JSON).
  std::vector<std::pair<std::string, std::string>> headers;  ///< Extra headers.
};

//! JSON answer helper.
Reply JsonReply(int status, const boost::json::value& body);
//! The API error shape.
Reply ErrorReply(int status, const std::string& code, const std::string& message,
                 const std::string& field = {});

//! See the file comment.
class FakeApiServer {
 public:
  //! Chooses the answer for one request.
  using Handler = std::function<Reply(const RecordedRequest&)>;

  //! Listens on 127.0.0.1 on a free port and starts serving.
  FakeApiServer();
  //! Stops serving and joins the server thread.
  ~FakeApiServer();
  FakeApiServer(const FakeApiServer&) = delete;
  FakeApiServer& operator=(const FakeApiServer&) = delete;

  //! Answers `method` on `path` (exact, without query) with `handler`; later calls replace earlier ones.
  void On(const std::string& method, const std::string& path, Handler handler);
  //! Answers `method` on `path` always with the same JSON.
  void OnJson(const std::string& method, const std::string& path, int status, const boost::json::value& body);

  //! "http://127.0.0.1:PORT".
  std::string url() const;
  //! Every request so far, in order.
  std::vector<RecordedRequest> requests() const;

 private:
  void Serve();
  Reply Answer(const RecordedRequest& request);

  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, std::string>, Handler> handlers_;
  std::vector<RecordedRequest> requests_;
  std::thread thread_;
};

}  // namespace rmgr::cli::testing
