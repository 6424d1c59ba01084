#include "server/metrics/registry.h"

#include <fmt/format.h>

#include <cassert>
#include <cmath>
#include <iterator>
#include <limits>

namespace rmgr::server::metrics {
namespace {

// Length of the valid UTF-8 sequence starting at text[i], or 0 when the
// bytes there are not one (overlong forms, surrogates and > U+10FFFF included).
std::size_t Utf8Length(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  if (lead < 0x80) return 1;
  std::size_t length = 0;
  unsigned char min2 = 0x80;
  unsigned char max2 = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) min2 = 0xA0;
    if (lead == 0xED) max2 = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) min2 = 0x90;
    if (lead == 0xF4) max2 = 0x8F;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  if (byte(i + 1) < min2 || byte(i + 1) > max2) return 0;
  for (std::size_t k = 2; k < length; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  }
  return length;
}

// Appends `text` escaped to `out`: \\ and \n always, " when `quote`, and
// bytes that are not valid UTF-8 as U+FFFD. Plain ASCII (nearly every host
// and schedule name) is appended as is, without a byte-by-byte copy.
void AppendEscaped(std::string& out, std::string_view text, bool quote) {
  bool plain = true;
  for (const char c : text) {
    if (c == '\\' || c == '\n' || (quote && c == '"') || static_cast<unsigned char>(c) >= 0x80) {
      plain = false;
      break;
    }
  }
  if (plain) {
    out.append(text);
    return;
  }
  for (std::size_t i = 0; i < text.size();) {
    const char c = text[i];
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && quote) {
      out += "\\\"";
    } else {
      const std::size_t length = Utf8Length(text, i);
      if (length == 0) {
        out += "\xEF\xBF\xBD";  // U+FFFD
        ++i;
        continue;
      }
      out.append(text.substr(i, length));
      i += length;
      continue;
    }
    ++i;
  }
}

void AppendValue(std::string& out, double value) {
  if (std::isnan(value)) {
    out += "NaN";
  } else if (std::isinf(value)) {
    out += value > 0 ? "+Inf" : "-Inf";
  } else if (value == std::floor(value) && std::fabs(value) < 1e15) {
    fmt::format_to(std::back_inserter(out), "{}", static_cast<std::int64_t>(value));
  } else {
    fmt::format_to(std::back_inserter(out), "{}", value);
  }
}

std::vector<Label> Zip(const std::vector<std::string>& names, const std::vector<std::string>& values) {
  std::vector<Label> labels;
  labels.reserve(names.size() + 1);
  for (std::size_t i = 0; i < names.size(); ++i) labels.emplace_back(names[i], values[i]);
  return labels;
}

}  // namespace

std::string EscapeLabelValue(std::string_view value) {
  std::string out;
  AppendEscaped(out, value, true);
  return out;
}

std::string EscapeHelp(std::string_view help) {
  std::string out;
  AppendEscaped(out, help, false);
  return out;
}

std::string FormatValue(double value) {
  std::string out;
  AppendValue(out, value);
  return out;
}

// ---------------------------------------------------------------- TextWriter

void TextWriter::Family(std::string_view name, std::string_view type, std::string_view help) {
  out_ += "# HELP ";
  out_ += name;
  out_ += ' ';
  AppendEscaped(out_, help, false);
  out_ += "\n# TYPE ";
  out_ += name;
  out_ += ' ';
  out_ += type;
  out_ += '\n';
}

void TextWriter::Sample(std::string_view name, std::initializer_list<Label> labels, double value) {
  SampleLine(name, labels.begin(), labels.size(), value);
}

void TextWriter::Sample(std::string_view name, const std::vector<Label>& labels, double value) {
  SampleLine(name, labels.data(), labels.size(), value);
}

void TextWriter::SampleLine(std::string_view name, const Label* labels, std::size_t count, double value) {
  out_ += name;
  if (count > 0) {
    out_ += '{';
    for (std::size_t i = 0; i < count; ++i) {
      if (i > 0) out_ += ',';
      out_ += labels[i].first;
      out_ += "=\"";
      AppendEscaped(out_, labels[i].second, true);
      out_ += '"';
    }
    out_ += '}';
  }
  out_ += ' ';
  AppendValue(out_, value);
  out_ += '\n';
}

