#pragma once
// The shared Store test suite. Every TEST_P written against StoreTest runs
// once per backend from AllBackends() (SQLite today; PostgreSQL adds itself
// there), on a fresh, empty store. Test names start with "store/" so that
// `ctest -R store` selects them.
// Thread safety: test-only; the fake clock may be read from any thread.

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "server/store/store.h"

namespace rmgr::store::testing {

//! How to open one kind of store for the suite.
struct Backend {
  std::string name;  ///< Test-name suffix ("sqlite").
  //! Opens the store kept in `dir` (creating it when new) with `clock` as "now".
  std::function<Result<std::unique_ptr<Store>>(const std::filesystem::path& dir,
                                               std::function<TimePoint()> clock)>
      open;
};

//! Every backend the suite runs against.
std::vector<Backend> AllBackends();

//! "sqlite" for the test name.
std::string BackendName(const ::testing::TestParamInfo<Backend>& info);

//! Unwraps a Result in a test; an error fails the test (via an exception gtest reports).
template <class T>
T Must(Result<T> result) {
  if (!result.ok()) throw std::runtime_error("unexpected error: " + result.error().Describe());
  return std::move(result).value();
}

//! Like Must for Result<void>.
void MustOk(const Result<void>& result);

//! Fixture: a fresh store per test, a controllable clock, and shortcuts that
//! create the rows most tests need.
class StoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override;
  void TearDown() override;

  //! The store under test.
  Store& store() { return *store_; }
  //! Closes and reopens the same database.
  void Reopen();
  //! Closes the store (e.g. before looking at its files).
  void Close() { store_.reset(); }

  //! The fake "now"; starts at 2026-01-01T00:00:00Z and moves only when told.
  TimePoint Now() const;
  //! Moves the fake clock forward.
  void Advance(std::chrono::milliseconds by);

  //! A new host (name defaults to a unique one).
  Host MakeHost(const std::string& name = {});
  //! A new repository.
  Repository MakeRepository(const std::string& name = {});
  //! A new source group on `host_id`.
  SourceGroup MakeGroup(const std::string& host_id, const std::string& name = {});
  //! A new enabled backup schedule; returns it with the host's new version.
  ScheduleChange MakeSchedule(const std::string& host_id, const std::string& repository_id,
                              const std::vector<std::string>& group_ids, const std::string& name = {});
  //! A new job.
  Job MakeJob(const NewJob& job);
  //! A new manual backup job on `host_id`.
  Job MakeJob(const std::string& host_id);

  std::filesystem::path dir_;  ///< Where this test's database lives.

 private:
  std::string UniqueName(const char* prefix);

  std::unique_ptr<Store> store_;
  std::shared_ptr<std::atomic<int64_t>> now_ms_ = std::make_shared<std::atomic<int64_t>>(0);
  int names_ = 0;
};

}  // namespace rmgr::store::testing
