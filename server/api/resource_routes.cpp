#include "server/api/resource_routes.h"

#include "server/api/alert_handlers.h"
#include "server/api/audit_handlers.h"
#include "server/api/enrollment_handlers.h"
#include "server/api/fleet_handlers.h"
#include "server/api/host_handlers.h"
#include "server/api/job_handlers.h"
#include "server/api/notification_handlers.h"
#include "server/api/repository_handlers.h"
#include "server/api/rollout_handlers.h"
#include "server/api/schedule_handlers.h"
#include "server/api/source_group_handlers.h"
#include "server/api/stats_handlers.h"
#include "server/api/window_handlers.h"

namespace rmgr::server::api {

void RegisterResourceRoutes(ApiRoutes& routes, ApiDeps& deps) {
  RegisterHostRoutes(routes, deps);
  RegisterEnrollmentRoutes(routes, deps);
  RegisterRepositoryRoutes(routes, deps);
  RegisterSourceGroupRoutes(routes, deps);
  RegisterScheduleRoutes(routes, deps);
  RegisterJobRoutes(routes, deps);
  RegisterAuditRoutes(routes, deps);
  RegisterAlertRoutes(routes, deps);
  RegisterWindowRoutes(routes, deps);
  RegisterNotificationRoutes(routes, deps);
  RegisterStatsRoutes(routes, deps);
  RegisterRolloutRoutes(routes, deps);
  RegisterFleetRoutes(routes, deps);
}

}  // namespace rmgr::server::api
