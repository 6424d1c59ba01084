#include "common/schema/secret.h"

#include <ostream>

namespace rmgr::schema {

std::ostream& operator<<(std::ostream& os, const Secret&) {
  return os << Secret::kRedacted;
}

}  // namespace rmgr::schema
