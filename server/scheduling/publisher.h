#pragma once
// Publisher: every change a person watches — a job's state, progress and log
// lines, a host connecting, leaving or applying schedules — goes to the
// EventSink after it committed, and job and host changes to every
// ChangeObserver. A read failure only costs the live update.
// Thread safety: safe from any thread (the sink and the store are).

#include <boost/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "server/events/event_bus.h"
#include "server/scheduling/change_observer.h"
#include "server/store/store.h"

namespace rmgr::server::scheduling {

//! Publishes committed changes for the web UI.
class Publisher {
 public:
  Publisher(store::Store& store, events::EventSink& events, std::vector<ChangeObserver*> observers = {})
      : store_(store), events_(events), observers_(std::move(observers)) {}

  //! A host's current record.
  void Host(const store::Host& host);
  //! Reads and publishes a host.
  void Host(const std::string& host_id);
  //! A job's current record.
  void Job(const store::Job& job);
  //! Reads and publishes jobs (unknown ids are skipped).
  void Jobs(const std::vector<std::string>& job_ids);
  //! Any other event (progress, log lines).
  void Raw(std::string type, boost::json::value data);

 private:
  store::Store& store_;
  events::EventSink& events_;
  const std::vector<ChangeObserver*> observers_;
};

}  // namespace rmgr::server::scheduling
