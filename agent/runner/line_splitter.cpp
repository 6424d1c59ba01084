#include "agent/runner/line_splitter.h"

namespace rmgr::agent::runner {

void LineSplitter::Feed(std::string_view data) {
  for (const char c : data) {
    if (c == '\n') {
      Deliver();
      continue;
    }
    if (buf_.size() < cap_) {
      buf_.push_back(c);
    } else {
      overflow_ = true;  // the rest of this line is dropped
    }
  }
}

void LineSplitter::Finish() {
  if (!buf_.empty() || overflow_) Deliver();
}

void LineSplitter::Deliver() {
  if (!buf_.empty() && buf_.back() == '\r') buf_.pop_back();
  if (callback_) callback_(stream_, buf_);
  buf_.clear();
  overflow_ = false;
}

}  // namespace rmgr::agent::runner
