#include "cli/secret_prompt.h"

#include <unistd.h>

#include <istream>
#include <optional>
#include <ostream>

#include "common/util/terminal_echo.h"

namespace rmgr::cli {

bool StdinIsTerminal() {
  return ::isatty(STDIN_FILENO) == 1;
}

Result<std::string> ReadSecret(std::istream& in, bool interactive, std::ostream& err, std::string_view prompt,
                               std::string_view field) {
  std::string line;
  std::optional<util::EchoOff> quiet;
  if (interactive) {
    err << prompt << std::flush;
    quiet.emplace();
  }
  const bool got = static_cast<bool>(std::getline(in, line));
  quiet.reset();
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (!got && line.empty()) {
    return MakeError(ErrorCode::kMissingField, "no " + std::string(field) + " on standard input",
                     std::string(field));
  }
  if (line.empty())
    return MakeError(ErrorCode::kInvalidArgument, "the " + std::string(field) + " is empty",
                     std::string(field));
  return line;
}

}  // namespace rmgr::cli
