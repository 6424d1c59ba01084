#include "common/protocol/secret.h"

#include <ostream>

namespace rmgr::protocol {

std::ostream& operator<<(std::ostream& os, const Secret&) {
  return os << Secret::kRedacted;
}

}  // namespace rmgr::protocol
