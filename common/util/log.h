#pragma once
// One named spdlog logger per component ("server", "agent", "store", ...),
// all writing to stderr through one shared sink. Never log secrets.
// Thread safety: Logger() and SetLogLevel() may be called from any thread.

#include <spdlog/spdlog.h>

#include <memory>
#include <string>

namespace rmgr {

//! The logger for a component, created on first use.
std::shared_ptr<spdlog::logger> Logger(const std::string& component);

//! Sets the level of every logger, existing and future ("trace".."off").
//! Returns false for an unknown level name.
bool SetLogLevel(const std::string& level);

}  // namespace rmgr
