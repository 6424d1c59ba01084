// The exposition format: escaping, value formatting, counters, histograms
// (cumulative buckets, +Inf, _sum, _count) and the registry's order.
#include "server/metrics/registry.h"

#include <gtest/gtest.h>

namespace rmgr::server::metrics {
namespace {

TEST(MetricsFormat, LabelValuesEscapeBackslashQuoteAndNewline) {
  EXPECT_EQ(EscapeLabelValue(R"(a\b"c)"
                             "\nd"),
            R"(a\\b\"c\nd)");
  EXPECT_EQ(EscapeLabelValue("plain ümlaut"), "plain ümlaut");
}

TEST(MetricsFormat, HelpEscapesBackslashAndNewlineButNotQuotes) {
  EXPECT_EQ(EscapeHelp("say \"hi\"\\\nbye"), "say \"hi\"\\\\\\nbye");
}

TEST(MetricsFormat, InvalidUtf8BecomesTheReplacementCharacter) {
  EXPECT_EQ(EscapeLabelValue("a\xff"
                             "b"),
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(EscapeLabelValue("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD") << "overlong form";
  EXPECT_EQ(EscapeLabelValue("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD") << "surrogate";
  EXPECT_EQ(EscapeLabelValue("cut \xE2\x82"), "cut \xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(MetricsFormat, ValuesAreIntegersWhenWholeAndSpecialsBySpec) {
  EXPECT_EQ(FormatValue(0), "0");
  EXPECT_EQ(FormatValue(1733600000), "1733600000");
  EXPECT_EQ(FormatValue(-3), "-3");
  EXPECT_EQ(FormatValue(12.5), "12.5");
  EXPECT_EQ(FormatValue(1733600000.123), "1733600000.123");
  EXPECT_EQ(FormatValue(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(FormatValue(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(FormatValue(std::numeric_limits<double>::quiet_NaN()), "NaN");
}

TEST(MetricsFormat, WriterWritesHelpTypeAndEscapedSamples) {
  TextWriter out;
  out.Family("x_total", "counter", "Things\ncounted");
  out.Sample("x_total", {{"host", "we\"ird"}, {"kind", "a"}}, 2);
  out.Sample("x_total", 7);
  EXPECT_EQ(out.Take(),
            "# HELP x_total Things\\ncounted\n"
            "# TYPE x_total counter\n"
            "x_total{host=\"we\\\"ird\",kind=\"a\"} 2\n"
            "x_total 7\n");
}

TEST(MetricsCounter, CountsPerLabelValuesAndWritesThemSorted) {
  CounterVec counter("requests_total", "Requests", {"method"});
  counter.Inc({"POST"});
  counter.Inc({"GET"}, 2);
  counter.Inc({"GET"});
  EXPECT_EQ(counter.Value({"GET"}), 3);
  EXPECT_EQ(counter.Value({"PUT"}), 0);
  TextWriter out;
  counter.Write(out);
  EXPECT_EQ(out.Take(),
            "# HELP requests_total Requests\n# TYPE requests_total counter\n"
            "requests_total{method=\"GET\"} 3\nrequests_total{method=\"POST\"} 1\n");
}

TEST(MetricsHistogram, BucketsAreCumulativeWithInfSumAndCount) {
  HistogramVec histogram("d_seconds", "Durations", {"route"}, {0.1, 1, 10});
  histogram.Observe({"/a"}, 0.05);
  histogram.Observe({"/a"}, 0.1);  // on a bound: counts in that bucket (le = less or equal)
  histogram.Observe({"/a"}, 5);
  histogram.Observe({"/a"}, 50);
  TextWriter out;
  histogram.Write(out);
  EXPECT_EQ(out.Take(),
            "# HELP d_seconds Durations\n# TYPE d_seconds histogram\n"
            "d_seconds_bucket{route=\"/a\",le=\"0.1\"} 2\n"
            "d_seconds_bucket{route=\"/a\",le=\"1\"} 2\n"
            "d_seconds_bucket{route=\"/a\",le=\"10\"} 3\n"
            "d_seconds_bucket{route=\"/a\",le=\"+Inf\"} 4\n"
            "d_seconds_sum{route=\"/a\"} 55.15\n"
            "d_seconds_count{route=\"/a\"} 4\n");
}

class FixedCollector : public Collector {
 public:
  void Collect(TextWriter& out) override {
    out.Family("fixed", "gauge", "A fixed value");
    out.Sample("fixed", 42);
  }
};

TEST(MetricsRegistry, RendersFamiliesAndCollectorsInRegistrationOrder) {
  Registry registry;
  FixedCollector fixed;
  registry.AddCollector(&fixed);
  auto& counter = registry.AddCounter("c_total", "C", {});
  counter.Inc({});
  auto& histogram = registry.AddHistogram("h", "H", {}, {1});
  histogram.Observe({}, 0.5);
  const std::string text = registry.Render();
  const auto fixed_at = text.find("# HELP fixed ");
  const auto counter_at = text.find("# HELP c_total ");
  const auto histogram_at = text.find("# HELP h ");
  ASSERT_NE(fixed_at, std::string::npos);
  EXPECT_LT(fixed_at, counter_at);
  EXPECT_LT(counter_at, histogram_at);
  EXPECT_NE(text.find("c_total 1\n"), std::string::npos);
  EXPECT_NE(text.find("h_bucket{le=\"1\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("h_count 1\n"), std::string::npos);
}

}  // namespace
}  // namespace rmgr::server::metrics
