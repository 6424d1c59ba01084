#include "common/schema/utf8.h"

#include <gtest/gtest.h>

namespace rmgr::schema {
namespace {

TEST(Utf8, AcceptsValidTextAndRejectsEachInvalidClass) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ascii"));
  EXPECT_TRUE(IsValidUtf8("gr\xC3\xBC\xC3\x9F \xE2\x82\xAC \xF0\x9F\x98\x80"));  // ü ß € 😀
  EXPECT_FALSE(IsValidUtf8("\x80"));                                             // lone continuation
  EXPECT_FALSE(IsValidUtf8("\xC3"));                                             // truncated
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));                                         // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xE0\x80\xAF"));                                     // overlong
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));                                     // surrogate
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));                                 // above U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xFF"));
}

TEST(Utf8, SanitizeReplacesEachBadByteWithReplacementCharacter) {
  EXPECT_EQ(SanitizeUtf8("ok"), "ok");
  EXPECT_EQ(SanitizeUtf8("a\xFF"
                         "b"),
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(SanitizeUtf8("\xC3"), "\xEF\xBF\xBD");
  EXPECT_TRUE(IsValidUtf8(SanitizeUtf8("\xED\xA0\x80\xC0\xAF")));
}

TEST(Utf8, CutsNeverSplitACharacter) {
  const std::string text = "ab\xE2\x82\xAC";  // "ab€", 5 bytes
  EXPECT_EQ(SanitizeUtf8(text, 4), "ab");
  EXPECT_EQ(SanitizeUtf8(text, 5), text);
  EXPECT_EQ(Utf8Prefix(text, 4), "ab");
  EXPECT_EQ(Utf8Prefix(text, 3), "ab");
  EXPECT_EQ(Utf8Prefix(text, 99), text);
  EXPECT_EQ(SanitizeUtf8("\xFF\xFF", 4), "\xEF\xBF\xBD");  // the second U+FFFD would not fit
}

}  // namespace
}  // namespace rmgr::schema
