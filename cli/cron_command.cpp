#include "cli/cron_command.h"

#include <date/tz.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <exception>
#include <optional>
#include <ostream>

#include "cli/cli_app.h"
#include "common/cron/cron_parser.h"
#include "common/cron/cron_text.h"
#include "common/cron/location.h"
#include "common/util/time_format.h"

namespace rmgr::cli {
namespace {

constexpr int kMaxCount = 1000;

constexpr const char* kNextHelp =
    "Print the next N fire times of EXPR after --from, one RFC 3339 timestamp per line.\n"
    "EXPR is a standard cron expression (minute hour day-of-month month day-of-week),\n"
    "a descriptor (@daily, @every 90m, ...) and may start with TZ=Zone or CRON_TZ=Zone.\n"
    "Times are evaluated and printed in: the expression's own TZ=/CRON_TZ= zone, else\n"
    "--tz, else the UTC offset written in --from, else UTC. Nothing is printed when the\n"
    "schedule never fires within five years.";

std::string Join(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) {
    if (!out.empty()) out += ' ';
    out += w;
  }
  return out;
}

Result<cron::Location> LoadTz(const std::string& name) {
  if (name.empty()) return MakeError(ErrorCode::kInvalidArgument, "empty time zone name", "tz");
  if (name == "Local") {
    try {
      return cron::Location::Zone(*date::current_zone());
    } catch (const std::exception&) {
      return MakeError(ErrorCode::kUnavailable, "cannot determine the local time zone", "tz");
    }
  }
  return cron::Location::Load(name);
}

}  // namespace

std::optional<cron::CronSchedule> ParseCronOrReport(const std::string& expr, std::ostream& err) {
  auto parsed = cron::ParseCron(expr);
  if (!parsed) {
    err << "restic-manager: invalid cron expression " << cron::Quote(expr) << ": " << parsed.error().message
        << "\n";
    return std::nullopt;
  }
  return *parsed;
}

CronCommand::CronCommand(CLI::App& app) {
  CLI::App* cron = app.add_subcommand("cron", "Offline helpers for cron expressions");
  cron->require_subcommand(1);

  next_ = cron->add_subcommand("next", kNextHelp);
  next_->add_option("expr", next_words_, "Cron expression (quote it, or pass its fields as separate words)")
      ->required();
  next_->add_option("-n,--count", count_, "How many fire times to print (1-1000)")->capture_default_str();
  from_option_ = next_->add_option(
      "--from", from_, "Start after this RFC 3339 time, e.g. 2026-03-08T00:00:00-05:00 (default: now)");
  tz_option_ = next_->add_option("--tz", tz_,
                                 "IANA zone for expressions without TZ=, e.g. America/New_York; 'UTC'; "
                                 "'Local' for this machine's zone");

  check_ = cron->add_subcommand("check", "Validate EXPR: print \"ok\", or the problem and exit 2");
  check_->add_option("expr", check_words_, "Cron expression")->required();
}

bool CronCommand::Selected() const {
  return next_->parsed() || check_->parsed();
}

int CronCommand::Run(std::ostream& out, std::ostream& err) const {
  if (next_->parsed()) return RunNext(out, err);
  if (check_->parsed()) return RunCheck(out, err);
  return kExitUsage;
}

int CronCommand::RunCheck(std::ostream& out, std::ostream& err) const {
  if (!ParseCronOrReport(Join(check_words_), err)) return kExitUsage;
  out << "ok\n";
  return kExitOk;
}

int CronCommand::RunNext(std::ostream& out, std::ostream& err) const {
  const auto schedule = ParseCronOrReport(Join(next_words_), err);
  if (!schedule) return kExitUsage;
  if (count_ < 1 || count_ > kMaxCount) {
    err << "restic-manager: -n must be between 1 and " << kMaxCount << ", got " << count_ << "\n";
    return kExitUsage;
  }

  Seconds from = std::chrono::floor<std::chrono::seconds>(Clock::now());
  cron::Location fallback = cron::Location::Utc();
  if (from_option_->count() > 0) {
    auto parsed = ParseRfc3339(from_);
    if (!parsed) {
      err << "restic-manager: --from: " << parsed.error().message << "\n";
      return kExitUsage;
    }
    // Sub-second times are floored, as robfig's Next rounds them.
    from = std::chrono::floor<std::chrono::seconds>(parsed->time);
    fallback = cron::Location::Fixed(parsed->offset);
  }
  if (tz_option_->count() > 0) {
    auto zone = LoadTz(tz_);
    if (!zone) {
      err << "restic-manager: --tz: " << zone.error().message << "\n";
      return kExitUsage;
    }
    fallback = *zone;
  }

  const cron::Location& shown = schedule->EvaluationLocation(fallback);
  std::optional<Seconds> t = from;
  for (int i = 0; i < count_; ++i) {
    t = schedule->Next(*t, fallback);
    if (!t) break;  // never (again): print what we have
    out << shown.Format(*t) << "\n";
  }
  return kExitOk;
}

}  // namespace rmgr::cli
