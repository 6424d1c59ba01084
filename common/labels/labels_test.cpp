#include "common/labels/labels.h"

#include <gtest/gtest.h>

namespace rmgr::labels {
namespace {

TEST(Labels, KeysAndValues) {
  EXPECT_TRUE(IsKey("role"));
  EXPECT_TRUE(IsKey("example.com/tier-2"));
  EXPECT_TRUE(IsKey("9site"));
  EXPECT_FALSE(IsKey(""));
  EXPECT_FALSE(IsKey("Role"));
  EXPECT_FALSE(IsKey("-role"));
  EXPECT_FALSE(IsKey("role name"));
  EXPECT_FALSE(IsKey("role\"x"));
  EXPECT_FALSE(IsKey(std::string(64, 'a')));
  EXPECT_TRUE(IsKey(std::string(63, 'a')));

  EXPECT_TRUE(IsValue("Berlin-2.a_b"));
  EXPECT_FALSE(IsValue(""));
  EXPECT_FALSE(IsValue("a/b"));
  EXPECT_FALSE(IsValue("a,b"));
  EXPECT_FALSE(IsValue(std::string(64, 'a')));
}

TEST(Labels, ValidateNamesTheBadEntry) {
  EXPECT_TRUE(Validate({{"role", "laptop"}, {"site", "berlin"}}).ok());
  auto bad = Validate({{"role", "laptop"}, {"Site", "berlin"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("\"Site\""), std::string::npos) << bad.error().message;
  Labels many;
  for (std::size_t i = 0; i <= kMaxLabels; ++i) many["k" + std::to_string(i)] = "v";
  EXPECT_FALSE(Validate(many).ok());
}

TEST(Labels, ParseLabel) {
  auto label = ParseLabel("role=laptop");
  ASSERT_TRUE(label.ok());
  EXPECT_EQ(label->first, "role");
  EXPECT_EQ(label->second, "laptop");
  EXPECT_FALSE(ParseLabel("role").ok());
  EXPECT_FALSE(ParseLabel("role=").ok());
  EXPECT_FALSE(ParseLabel("=laptop").ok());
  EXPECT_FALSE(ParseLabel("role=lap top").ok());
}

TEST(Selector, ParsesEveryTermKind) {
  auto selector = Selector::Parse(" role = laptop , site!=lab,backup , !retired, tier==gold");
  ASSERT_TRUE(selector.ok()) << selector.error().message;
  ASSERT_EQ(selector->terms().size(), 5u);
  EXPECT_EQ(selector->terms()[0], (Term{"role", Op::kEquals, "laptop"}));
  EXPECT_EQ(selector->terms()[1], (Term{"site", Op::kNotEquals, "lab"}));
  EXPECT_EQ(selector->terms()[2], (Term{"backup", Op::kExists, ""}));
  EXPECT_EQ(selector->terms()[3], (Term{"retired", Op::kAbsent, ""}));
  EXPECT_EQ(selector->terms()[4], (Term{"tier", Op::kEquals, "gold"}));
  EXPECT_EQ(selector->ToString(), "role=laptop,site!=lab,backup,!retired,tier=gold");
  auto again = Selector::Parse(selector->ToString());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->terms(), selector->terms());
}

TEST(Selector, RefusesMalformedTermsWithTheTerm) {
  for (const char* text : {"role=", "=laptop", "role=lap top", "role,,site", "role,", ",role", "Role=x", "!",
                           "role!=", "role=a=b", "role=a,b c"}) {
    auto selector = Selector::Parse(text);
    EXPECT_FALSE(selector.ok()) << text;
    if (!selector.ok()) {
      EXPECT_EQ(selector.error().field, "selector") << text;
    }
  }
  EXPECT_FALSE(Selector::Parse(std::string(kMaxSelectorBytes + 1, 'a')).ok());
  auto bad = Selector::Parse("role=laptop,Site=x");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("Site=x"), std::string::npos) << bad.error().message;
}

TEST(Selector, Matches) {
  const Labels laptop{{"role", "laptop"}, {"site", "berlin"}};
  const Labels lab{{"role", "laptop"}, {"site", "lab"}, {"retired", "yes"}};
  const Labels server{{"role", "server"}};
  const Labels none{};
  auto match = [](std::string_view text, const Labels& labels) {
    auto selector = Selector::Parse(text);
    EXPECT_TRUE(selector.ok()) << text;
    return selector.ok() && selector->Matches(labels);
  };
  EXPECT_TRUE(match("", none));
  EXPECT_TRUE(match("", laptop));
  EXPECT_TRUE(match("role=laptop", laptop));
  EXPECT_FALSE(match("role=laptop", server));
  EXPECT_FALSE(match("role=laptop", none));
  EXPECT_TRUE(match("role=laptop,site!=lab", laptop));
  EXPECT_FALSE(match("role=laptop,site!=lab", lab));
  EXPECT_TRUE(match("site!=lab", server));  // absent counts as "not lab"
  EXPECT_TRUE(match("retired", lab));
  EXPECT_FALSE(match("retired", laptop));
  EXPECT_TRUE(match("!retired", laptop));
  EXPECT_FALSE(match("!retired", lab));
}

}  // namespace
}  // namespace rmgr::labels
