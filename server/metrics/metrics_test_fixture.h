#pragma once
// Test helpers for the metrics: a store seeded with one backup that
// succeeded (and a check that failed), and promtool from Debian's
// `prometheus` package run on a scrape or a rules file.
// Thread safety: test-only, one thread.

#include <optional>
#include <string>
#include <vector>

#include "server/store/store.h"

namespace rmgr::server::metrics::testing {

//! What SeedSucceededBackup made.
struct SeededBackup {
  store::Host host;              ///< "web-1", enrolled and connected.
  store::Repository repository;  ///< "offsite", with two indexed snapshots.
  store::SourceGroup group;      ///< "etc".
  store::Schedule schedule;      ///< "nightly", a backup schedule of web-1 for etc.
  store::Job backup;             ///< The succeeded backup (summary: 3 new files, 1234 bytes added).
  store::Job check;              ///< A failed check of "offsite".
};

//! Seeds the rows above into `store` (throws std::runtime_error on a store error).
SeededBackup SeedSucceededBackup(store::Store& store);

//! One run of a tool.
struct ToolRun {
  int exit_status = -1;  ///< Its exit status.
  std::string output;    ///< stdout and stderr together.
};

//! Runs `promtool ARGS...` with `stdin_text` on its standard input; nullopt
//! when promtool is not installed (/usr/bin/promtool, from Debian's
//! `prometheus` package, which scripts/install-deps.sh installs).
std::optional<ToolRun> RunPromtool(const std::vector<std::string>& args, const std::string& stdin_text = {});

//! The metric family names declared by `# TYPE` lines of a scrape.
std::vector<std::string> FamilyNames(const std::string& scrape);

}  // namespace rmgr::server::metrics::testing
