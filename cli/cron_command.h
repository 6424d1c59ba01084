#pragma once
// `restic-manager cron next` and `cron check`: offline helpers over the cron
// engine, so operators can see when an expression fires before saving it.
// Thread safety: one instance per RunCli call; not shared between threads.

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "common/cron/cron_schedule.h"

namespace CLI {
class App;
class Option;
}  // namespace CLI

namespace rmgr::cli {

//! Parses a cron expression, or writes the one-line "invalid cron
//! expression" error to `err` and returns nullopt (shared with `schedule add`).
std::optional<cron::CronSchedule> ParseCronOrReport(const std::string& expr, std::ostream& err);

//! The `cron` command group. Construct it on the root app before parsing;
//! after a successful parse, Run() executes whichever subcommand was chosen.
class CronCommand {
 public:
  //! Adds `cron next` and `cron check` under a new `cron` subcommand of `app`.
  //! The flag values are bound to this object, so it must outlive parsing.
  explicit CronCommand(CLI::App& app);

  CronCommand(const CronCommand&) = delete;
  CronCommand& operator=(const CronCommand&) = delete;

  //! True when the parsed command line chose `cron next` or `cron check`.
  bool Selected() const;

  //! Runs the chosen subcommand; returns an ExitCode (cli_app.h). Errors are
  //! one line on `err`, prefixed "restic-manager: ".
  int Run(std::ostream& out, std::ostream& err) const;

 private:
  int RunNext(std::ostream& out, std::ostream& err) const;
  int RunCheck(std::ostream& out, std::ostream& err) const;

  CLI::App* next_ = nullptr;
  CLI::App* check_ = nullptr;
  CLI::Option* from_option_ = nullptr;
  CLI::Option* tz_option_ = nullptr;
  std::vector<std::string> next_words_;   // EXPR, possibly split by the shell
  std::vector<std::string> check_words_;  // EXPR for `check`
  int count_ = 5;
  std::string from_;
  std::string tz_;
};

}  // namespace rmgr::cli
