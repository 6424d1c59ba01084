// Table, detail and cell formatting of API objects for humans.
#include "cli/table.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <sstream>

namespace rmgr::cli {
namespace {

boost::json::object Obj(const char* text) {
  return boost::json::parse(text).as_object();
}

TEST(CliTable, AlignsColumnsWithTwoSpacesAndNoTrailingBlanks) {
  Table table({"ID", "NAME", "MODE"});
  table.AddRow({"h1", "web-server", "always_on"});
  table.AddRow({"host-22", "db", "intermittent"});
  std::ostringstream out;
  table.Print(out);
  EXPECT_EQ(out.str(),
            "ID       NAME        MODE\n"
            "h1       web-server  always_on\n"
            "host-22  db          intermittent\n");
}

TEST(CliTable, EmptyTablePrintsTheHeaderOnly) {
  std::ostringstream out;
  PrintTable(out, boost::json::array{}, {Field("ID", "/id"), Field("NAME", "/name")});
  EXPECT_EQ(out.str(), "ID  NAME\n");
}

TEST(CliTable, ShortRowsArePaddedWithEmptyCells) {
  Table table({"A", "B", "C"});
  table.AddRow({"1"});
  std::ostringstream out;
  table.Print(out);
  EXPECT_EQ(out.str(), "A  B  C\n1\n");
}

TEST(CliTable, WidthCountsCodePointsNotBytes) {
  Table table({"NAME", "X"});
  table.AddRow({"Zürich", "1"});
  table.AddRow({"ab", "2"});
  std::ostringstream out;
  table.Print(out);
  EXPECT_EQ(out.str(), "NAME    X\nZürich  1\nab      2\n");
}

TEST(CliTable, PrintTableReadsPointersAndSkipsNonObjects) {
  const auto items = boost::json::parse(R"([
    {"id": "h1", "schedule_version": {"canonical": 3}, "connected": true},
    42,
    {"id": "h2", "schedule_version": null, "connected": false}
  ])");
  std::ostringstream out;
  PrintTable(out, items.as_array(),
             {Field("ID", "/id"), Field("VER", "/schedule_version/canonical"), Field("UP", "/connected")});
  EXPECT_EQ(out.str(), "ID  VER  UP\nh1  3    yes\nh2  -    no\n");
}

TEST(CliCellText, RendersEachJsonKind) {
  const auto o = Obj(R"({"n": null, "t": true, "s": "x", "i": -4, "u": 18446744073709551615, "d": 1.5,
                        "a": ["p", "q"], "e": [], "o": {"k": 1}})");
  EXPECT_EQ(CellText(nullptr), "-");
  EXPECT_EQ(CellText(o.if_contains("n")), "-");
  EXPECT_EQ(CellText(o.if_contains("t")), "yes");
  EXPECT_EQ(CellText(o.if_contains("s")), "x");
  EXPECT_EQ(CellText(o.if_contains("i")), "-4");
  EXPECT_EQ(CellText(o.if_contains("u")), "18446744073709551615");
  EXPECT_EQ(CellText(o.if_contains("d")), "1.5E0");
  EXPECT_EQ(CellText(o.if_contains("a")), "p,q");
  EXPECT_EQ(CellText(o.if_contains("a"), "\n"), "p\nq");
  EXPECT_EQ(CellText(o.if_contains("e")), "-");
  EXPECT_EQ(CellText(o.if_contains("o")), R"({"k":1})");
}

TEST(CliCellText, ControlCharactersFromTheServerCannotReachTheTerminal) {
  const auto o = Obj(R"({"s": "evil\u001b[2Jname\r\nnext\ttab\u007f"})");
  EXPECT_EQ(CellText(o.if_contains("s")), "evil?[2Jname??next\ttab?");
  EXPECT_EQ(Printable("plain"), "plain");
}

TEST(CliFindPointer, WalksNestedObjectsAndReportsAbsence) {
  const auto o = Obj(R"({"a": {"b": {"c": 7}}, "x": 1})");
  ASSERT_NE(FindPointer(o, "/a/b/c"), nullptr);
  EXPECT_EQ(FindPointer(o, "/a/b/c")->as_int64(), 7);
  EXPECT_EQ(FindPointer(o, "/a/missing"), nullptr);
  EXPECT_EQ(FindPointer(o, "/x/y"), nullptr);
  EXPECT_EQ(FindPointer(o, "nope"), nullptr);
}

TEST(CliDetails, AlignsLabelsAndIndentsMultiLineValues) {
  const auto o = Obj(R"({"id": "s1", "next_fires": ["2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z"],
                        "enabled": true})");
  std::ostringstream out;
  PrintDetails(out, o,
               {Field("ID", "/id"), FieldLines("Next fires", "/next_fires"), Field("Enabled", "/enabled")});
  EXPECT_EQ(out.str(),
            "ID:          s1\n"
            "Next fires:  2026-01-01T00:00:00Z\n"
            "             2026-01-02T00:00:00Z\n"
            "Enabled:     yes\n");
}

}  // namespace
}  // namespace rmgr::cli