// ---------------------------------------------------------------- CounterVec

CounterVec::CounterVec(std::string name, std::string help, std::vector<std::string> label_names)
    : name_(std::move(name)), help_(std::move(help)), label_names_(std::move(label_names)) {}

void CounterVec::Inc(const std::vector<std::string>& label_values, double by) {
  assert(label_values.size() == label_names_.size() && "one value per label name");
  assert(by >= 0 && "a counter only goes up");
  std::lock_guard lock(mu_);
  values_[label_values] += by;
}

double CounterVec::Value(const std::vector<std::string>& label_values) const {
  std::lock_guard lock(mu_);
  const auto it = values_.find(label_values);
  return it == values_.end() ? 0 : it->second;
}

void CounterVec::Write(TextWriter& out) const {
  out.Family(name_, "counter", help_);
  std::lock_guard lock(mu_);
  for (const auto& [values, value] : values_) out.Sample(name_, Zip(label_names_, values), value);
}

// ---------------------------------------------------------------- HistogramVec

HistogramVec::HistogramVec(std::string name, std::string help, std::vector<std::string> label_names,
                           std::vector<double> bounds)
    : name_(std::move(name)),
      help_(std::move(help)),
      label_names_(std::move(label_names)),
      bounds_(std::move(bounds)) {
  for ([[maybe_unused]] std::size_t i = 1; i < bounds_.size(); ++i) {
    assert(bounds_[i - 1] < bounds_[i] && "histogram bounds must ascend");
  }
}

void HistogramVec::Observe(const std::vector<std::string>& label_values, double value) {
  assert(label_values.size() == label_names_.size() && "one value per label name");
  std::size_t bucket = 0;
  while (bucket < bounds_.size() && value > bounds_[bucket]) ++bucket;
  std::lock_guard lock(mu_);
  auto& cell = cells_[label_values];
  if (cell.counts.empty()) cell.counts.resize(bounds_.size() + 1);
  ++cell.counts[bucket];
  cell.sum += value;
  ++cell.count;
}

void HistogramVec::Write(TextWriter& out) const {
  out.Family(name_, "histogram", help_);
  const std::string bucket_name = name_ + "_bucket";
  const std::string sum_name = name_ + "_sum";
  const std::string count_name = name_ + "_count";
  std::vector<std::string> bounds;
  bounds.reserve(bounds_.size() + 1);
  for (const double bound : bounds_) bounds.push_back(FormatValue(bound));
  bounds.emplace_back("+Inf");
  std::lock_guard lock(mu_);
  for (const auto& [values, cell] : cells_) {
    auto labels = Zip(label_names_, values);
    labels.emplace_back("le", "");
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < bounds.size(); ++i) {
      cumulative += cell.counts[i];
      labels.back().second = bounds[i];
      out.Sample(bucket_name, labels, static_cast<double>(cumulative));
    }
    labels.pop_back();
    out.Sample(sum_name, labels, cell.sum);
    out.Sample(count_name, labels, static_cast<double>(cell.count));
  }
}

// ---------------------------------------------------------------- Registry

CounterVec& Registry::AddCounter(std::string name, std::string help, std::vector<std::string> label_names) {
  Entry entry;
  entry.counter = std::make_unique<CounterVec>(std::move(name), std::move(help), std::move(label_names));
  auto& counter = *entry.counter;
  entries_.push_back(std::move(entry));
  return counter;
}

HistogramVec& Registry::AddHistogram(std::string name, std::string help, std::vector<std::string> label_names,
                                     std::vector<double> bounds) {
  Entry entry;
  entry.histogram = std::make_unique<HistogramVec>(std::move(name), std::move(help), std::move(label_names),
                                                   std::move(bounds));
  auto& histogram = *entry.histogram;
  entries_.push_back(std::move(entry));
  return histogram;
}

void Registry::AddCollector(Collector* collector) {
  Entry entry;
  entry.collector = collector;
  entries_.push_back(std::move(entry));
}

std::string Registry::Render() const {
  TextWriter out;
  for (const auto& entry : entries_) {
    if (entry.counter) entry.counter->Write(out);
    if (entry.histogram) entry.histogram->Write(out);
    if (entry.collector != nullptr) entry.collector->Collect(out);
  }
  return out.Take();
}

}  // namespace rmgr::server::metrics
