#pragma once
// PeriodicTask: a timer-driven job as its own small object (after userver's
// utils::PeriodicTask): Start arms it, every `period` it runs the callback on
// the executor, Stop cancels it. A callback that is still running when Stop
// is called finishes; no new run starts after Stop.
// Thread safety: Start and Stop may be called from any thread; the callback
// runs on the executor given at construction (serially: the next run is armed
// only after the callback returned).

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

namespace rmgr {

//! Runs a callback every `period` on an executor until stopped.
class PeriodicTask {
 public:
  //! How and how often.
  struct Settings {
    std::chrono::milliseconds period{std::chrono::seconds(30)};  ///< Time between the end of one run and the next.
  };

  //! `name` appears in logs; `callback` must not throw (an exception is logged and the task goes on).
  PeriodicTask(boost::asio::any_io_executor executor, std::string name, Settings settings,
               std::function<void()> callback);
  //! Stops.
  ~PeriodicTask();
  PeriodicTask(const PeriodicTask&) = delete;
  PeriodicTask& operator=(const PeriodicTask&) = delete;

  //! Arms the first run one period from now. Idempotent while started.
  void Start();
  //! Cancels the armed run; idempotent.
  void Stop();

 private:
  void Arm();

  const std::string name_;
  const Settings settings_;
  const std::function<void()> callback_;
  std::mutex mu_;  // guards the two below
  bool started_ = false;
  boost::asio::steady_timer timer_;
};

}  // namespace rmgr
