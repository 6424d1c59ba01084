#pragma once
// CommandEnv: what an API command runs with — the streams, the API client,
// the --json switch — plus the helpers every command shares: error lines
// and exit codes, list paging, table / detail / JSON output, secrets.
// Thread safety: one per RunCli call; not shared between threads.

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli/api_client.h"
#include "cli/cli_config.h"
#include "cli/table.h"
#include "common/result.h"

namespace CLI {
class App;
}  // namespace CLI

namespace rmgr::cli {

//! The process's streams, environment and clock, injectable for tests.
struct CliIo {
  std::ostream& out;                                     ///< Results.
  std::ostream& err;                                     ///< Errors, prompts, --verbose lines.
  std::istream& in;                                      ///< Passwords (--password-stdin or piped).
  bool in_is_tty = false;                                ///< Prompt with echo off instead of reading a pipe.
  EnvLookup env;                                         ///< RESTIC_MANAGER_*, XDG_CONFIG_HOME, HOME.
  std::function<void(std::chrono::milliseconds)> sleep;  ///< Pause between `job logs --follow` polls.
};

//! Paging flags of list commands.
struct PageFlags {
  int limit = 0;       ///< Page size; 0 leaves the server default (50), or 500 with `all`.
  bool all = false;    ///< Follow next_cursor until the end.
  std::string cursor;  ///< Start from this cursor.
};

//! Adds --limit, --cursor and --all to `command`, bound to `flags`.
void AddPageFlags(CLI::App* command, PageFlags& flags);

//! The context an API command runs in (see the file comment).
class CommandEnv {
 public:
  //! `api` must outlive this object.
  CommandEnv(CliIo& io, ApiClient& api, bool json) : io_(io), api_(api), json_(json) {}

  //! Standard output.
  std::ostream& out() { return io_.out; }
  //! Standard error.
  std::ostream& err() { return io_.err; }
  //! Streams, environment and clock.
  CliIo& io() { return io_; }
  //! The authenticated API client.
  ApiClient& api() { return api_; }
  //! True when --json was given.
  bool json() const { return json_; }

  //! Prints "restic-manager: <message> (<field>)" and returns kExitAuth for
  //! 401/403, else kExitFailure.
  int Fail(const ApiError& error);
  //! Prints "restic-manager: <message>" and returns kExitUsage.
  int Usage(std::string_view message);

  //! Prints `value` as one line of JSON.
  void PrintJson(const boost::json::value& value);

  //! A single-object answer: the JSON under --json, else `fields` as details.
  int ShowObject(const ApiResult<boost::json::value>& answer, const std::vector<Column>& fields);

  //! A list endpoint: fetches per `paging`, then prints `{"items","next_cursor"}`
  //! under --json or a table of `columns`; hints on stderr when more pages exist.
  int ShowList(std::string_view path, QueryParams query, const PageFlags& paging,
               const std::vector<Column>& columns);

  //! The pages of a list endpoint as `{"items": [...], "next_cursor": ...}`.
  ApiResult<boost::json::object> FetchList(std::string_view path, QueryParams query, const PageFlags& paging);

  //! An answer without a body worth showing (204, or an object after a
  //! mutation): the JSON under --json (nothing for 204), else `done` on stdout.
  int Done(const ApiResult<boost::json::value>& answer, std::string_view done);

  //! A created credential shown once: its "token" alone on stdout, or under
  //! --json an object with just `json_fields` of the answer.
  int ShowNewToken(ApiResult<boost::json::value> created, const std::vector<std::string>& json_fields);

  //! A secret: read from stdin when `from_stdin` or stdin is not a
  //! terminal, else prompted for with echo off.
  Result<std::string> ReadSecret(bool from_stdin, std::string_view prompt, std::string_view field);

 private:
  CliIo& io_;
  ApiClient& api_;
  bool json_;
};

//! The object inside an answer, or a "bad_response" error when the server
//! answered something else.
ApiResult<boost::json::object> ExpectObject(ApiResult<boost::json::value> answer);

//! A JSON array of strings.
boost::json::array JsonStrings(const std::vector<std::string>& values);

//! "role=laptop,site=berlin": the "labels" object of `record` (a host, an
//! enrollment token) in one table cell; "" when it has none.
std::string LabelsCell(const boost::json::object& record);

//! An API body's labels object from "key=value" arguments; the first bad one is the error.
Result<boost::json::object> LabelsBody(const std::vector<std::string>& args);

//! Adds `name` to `query` when `value` is not empty.
void AddQuery(QueryParams& query, std::string name, const std::string& value);

//! The usage error "<flag>: <why>" for the first of `from`/`to` that is set
//! but not an RFC 3339 time, or nullopt when both are fine.
std::optional<std::string> BadTimeRange(const std::string& from, const std::string& to);

}  // namespace rmgr::cli
