#include "agent/runner/restic_output.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>

#include "common/protocol/limits.h"

namespace rmgr::agent::runner {
namespace {

namespace json = boost::json;
using protocol::ErrorKind;
using protocol::JobStatus;

//! Most stdout JSON kept by the collector (a snapshots array is one line; ls gives one per node).
constexpr std::size_t kMaxJsonBytes = std::size_t{64} << 20;

uint64_t U64(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (!v) return 0;
  constexpr auto kMax = static_cast<uint64_t>(protocol::limits::kMaxCount);
  if (v->is_uint64()) return std::min(v->get_uint64(), kMax);
  if (v->is_int64()) return v->get_int64() < 0 ? 0 : std::min(static_cast<uint64_t>(v->get_int64()), kMax);
  if (v->is_double()) {
    const double d = v->get_double();
    if (!(d > 0) || !std::isfinite(d)) return 0;
    return d >= static_cast<double>(kMax) ? kMax : static_cast<uint64_t>(d);
  }
  return 0;
}

double Double(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (!v) return 0;
  double d = 0;
  if (v->is_double())
    d = v->get_double();
  else if (v->is_int64())
    d = static_cast<double>(v->get_int64());
  else if (v->is_uint64())
    d = static_cast<double>(v->get_uint64());
  return std::isfinite(d) && d > 0 ? d : 0;
}

protocol::JobProgress ToProgress(const json::object& o) {
  protocol::JobProgress p;
  p.percent_done = std::clamp(Double(o, "percent_done"), 0.0, 1.0);
  p.total_files = U64(o, "total_files");
  p.total_bytes = U64(o, "total_bytes");
  // A restore's status (0.16+) counts files_restored / bytes_restored instead.
  p.files_done = o.contains("files_restored") ? U64(o, "files_restored") : U64(o, "files_done");
  p.bytes_done = o.contains("bytes_restored") ? U64(o, "bytes_restored") : U64(o, "bytes_done");
  p.seconds_elapsed = U64(o, "seconds_elapsed");
  p.seconds_remaining = U64(o, "seconds_remaining");
  p.error_count = U64(o, "error_count");
  if (const auto* files = o.if_contains("current_files"); files && files->is_array()) {
    for (const auto& f : files->get_array()) {
      if (p.current_files.size() >= protocol::limits::kMaxCurrentFiles) break;
      if (f.is_string()) p.current_files.emplace_back(f.get_string());
    }
  }
  return p;
}

protocol::BackupSummary ToSummary(const json::object& o) {
  protocol::BackupSummary s;
  s.files_new = U64(o, "files_new");
  s.files_changed = U64(o, "files_changed");
  s.files_unmodified = U64(o, "files_unmodified");
  s.dirs_new = U64(o, "dirs_new");
  s.dirs_changed = U64(o, "dirs_changed");
  s.dirs_unmodified = U64(o, "dirs_unmodified");
  s.data_blobs = U64(o, "data_blobs");
  s.tree_blobs = U64(o, "tree_blobs");
  s.data_added = U64(o, "data_added");
  s.total_files_processed = U64(o, "total_files_processed");
  s.total_bytes_processed = U64(o, "total_bytes_processed");
  s.total_duration = Double(o, "total_duration");
  if (const auto* id = o.if_contains("snapshot_id"); id && id->is_string()) {
    const std::string_view text = id->get_string();
    // restic prints the 8-hex short id (0.14) or the 64-hex full one (0.15+);
    // anything shorter is no id the wire (or restic) accepts.
    const bool hex = text.size() >= 8 && text.size() <= 64 &&
                     std::all_of(text.begin(), text.end(),
                                 [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
    if (hex) s.snapshot_id = std::string(text);
  }
  return s;
}

bool Contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

std::string_view TrimEnd(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' '))
    text.remove_suffix(1);
  return text;
}

// What a person reads of one stderr line. restic 0.18 writes its errors as
// JSON: {"message_type":"exit_error","code":12,"message":"Fatal: ..."} once
// at the end, {"message_type":"error","error":{"message":"..."},"item":"/p"}
// per file it could not read. Older releases (and every plain line) are text.
struct StderrText {
  std::string text;
  bool fatal = false;  ///< restic gave up with this (exit_error, or a "Fatal:" line).
};

StderrText ReadStderrLine(std::string_view line) {
  StderrText out{std::string(TrimEnd(line)), line.starts_with("Fatal:")};
  if (!line.starts_with('{')) return out;
  boost::system::error_code ec;
  const json::value v = json::parse(line, ec);
  const auto* o = ec ? nullptr : v.if_object();
  const auto* type = o ? o->if_contains("message_type") : nullptr;
  if (type == nullptr || !type->is_string()) return out;
  const auto string_at = [](const json::object& obj, std::string_view key) -> std::string_view {
    const auto* value = obj.if_contains(key);
    return value != nullptr && value->is_string() ? std::string_view(value->get_string())
                                                  : std::string_view();
  };
  if (type->get_string() == "exit_error") {
    if (const auto message = TrimEnd(string_at(*o, "message")); !message.empty())
      out.text = std::string(message);
    out.fatal = true;
  } else if (type->get_string() == "error") {
    const auto* error = o->if_contains("error");
    const auto message = error != nullptr && error->is_object()
                             ? TrimEnd(string_at(error->get_object(), "message"))
                             : std::string_view();
    const auto item = string_at(*o, "item");
    if (!message.empty())
      out.text = item.empty() ? std::string(message) : std::string(item) + ": " + std::string(message);
  }
  return out;
}

// restic 0.17+ also says why in the exit code; earlier releases exit 1 for
// all three and only the text tells (ClassifyStderrLine).
ErrorKind KindFromExit(int exit_code) {
  switch (exit_code) {
    case 10:
      return ErrorKind::kRepositoryMissing;
    case 11:
      return ErrorKind::kRepositoryLocked;
    case 12:
      return ErrorKind::kWrongPassword;
    default:
      return ErrorKind::kNone;
  }
}

int Rank(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kNone:
    case ErrorKind::kCancelled:  // server-only kinds: never classified here
    case ErrorKind::kInterrupted:
    case ErrorKind::kLost:
    case ErrorKind::kVerifyMismatch:  // decided by the drill, never from restic's words
    case ErrorKind::kRestoreRefused:  // decided by the agent's policy before restic runs
    case ErrorKind::kHookRefused:
      return 0;
    case ErrorKind::kOther:
      return 1;
    case ErrorKind::kHookFailed:
    case ErrorKind::kTimeout:
    case ErrorKind::kRepositoryLocked:
    case ErrorKind::kRepositoryMissing:
    case ErrorKind::kWrongPassword:
      return 2;
  }
  return 0;
}

}  // namespace

