#include "cli/command_env.h"

#include <CLI/CLI.hpp>
#include <boost/json/serialize.hpp>
#include <ostream>
#include <utility>

#include "cli/cli_app.h"
#include "cli/secret_prompt.h"
#include "common/labels/labels.h"
#include "common/util/time_format.h"

namespace rmgr::cli {
namespace {

constexpr int kMaxPageSize = 500;
constexpr int kMaxPages = 10000;  // bounds --all against a server that never ends a listing

ApiError BadResponse(std::string message) {
  return ApiError{0, "bad_response", std::move(message), ""};
}

}  // namespace

void AddPageFlags(CLI::App* command, PageFlags& flags) {
  command->add_option("--limit", flags.limit, "Items per page (1-500; server default 50)")
      ->check(CLI::Range(1, kMaxPageSize));
  command->add_option("--cursor", flags.cursor,
                      "Continue from this cursor (printed when more results exist)");
  command->add_flag("--all", flags.all, "Fetch every page");
}

ApiResult<boost::json::object> ExpectObject(ApiResult<boost::json::value> answer) {
  if (!answer) return answer.error();
  if (!answer->is_object()) return BadResponse("the server answered something other than a JSON object");
  return std::move(answer->as_object());
}

boost::json::array JsonStrings(const std::vector<std::string>& values) {
  return boost::json::array(values.begin(), values.end());
}

std::string LabelsCell(const boost::json::object& record) {
  const auto* labels = record.if_contains("labels");
  if (labels == nullptr || !labels->is_object()) return "";
  std::string out;
  for (const auto& [key, value] : labels->get_object()) {
    if (!out.empty()) out += ',';
    out += std::string(key) + "=" + (value.is_string() ? std::string(value.get_string()) : "");
  }
  return out;
}

Result<boost::json::object> LabelsBody(const std::vector<std::string>& args) {
  boost::json::object out;
  for (const auto& arg : args) {
    auto label = labels::ParseLabel(arg);
    if (!label) return label.error();
    out[label->first] = label->second;
  }
  return out;
}

std::optional<std::string> BadTimeRange(const std::string& from, const std::string& to) {
  for (const auto* time : {&from, &to}) {
    if (time->empty()) continue;
    if (auto parsed = ParseRfc3339(*time); !parsed) {
      return (time == &from ? "--from: " : "--to: ") + parsed.error().message;
    }
  }
  return std::nullopt;
}

void AddQuery(QueryParams& query, std::string name, const std::string& value) {
  if (!value.empty()) query.emplace_back(std::move(name), value);
}

int CommandEnv::Fail(const ApiError& error) {
  io_.err << "restic-manager: " << Printable(error.OneLine()) << '\n';
  return error.IsAuthFailure() ? kExitAuth : kExitFailure;
}

int CommandEnv::Usage(std::string_view message) {
  io_.err << "restic-manager: " << message << '\n';
  return kExitUsage;
}

void CommandEnv::PrintJson(const boost::json::value& value) {
  io_.out << boost::json::serialize(value) << '\n';
}

int CommandEnv::ShowObject(const ApiResult<boost::json::value>& answer, const std::vector<Column>& fields) {
  if (!answer) return Fail(answer.error());
  if (json_) {
    PrintJson(*answer);
    return kExitOk;
  }
  const auto* object = answer->if_object();
  if (object == nullptr) return Fail(BadResponse("the server answered something other than a JSON object"));
  PrintDetails(io_.out, *object, fields);
  return kExitOk;
}

ApiResult<boost::json::object> CommandEnv::FetchList(std::string_view path, QueryParams query,
                                                     const PageFlags& paging) {
  const int page_size = paging.limit > 0 ? paging.limit : (paging.all ? kMaxPageSize : 0);
  boost::json::array items;
  boost::json::value next = nullptr;
  std::string cursor = paging.cursor;
  for (int page = 0; page < kMaxPages; ++page) {
    QueryParams q = query;
    if (page_size > 0) q.emplace_back("limit", std::to_string(page_size));
    AddQuery(q, "cursor", cursor);
    auto answer = ExpectObject(api_.Get(path, q));
    if (!answer) return answer.error();
    auto* page_items = answer->if_contains("items");
    if (page_items == nullptr || !page_items->is_array())
      return BadResponse("the server's list has no \"items\"");
    for (auto& item : page_items->as_array()) items.push_back(std::move(item));
    const auto* following = answer->if_contains("next_cursor");
    next = following != nullptr && following->is_string() ? *following : boost::json::value(nullptr);
    if (!paging.all || next.is_null()) break;
    if (next.as_string() == cursor) return BadResponse("the server repeated a page cursor");
    cursor = next.as_string();
  }
  return boost::json::object{{"items", std::move(items)}, {"next_cursor", std::move(next)}};
}

int CommandEnv::ShowList(std::string_view path, QueryParams query, const PageFlags& paging,
                         const std::vector<Column>& columns) {
  auto list = FetchList(path, std::move(query), paging);
  if (!list) return Fail(list.error());
  if (json_) {
    PrintJson(*list);
    return kExitOk;
  }
  PrintTable(io_.out, list->at("items").as_array(), columns);
  if (const auto& next = list->at("next_cursor"); next.is_string()) {
    io_.err << "(more results: add --all, or --cursor " << Printable(next.as_string()) << ")\n";
  }
  return kExitOk;
}

int CommandEnv::Done(const ApiResult<boost::json::value>& answer, std::string_view done) {
  if (!answer) return Fail(answer.error());
  if (json_) {
    if (!answer->is_null()) PrintJson(*answer);
    return kExitOk;
  }
  io_.out << done << '\n';
  return kExitOk;
}

int CommandEnv::ShowNewToken(ApiResult<boost::json::value> created,
                             const std::vector<std::string>& json_fields) {
  auto object = ExpectObject(std::move(created));
  if (!object) return Fail(object.error());
  const auto* token = object->if_contains("token");
  if (token == nullptr || !token->is_string()) return Fail(BadResponse("the server's answer has no token"));
  if (!json_) {
    io_.out << Printable(token->as_string()) << '\n';
    return kExitOk;
  }
  boost::json::object shown;
  for (const auto& name : json_fields) {
    const auto* value = object->if_contains(name);
    shown[name] = value != nullptr ? *value : boost::json::value(nullptr);
  }
  PrintJson(shown);
  return kExitOk;
}

Result<std::string> CommandEnv::ReadSecret(bool from_stdin, std::string_view prompt, std::string_view field) {
  return cli::ReadSecret(io_.in, !from_stdin && io_.in_is_tty, io_.err, prompt, field);
}

}  // namespace rmgr::cli
