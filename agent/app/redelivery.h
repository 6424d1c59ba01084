#pragma once
// Redelivery: keeps what the server has not answered moving on a ready
// connection (one that got hello.ok), so a lost or dropped frame is not
// stuck until the next reconnect:
//
// - on ready, every unanswered fire (FireOutbox) and unacknowledged result
//   (Outbox) is sent at once;
// - while ready, a fire still unanswered `fire_resend` after it was sent is
//   sent again, and so is a result, first after `result_resend_initial`, then
//   at doubling intervals up to `result_resend_max`. A frame the connection
//   refused (its write queue was full) is retried the same way;
// - while ready, a jobs.running report goes out every `report_every`.
//
// Nothing is sent before OnReady or after OnClosed. The periodic shape is
// userver's periodic task: a settings struct, Tick as the whole logic
// (deterministic with Options::now; tests call it), and a timer that calls
// it every `tick` in timer mode.
//
// Thread safety: every member may be called from any thread; one internal
// mutex serialises them, and the Sources are called under it (they must not
// call back into the Redelivery). In timer mode the io_context must outlive
// the object or Stop().

#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <vector>

#include "common/protocol/messages.h"

namespace rmgr::agent {

//! See the file comment.
class Redelivery {
 public:
  using SteadyTime = std::chrono::steady_clock::time_point;  ///< Monotonic time.

  //! Knobs; the defaults suit production.
  struct Options {
    std::chrono::milliseconds fire_resend{std::chrono::seconds{30}};  ///< Unanswered fire → again.
    std::chrono::milliseconds result_resend_initial{std::chrono::seconds{30}};  ///< First result resend.
    std::chrono::milliseconds result_resend_max{std::chrono::minutes{5}};       ///< Longest result interval.
    std::chrono::milliseconds report_every{std::chrono::seconds{60}};           ///< jobs.running period.
    std::chrono::milliseconds tick{std::chrono::seconds{1}};  ///< Timer period (timer mode).
    std::function<SteadyTime()> now{};                        ///< Monotonic clock; default steady_clock::now.
  };

  //! Where pending frames come from and where they go.
  struct Sources {
    std::function<std::vector<protocol::ScheduleFire>()> fires;  ///< Unanswered fires.
    std::function<std::vector<protocol::JobResult>()> results;   ///< Unacknowledged results.
    std::function<protocol::JobsRunning()> report;               ///< The jobs.running to send now.
    std::function<bool(protocol::Payload)> send;                 ///< Queues a frame; false if refused.
  };

  //! Manual mode: the owner calls Tick.
  Redelivery(Sources sources, Options options);
  //! Timer mode: a timer on `executor` calls Tick every Options::tick until Stop.
  Redelivery(boost::asio::any_io_executor executor, Sources sources, Options options);
  //! Stop().
  ~Redelivery();
  Redelivery(const Redelivery&) = delete;
  Redelivery& operator=(const Redelivery&) = delete;

  //! hello.ok arrived: sends everything pending now and starts the periodic work.
  void OnReady();
  //! The connection ended: nothing is sent until the next OnReady.
  void OnClosed();
  //! Sends what is due (see the file comment); a no-op unless ready.
  void Tick();
  //! Stops the timer for good; idempotent.
  void Stop();

 private:
  struct Core;
  std::shared_ptr<Core> core_;  // shared with the timer's handler, which holds it weakly
};

}  // namespace rmgr::agent