ParsedStdout ParseStdoutLine(std::string_view line) {
  ParsedStdout out;
  const auto first = line.find_first_not_of(" \t");
  if (first == std::string_view::npos || (line[first] != '{' && line[first] != '[')) return out;
  boost::system::error_code ec;
  json::value v = json::parse(line, ec);
  if (ec) return out;
  out.kind = StdoutKind::kOtherJson;
  if (!v.is_object()) return out;
  const auto& o = v.get_object();
  const auto* type = o.if_contains("message_type");
  if (!type || !type->is_string()) return out;
  if (type->get_string() == "status") {
    out.kind = StdoutKind::kStatus;
    out.progress = ToProgress(o);
  } else if (type->get_string() == "summary" &&
             (o.contains("files_restored") || o.contains("bytes_restored"))) {
    out.kind = StdoutKind::kRestoreSummary;
    out.restore = RestoreSummary{.total_files = U64(o, "total_files"),
                                 .files_restored = U64(o, "files_restored"),
                                 .files_skipped = U64(o, "files_skipped"),
                                 .total_bytes = U64(o, "total_bytes"),
                                 .bytes_restored = U64(o, "bytes_restored")};
  } else if (type->get_string() == "summary") {
    out.kind = StdoutKind::kSummary;
    out.summary = ToSummary(o);
  }
  return out;
}

std::string Describe(const RestoreSummary& s) {
  std::string out = "restored " + std::to_string(s.files_restored) + " of " + std::to_string(s.total_files) +
                    " files, " + std::to_string(s.bytes_restored) + " of " + std::to_string(s.total_bytes) +
                    " bytes";
  if (s.files_skipped > 0) out += " (" + std::to_string(s.files_skipped) + " files already there)";
  return out;
}

