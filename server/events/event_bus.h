#pragma once
// EventBus: live updates for the web UI (DESIGN.md "Web UI"). The agent
// controller and the REST handlers publish what changed — a job's state, its
// progress and log lines, a host connecting, going away or applying its
// schedules — and every open `/api/v1/events` stream whose caller may see it
// gets it as one server-sent event.
//
// Data flow: Publish → (frame serialized once) → each subscriber's Deliver,
// which must only queue (EventStream does) so a slow browser never slows the
// publisher.
//
// Thread safety: every member may be called from any thread.

#include <boost/json/value.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "server/auth/principal.h"

namespace rmgr::server::events {

//! One live update.
struct Event {
  std::string type;                           ///< SSE event name: "job", "job.progress", "job.log", "host".
  boost::json::value data;                    ///< The SSE data line (a JSON object).
  auth::Role min_role = auth::Role::kViewer;    ///< Weakest role that may see it.
};

//! Where changes are published. The REST API and the agent controller hold one.
class EventSink {
 public:
  virtual ~EventSink() = default;
  //! Hands the event to every subscriber allowed to see it; returns at once.
  virtual void Publish(Event event) = 0;
};

//! An EventSink that drops everything (handler tests, tools).
EventSink& NoEvents();

//! The SSE wire form of an event: "event: <type>\ndata: <json>\n\n".
std::string FormatEvent(const Event& event);

class EventBus final : public EventSink {
 public:
  //! Receives one formatted frame; must not block.
  using Deliver = std::function<void(std::shared_ptr<const std::string> frame)>;

  //! Adds a subscriber seeing events up to `role`; returns its id.
  std::uint64_t Subscribe(auth::Role role, Deliver deliver);
  //! Removes a subscriber; unknown ids are ignored. After it returns no new
  //! delivery starts (one already running may still finish).
  void Unsubscribe(std::uint64_t id);
  //! Open subscriptions (tests, metrics).
  std::size_t SubscriberCount() const;

  void Publish(Event event) override;

 private:
  struct Subscriber {
    auth::Role role;
    std::shared_ptr<Deliver> deliver;
  };
  mutable std::mutex mu_;
  std::map<std::uint64_t, Subscriber> subscribers_;
  std::uint64_t next_id_ = 1;
};

}  // namespace rmgr::server::events
