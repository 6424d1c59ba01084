#pragma once
// Human output of API objects: aligned tables for lists and "Label: value"
// blocks for single objects. Every cell goes through CellText, which also
// neutralises control characters so server-supplied text cannot drive the
// terminal. Thread safety: value types and pure functions.

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <functional>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

namespace rmgr::cli {

//! Text for one JSON value: "-" for null or absent, "yes"/"no" for booleans,
//! strings as they are, arrays joined with `separator`, objects as compact JSON.
std::string CellText(const boost::json::value* value, std::string_view separator = ",");

//! `text` with control characters (other than tab) replaced by '?'.
std::string Printable(std::string_view text);

//! The value at a JSON pointer without escapes ("/schedule_version/canonical"), or null when absent.
const boost::json::value* FindPointer(const boost::json::object& object, std::string_view pointer);

//! One column of a table (or one line of a detail block).
struct Column {
  std::string header;                                           ///< Table header or detail label.
  std::function<std::string(const boost::json::object&)> cell;  ///< Text for one object.
};

//! A column showing CellText of the value at `pointer`.
Column Field(std::string header, std::string pointer);

//! Like Field, but an array prints one element per line (for detail blocks).
Column FieldLines(std::string header, std::string pointer);

//! Left-aligned columns separated by two spaces, header first, no trailing blanks.
class Table {
 public:
  //! A table with these column headers.
  explicit Table(std::vector<std::string> headers);

  //! Appends one row; missing trailing cells print empty.
  void AddRow(std::vector<std::string> cells);

  //! Writes the header and every row, one line each.
  void Print(std::ostream& out) const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

//! A table of `items` (objects; anything else is skipped) with `columns`.
void PrintTable(std::ostream& out, const boost::json::array& items, const std::vector<Column>& columns);

//! "Label:  value" lines for one object; multi-line values are indented under the first line.
void PrintDetails(std::ostream& out, const boost::json::object& object, const std::vector<Column>& fields);

}  // namespace rmgr::cli
