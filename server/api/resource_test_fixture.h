#pragma once
// Test fixture for the resource handlers: ApiFixture (real SQLite store,
// real HTTP on 127.0.0.1, callers chosen with X-Test-Role) with every
// resource route registered, a pinnable clock, shortcuts that create
// records through the API, and a canonical dump of the store to prove a
// rejected request changed nothing.
// Thread safety: test-only; the clock may be read from the server thread.

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "server/api/api_test_fixture.h"

namespace rmgr::server::api::testing {

//! An agent side that records what handlers tell it (queued jobs, cancels);
//! browsing answers "offline".
class RecordingAgents : public scheduling::AgentNotifier {
 public:
  void SchedulesChanged(const std::string&) override {}
  void JobsQueued(const std::string& host_id) override {
    std::lock_guard lock(mu);
    queued.push_back(host_id);
  }
  void CancelRequested(const std::string& host_id, const std::string& job_id) override {
    std::lock_guard lock(mu);
    cancels.push_back(host_id + "/" + job_id);
  }
  void HostDeleted(const std::string&) override {}
  void Browse(scheduling::BrowseQuery, scheduling::BrowseDone done) override {
    done(MakeError(ErrorCode::kConflict, "offline"));
  }
  std::mutex mu;
  std::vector<std::string> queued;   ///< Hosts told of queued jobs, in order.
  std::vector<std::string> cancels;  ///< "host/job" of each cancel asked, in order.
};

class ResourceApiTest : public ApiFixture {
 protected:
  void SetUp() override;

  //! Pins the handlers' clock (ApiDeps::now) to `t`.
  void PinClock(TimePoint t);

  //! POSTs `body` to `target` as an operator and returns the created object's id (fails the test otherwise).
  std::string Created(const std::string& target, const boost::json::object& body,
                      std::string_view role = "operator");
  //! A host made through the API.
  std::string MakeHost(const std::string& name);
  //! A repository made through the API, with `password`.
  std::string MakeRepository(const std::string& name, const std::string& password = "correct horse battery");
  //! A source group on `host_id` with the given paths.
  std::string MakeGroup(const std::string& host_id, const std::string& name,
                        const std::vector<std::string>& paths = {"/etc"});
  //! A daily backup schedule (03:00 UTC) of `group_ids` into `repository_id`.
  std::string MakeSchedule(const std::string& host_id, const std::string& repository_id,
                           const std::vector<std::string>& group_ids, const std::string& name = "nightly");

  //! Every record the API can change, as canonical JSON text (plus the audit count).
  std::string StoreState();

  //! The host's canonical schedule version, read from the store.
  int64_t HostVersion(const std::string& host_id);

  //! `body` with `key` set to `value` (for one-field variations of a valid body).
  template <class V>
  static boost::json::object With(boost::json::object body, std::string_view key, V&& value) {
    body[key] = std::forward<V>(value);
    return body;
  }

  http::HttpLimits limits_;  ///< What SetUp starts the server with; subclasses may change it first.

 private:
  std::atomic<int64_t> pinned_ms_{0};  // 0: the real clock
};

//! Success when `reply` has `status` and the error shape, naming `field` when given.
::testing::AssertionResult IsError(const Reply& reply, unsigned status, std::string_view field = {});

//! A JSON array of strings.
boost::json::array Strings(const std::vector<std::string>& items);

}  // namespace rmgr::server::api::testing
