#include "common/protocol/job_args.h"

#include <boost/json.hpp>

#include "common/protocol/wire_schema.h"
#include "common/schema/document.h"

namespace rmgr::protocol {

Result<JobArgs> DecodeJobArgs(std::string_view text) {
  return schema::DecodeObject<JobArgs>(text);
}

std::string EncodeJobArgs(const JobArgs& args) {
  return boost::json::serialize(schema::WriteObject(args, /*redact=*/false));
}

}  // namespace rmgr::protocol
