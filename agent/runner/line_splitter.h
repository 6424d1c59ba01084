#pragma once
// LineSplitter: turns a child's output bytes into lines for a LineCallback,
// cutting lines at a byte cap so memory stays bounded. Shared by
// ResticProcess and the executor's hook runner.
// Thread safety: single-threaded value type.

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "common/protocol/enums.h"

namespace rmgr::agent::runner {

//! Receives one output line (no newline, no trailing '\r') from stdout or stderr.
using LineCallback = std::function<void(protocol::LogStream stream, std::string_view line)>;

//! Splits one stream into lines; the rest of a line longer than the cap is dropped.
class LineSplitter {
 public:
  //! Lines of `stream` go to `callback` (which must outlive the splitter), cut at `cap` bytes.
  LineSplitter(protocol::LogStream stream, const LineCallback& callback, std::size_t cap)
      : stream_(stream), callback_(callback), cap_(cap) {}

  //! Feeds bytes read from the stream.
  void Feed(std::string_view data);
  //! At EOF: delivers an unterminated last line, if any.
  void Finish();

 private:
  void Deliver();

  protocol::LogStream stream_;
  const LineCallback& callback_;
  std::size_t cap_;
  std::string buf_{};
  bool overflow_ = false;  // the current line passed the cap
};

}  // namespace rmgr::agent::runner
