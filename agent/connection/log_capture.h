#pragma once
// LogCapture (tests only): while alive, everything the "connection" logger
// writes, at every level, is also kept in memory so tests can check what was
// (and was not) logged. Add it before the io_context threads start and let it
// go after they stop: spdlog's sink list is not meant to change under load.
// Thread safety: Text() may be called while other threads log.

#include <spdlog/sinks/ringbuffer_sink.h>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "common/util/log.h"

namespace rmgr::agent::testing {

class LogCapture {
 public:
  LogCapture() : logger_(Logger("connection")), level_(logger_->level()) {
    logger_->sinks().push_back(sink_);
    logger_->set_level(spdlog::level::trace);
  }
  ~LogCapture() {
    logger_->set_level(level_);
    auto& sinks = logger_->sinks();
    std::erase(sinks, sink_);
  }
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;

  //! Every captured line, newline-terminated.
  std::string Text() const {
    std::string text;
    for (const auto& line : sink_->last_formatted()) text += line;
    return text;
  }

  //! How many captured lines contain `needle`.
  std::size_t Count(std::string_view needle) const {
    std::size_t n = 0;
    for (const auto& line : sink_->last_formatted()) n += line.find(needle) != std::string::npos ? 1 : 0;
    return n;
  }

 private:
  std::shared_ptr<spdlog::logger> logger_;
  spdlog::level::level_enum level_;
  std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> sink_ =
      std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(4096);
};

}  // namespace rmgr::agent::testing
