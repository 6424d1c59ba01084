#pragma once
// A small Prometheus client: the text exposition format (version 0.0.4),
// counters, gauges and histograms with fixed buckets, and collectors that
// write families computed at scrape time (from the store, from the hub).
// Debian 12 has no prometheus-cpp package, so this is the few hundred lines
// the server needs; `promtool check metrics` checks its output in the tests.
//
// Format rules kept here so callers cannot get them wrong: every family has
// its # HELP and # TYPE lines once; label values are escaped (\\, \", \n)
// and made valid UTF-8; HELP text escapes \\ and \n; histogram buckets are
// cumulative with a final le="+Inf" equal to _count.
//
// Gauges are always computed at scrape time, so they are written by
// collectors; counters and histograms count events as they happen.
//
// Thread safety: CounterVec and HistogramVec may be updated from
// any number of threads at once and rendered concurrently (one mutex each).
// Registry: register families and collectors on one thread before serving;
// Render may then run on any thread (collectors must be thread safe).
// TextWriter is a plain value used by one thread.

#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rmgr::server::metrics {

//! The Content-Type of a scrape.
inline constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

//! A label value escaped for a sample line: \\, \" and \n, invalid UTF-8 bytes as U+FFFD.
std::string EscapeLabelValue(std::string_view value);
//! HELP text escaped: \\ and \n (and invalid UTF-8 bytes as U+FFFD).
std::string EscapeHelp(std::string_view help);
//! A sample value: integers without a fraction, NaN, +Inf, -Inf, else the shortest round-trip form.
std::string FormatValue(double value);

//! One label of a sample, as written: name="value".
using Label = std::pair<std::string_view, std::string_view>;

//! Builds one scrape's text. Families are written as a HELP line, a TYPE
//! line and their samples; the caller writes each family once, its samples
//! right after it.
class TextWriter {
 public:
  //! Starts a family: `type` is "counter", "gauge" or "histogram".
  void Family(std::string_view name, std::string_view type, std::string_view help);
  //! One sample without labels.
  void Sample(std::string_view name, double value) { SampleLine(name, nullptr, 0, value); }
  //! One sample: `name`{labels} value. For a histogram, name carries the
  //! _bucket / _sum / _count suffix.
  void Sample(std::string_view name, std::initializer_list<Label> labels, double value);
  //! Same, with labels as a vector (names and values kept by the caller).
  void Sample(std::string_view name, const std::vector<Label>& labels, double value);
  //! The text written so far, moved out.
  std::string Take() { return std::move(out_); }

 private:
  void SampleLine(std::string_view name, const Label* labels, std::size_t count, double value);
  std::string out_;
};

//! Something that writes whole families at scrape time (the store's state,
//! the hub's counters, the alert engine's firing alerts).
class Collector {
 public:
  virtual ~Collector() = default;
  //! Writes this collector's families. Called on a scrape thread; must be
  //! thread safe and must not write a family another collector writes.
  virtual void Collect(TextWriter& out) = 0;
};

//! A family of counters, one per combination of label values.
class CounterVec {
 public:
  //! `label_names` fixes the labels of every sample, in order.
  CounterVec(std::string name, std::string help, std::vector<std::string> label_names);
  //! Adds `by` (>= 0) to the counter of `label_values` (one per label name).
  void Inc(const std::vector<std::string>& label_values, double by = 1);
  //! The counter's value (0 when never incremented).
  double Value(const std::vector<std::string>& label_values) const;
  //! Writes the family.
  void Write(TextWriter& out) const;

 private:
  const std::string name_;
  const std::string help_;
  const std::vector<std::string> label_names_;
  mutable std::mutex mu_;
  std::map<std::vector<std::string>, double> values_;
};

//! A family of histograms with fixed upper bounds, one per combination of label values.
class HistogramVec {
 public:
  //! `bounds` are the buckets' upper bounds, ascending; +Inf is implied.
  HistogramVec(std::string name, std::string help, std::vector<std::string> label_names,
               std::vector<double> bounds);
  //! Counts `value` in every bucket whose bound is >= value, and in _sum / _count.
  void Observe(const std::vector<std::string>& label_values, double value);
  //! Writes the family.
  void Write(TextWriter& out) const;

 private:
  struct Cell {
    std::vector<std::uint64_t> counts;  // per bucket, not cumulative; one more for +Inf
    double sum = 0;
    std::uint64_t count = 0;
  };
  const std::string name_;
  const std::string help_;
  const std::vector<std::string> label_names_;
  const std::vector<double> bounds_;
  mutable std::mutex mu_;
  std::map<std::vector<std::string>, Cell> cells_;
};

//! Every family of one server, rendered in registration order.
class Registry {
 public:
  //! A counter family owned by the registry; the reference stays valid for its life.
  CounterVec& AddCounter(std::string name, std::string help, std::vector<std::string> label_names);
  //! A histogram family owned by the registry.
  HistogramVec& AddHistogram(std::string name, std::string help, std::vector<std::string> label_names,
                             std::vector<double> bounds);
  //! A collector asked on every scrape; not owned, must outlive the registry's use.
  void AddCollector(Collector* collector);
  //! The whole scrape text.
  std::string Render() const;

 private:
  struct Entry {
    std::unique_ptr<CounterVec> counter;
    std::unique_ptr<HistogramVec> histogram;
    Collector* collector = nullptr;
  };
  std::vector<Entry> entries_;
};

}  // namespace rmgr::server::metrics
