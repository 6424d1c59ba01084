#include "cli/table.h"

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <ostream>
#include <utility>

namespace rmgr::cli {
namespace {

// Display width of UTF-8 text: one column per code point (no wide-glyph tables).
std::size_t Width(std::string_view text) {
  return static_cast<std::size_t>(std::count_if(
      text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

void PrintPadded(std::ostream& out, std::string_view text, std::size_t width) {
  out << text;
  for (std::size_t w = Width(text); w < width; ++w) out << ' ';
}

// Splits on '\n' (CellText joins multi-valued detail fields that way).
std::vector<std::string_view> SplitLines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (true) {
    const auto nl = text.find('\n');
    lines.push_back(text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return lines;
}

}  // namespace

std::string Printable(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u == 0x7F) c = '?';
  }
  return out;
}

std::string CellText(const boost::json::value* value, std::string_view separator) {
  if (value == nullptr || value->is_null()) return "-";
  switch (value->kind()) {
    case boost::json::kind::null:
      return "-";
    case boost::json::kind::bool_:
      return value->get_bool() ? "yes" : "no";
    case boost::json::kind::string:
      return Printable(value->get_string());
    case boost::json::kind::int64:
    case boost::json::kind::uint64:
    case boost::json::kind::double_:
      return boost::json::serialize(*value);
    case boost::json::kind::array: {
      std::string out;
      for (const auto& element : value->get_array()) {
        if (!out.empty()) out += separator;
        out += CellText(&element, separator);
      }
      return out.empty() ? "-" : out;
    }
    case boost::json::kind::object:
      return Printable(boost::json::serialize(*value));
  }
  return "-";
}

const boost::json::value* FindPointer(const boost::json::object& object, std::string_view pointer) {
  // Keys in our pointers never need ~0/~1 escapes, so a plain walk suffices.
  const boost::json::value* current = nullptr;
  const boost::json::object* scope = &object;
  while (!pointer.empty()) {
    if (pointer.front() != '/' || scope == nullptr) return nullptr;
    pointer.remove_prefix(1);
    const auto slash = pointer.find('/');
    const std::string_view key = pointer.substr(0, slash);
    current = scope->if_contains(key);
    if (current == nullptr) return nullptr;
    scope = current->if_object();
    pointer = slash == std::string_view::npos ? std::string_view() : pointer.substr(slash);
  }
  return current;
}

Column Field(std::string header, std::string pointer) {
  return Column{std::move(header), [pointer = std::move(pointer)](const boost::json::object& o) {
                  return CellText(FindPointer(o, pointer));
                }};
}

Column FieldLines(std::string header, std::string pointer) {
  return Column{std::move(header), [pointer = std::move(pointer)](const boost::json::object& o) {
                  return CellText(FindPointer(o, pointer), "\n");
                }};
}

Table::Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}

void Table::AddRow(std::vector<std::string> cells) {
  cells.resize(headers_.size());
  rows_.push_back(std::move(cells));
}

void Table::Print(std::ostream& out) const {
  std::vector<std::size_t> widths(headers_.size());
  for (std::size_t i = 0; i < headers_.size(); ++i) {
    widths[i] = Width(headers_[i]);
    for (const auto& row : rows_) widths[i] = std::max(widths[i], Width(row[i]));
  }
  const auto print_line = [&](const std::vector<std::string>& cells) {
    std::string line;
    for (std::size_t i = 0; i < cells.size(); ++i) {
      line += cells[i];
      if (i + 1 == cells.size()) break;
      for (std::size_t w = Width(cells[i]); w < widths[i] + 2; ++w) line += ' ';
    }
    // Empty trailing cells would leave blanks at the end of the line.
    line.erase(line.find_last_not_of(' ') + 1);
    out << line << '\n';
  };
  print_line(headers_);
  for (const auto& row : rows_) print_line(row);
}

void PrintTable(std::ostream& out, const boost::json::array& items, const std::vector<Column>& columns) {
  std::vector<std::string> headers;
  headers.reserve(columns.size());
  for (const auto& c : columns) headers.push_back(c.header);
  Table table(std::move(headers));
  for (const auto& item : items) {
    const auto* object = item.if_object();
    if (object == nullptr) continue;
    std::vector<std::string> cells;
    cells.reserve(columns.size());
    for (const auto& c : columns) cells.push_back(c.cell(*object));
    table.AddRow(std::move(cells));
  }
  table.Print(out);
}

void PrintDetails(std::ostream& out, const boost::json::object& object, const std::vector<Column>& fields) {
  std::size_t width = 0;
  for (const auto& f : fields) width = std::max(width, Width(f.header) + 1);
  for (const auto& f : fields) {
    bool first = true;
    const std::string text = f.cell(object);
    for (const auto line : SplitLines(text)) {
      PrintPadded(out, first ? f.header + ":" : std::string(), width);
      out << "  " << line << '\n';
      first = false;
    }
  }
}

}  // namespace rmgr::cli