ErrorKind ClassifyStderrLine(std::string_view line) {
  if (Contains(line, "wrong password or no key found")) return ErrorKind::kWrongPassword;
  if (Contains(line, "unable to open config file") ||
      Contains(line, "Is there a repository at the following location?")) {
    return ErrorKind::kRepositoryMissing;
  }
  if (Contains(line, "repository is already locked")) return ErrorKind::kRepositoryLocked;
  return ErrorKind::kNone;
}

JobStatus StatusFromExit(int exit_code, bool cancelled) {
  if (exit_code == 130 || (cancelled && exit_code != 0 && exit_code != 3)) return JobStatus::kCancelled;
  if (exit_code == 0) return JobStatus::kSucceeded;
  if (exit_code == 3) return JobStatus::kPartial;
  return JobStatus::kFailed;
}

std::optional<protocol::JobProgress> ProgressThrottle::Offer(protocol::JobProgress progress,
                                                             std::chrono::steady_clock::time_point now) {
  if (!last_sent_ || now - *last_sent_ >= interval_) {
    last_sent_ = now;
    pending_.reset();
    return progress;
  }
  pending_ = std::move(progress);
  return std::nullopt;
}

std::optional<protocol::JobProgress> ProgressThrottle::Flush() {
  auto out = std::move(pending_);
  pending_.reset();
  return out;
}

ParsedStdout ResticOutputCollector::OnStdout(std::string_view line) {
  ParsedStdout parsed = ParseStdoutLine(line);
  if (parsed.kind == StdoutKind::kSummary) summary_ = parsed.summary;
  if (parsed.kind == StdoutKind::kOtherJson) {
    if (json_bytes_ + line.size() <= kMaxJsonBytes) {
      json_bytes_ += line.size();
      json_lines_.emplace_back(line);
    }
  }
  return parsed;
}

void ResticOutputCollector::OnStderr(std::string_view line) {
  if (line.empty()) return;
  StderrText read = ReadStderrLine(line);
  if (read.text.size() > protocol::limits::kMaxErrorBytes) read.text.resize(protocol::limits::kMaxErrorBytes);
  const ErrorKind kind = ClassifyStderrLine(read.text);
  if (kind != ErrorKind::kNone && Rank(kind) > Rank(error_kind_)) {
    error_kind_ = kind;
    error_text_ = std::move(read.text);
    error_classified_ = true;
    return;
  }
  if (error_classified_) return;
  if (read.fatal || !error_fatal_) {
    error_text_ = std::move(read.text);
    error_fatal_ = error_fatal_ || read.fatal;
  }
}

void ResticOutputCollector::FillResult(int exit_code, bool cancelled, protocol::JobResult& result) const {
  result.status = StatusFromExit(exit_code, cancelled);
  if (exit_code >= 0 && exit_code <= 255) result.exit_code = exit_code;
  result.summary = summary_;
  result.snapshot_id = summary_ ? summary_->snapshot_id : std::nullopt;
  result.error_kind = ErrorKind::kNone;
  result.error.reset();
  switch (result.status) {
    case JobStatus::kSucceeded:
    case JobStatus::kCancelled:
    case JobStatus::kInterrupted:
    case JobStatus::kQueued:  // server-only statuses: StatusFromExit never gives them
    case JobStatus::kDispatched:
    case JobStatus::kRunning:
    case JobStatus::kLost:
      return;
    case JobStatus::kPartial:
      result.error = error_text_.empty() ? std::string("some files could not be read") : error_text_;
      return;
    case JobStatus::kFailed:
      if (const ErrorKind by_exit = KindFromExit(exit_code); by_exit != ErrorKind::kNone) {
        result.error_kind = by_exit;
      } else {
        result.error_kind = error_kind_ == ErrorKind::kNone ? ErrorKind::kOther : error_kind_;
      }
      result.error =
          error_text_.empty() ? "restic exited with code " + std::to_string(exit_code) : error_text_;
      return;
  }
}

}  // namespace rmgr::agent::runner
