#include "server/scheduling/publisher.h"

#include "server/views/json_views.h"

namespace rmgr::server::scheduling {

void Publisher::Host(const store::Host& host) {
  events_.Publish(events::Event{"host", views::HostJson(host)});
  for (auto* observer : observers_) observer->HostChanged(host);
}

void Publisher::Host(const std::string& host_id) {
  auto host = store_.Read([&](store::ReadTx& tx) { return tx.GetHost(host_id); });
  if (host) Host(*host);
}

void Publisher::Job(const store::Job& job) {
  events_.Publish(events::Event{"job", views::JobJson(job)});
  for (auto* observer : observers_) observer->JobChanged(job);
}

void Publisher::Jobs(const std::vector<std::string>& job_ids) {
  if (job_ids.empty()) return;
  auto jobs = store_.Read([&](store::ReadTx& tx) -> Result<std::vector<store::Job>> {
    std::vector<store::Job> out;
    for (const auto& id : job_ids) {
      auto job = tx.GetJob(id);
      if (job) out.push_back(std::move(*job));
    }
    return out;
  });
  if (!jobs) return;
  for (const auto& job : *jobs) Job(job);
}

void Publisher::Raw(std::string type, boost::json::value data) {
  events_.Publish(events::Event{std::move(type), std::move(data)});
}

}  // namespace rmgr::server::scheduling
