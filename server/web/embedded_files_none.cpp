// The table of embedded UI files for a build with RMGR_WEB_UI=OFF: empty, so
// StaticSite::Embedded() serves its "UI not built" page.
#include "server/web/embedded_file.h"

namespace rmgr::server::web {

std::span<const EmbeddedFile> EmbeddedWebFiles() {
  return {};
}

}  // namespace rmgr::server::web
