#pragma once
// Child processes for cross-process tests: run one to completion with
// stdin text and captured output, or keep one (the server) running in the
// background until the test stops it. Only processes started here are
// ever signalled. Thread safety: one thread per object.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace rmgr::testing {

//! A TCP port on 127.0.0.1 that was free a moment ago (0 when none could be found).
std::uint16_t FreePort();

//! How a finished process ended and what it wrote.
struct ProcessResult {
  int code = -1;    ///< Exit status, 128+signal when killed, -1 when it could not start.
  std::string out;  ///< Standard output.
  std::string err;  ///< Standard error.
};

//! Runs `exe args...` with exactly `env` ("NAME=value"), feeding `stdin_text`;
//! kills it after `timeout`.
ProcessResult RunProcess(const std::string& exe, const std::vector<std::string>& args,
                         const std::vector<std::string>& env, const std::string& stdin_text,
                         std::chrono::seconds timeout);

//! A process left running, its stdout and stderr appended to a log file.
class BackgroundProcess {
 public:
  //! Starts `exe args...` with exactly `env`; pid() is -1 when it failed.
  BackgroundProcess(const std::string& exe, const std::vector<std::string>& args,
                    const std::vector<std::string>& env, const std::filesystem::path& log_file);
  //! Stops the process (see Stop) if it still runs.
  ~BackgroundProcess();
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;

  //! The child's pid, or -1.
  pid_t pid() const { return pid_; }
  //! True while the child has not exited.
  bool Running();
  //! SIGTERM, then SIGKILL after `grace`; the exit status as in ProcessResult.
  int Stop(std::chrono::seconds grace = std::chrono::seconds(20));

 private:
  pid_t pid_ = -1;
  int status_ = -1;
};

}  // namespace rmgr::testing
