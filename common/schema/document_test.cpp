#include "common/schema/document.h"

#include <gtest/gtest.h>

namespace rmgr::schema {
namespace {

struct Widget {
  std::string name;
  std::int64_t count = 0;
  std::optional<bool> enabled;
  std::vector<std::string> tags;
  bool operator==(const Widget&) const = default;
};

template <class F>
void Fields(F& f, Is<Widget> auto& w) {
  f("name", w.name, Text{.min = 1, .max = 16});
  f("count", w.count, Int{.min = 0, .max = 10});
  f("enabled", w.enabled);
  f("tags", w.tags, List{4, Text{.min = 1, .max = 8}});
}

TEST(SchemaDocument, ReadsAndWritesAStruct) {
  auto w = DecodeObject<Widget>(R"({"name":"a","count":3,"tags":["x","y"]})");
  ASSERT_TRUE(w.ok()) << w.error().Describe();
  EXPECT_EQ(w->name, "a");
  EXPECT_EQ(w->count, 3);
  EXPECT_FALSE(w->enabled.has_value());
  auto again = ReadObject<Widget>(boost::json::value(WriteObject(*w)));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *w);
}

TEST(SchemaDocument, EachClassOfBadInputHasItsCodeAndField) {
  struct Case {
    const char* text;
    ErrorCode code;
    const char* field;
  };
  const Case cases[] = {
      {R"({"count":1,"tags":[]})", ErrorCode::kMissingField, "name"},
      {R"({"name":7,"count":1,"tags":[]})", ErrorCode::kWrongType, "name"},
      {R"({"name":"a","count":11,"tags":[]})", ErrorCode::kOutOfRange, "count"},
      {R"({"name":"a","count":-1,"tags":[]})", ErrorCode::kOutOfRange, "count"},
      {R"({"name":"a","count":1,"tags":[],"colour":"red"})", ErrorCode::kUnknownField, "colour"},
      {R"({"name":"a","count":1,"tags":["way too long"]})", ErrorCode::kOutOfRange, "tags[0]"},
      {R"({"name":"a","count":1,"tags":["1","2","3","4","5"]})", ErrorCode::kOutOfRange, "tags"},
      {R"({"name":"a","count":1.5,"tags":[]})", ErrorCode::kWrongType, "count"},
      {R"([1,2])", ErrorCode::kWrongType, ""},
      {R"({"name":)", ErrorCode::kMalformed, ""},
      {"{\"name\":\"\xff\",\"count\":1,\"tags\":[]}", ErrorCode::kMalformed, ""},
  };
  for (const auto& c : cases) {
    auto w = DecodeObject<Widget>(c.text);
    ASSERT_FALSE(w.ok()) << c.text;
    EXPECT_EQ(w.error().code, c.code) << c.text << " -> " << w.error().Describe();
    EXPECT_EQ(w.error().field, c.field) << c.text << " -> " << w.error().Describe();
  }
}

TEST(SchemaDocument, SizeAndDepthLimitsAreTooLarge) {
  EXPECT_EQ(DecodeObject<Widget>(std::string(100, ' ') + "{}", ParseLimits{.max_bytes = 50}).error().code,
            ErrorCode::kTooLarge);
  const std::string deep = std::string(100, '[') + std::string(100, ']');
  EXPECT_EQ(ParseJson(deep, ParseLimits{.max_depth = 32}).error().code, ErrorCode::kTooLarge);
}

}  // namespace
}  // namespace rmgr::schema
