#include "transport/metrics/metrics.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <thread>

namespace parrot::transport::metrics {
namespace {

TEST(Metrics, RendersEveryKindWithHelpAndTypeFirst) {
  Registry registry;
  registry.counter("demo_events_total", "Events seen.").inc(3);
  registry.gauge("demo_level", "A level.").set(-2);
  auto& family = registry.counters("demo_results_total", "Results by kind.", {"kind", "side"},
                                   Registry::product({{"ok", "bad"}, {"in"}}));
  family.at({"bad", "in"}).inc();
  auto& histogram = registry.histogram("demo_seconds", "A duration.", {0.25, 1, 20});
  histogram.observe(0.1);
  histogram.observe(0.5);
  histogram.observe(30);
  registry.gauge_reads("demo_read", "Read at render.", {"name"}, {{{"a"}, [] { return 1.5; }}});
  EXPECT_EQ(registry.render(),
            "# HELP demo_events_total Events seen.\n"
            "# TYPE demo_events_total counter\n"
            "demo_events_total 3\n"
            "# HELP demo_level A level.\n"
            "# TYPE demo_level gauge\n"
            "demo_level -2\n"
            "# HELP demo_results_total Results by kind.\n"
            "# TYPE demo_results_total counter\n"
            "demo_results_total{kind=\"ok\",side=\"in\"} 0\n"
            "demo_results_total{kind=\"bad\",side=\"in\"} 1\n"
            "# HELP demo_seconds A duration.\n"
            "# TYPE demo_seconds histogram\n"
            "demo_seconds_bucket{le=\"0.25\"} 1\n"
            "demo_seconds_bucket{le=\"1\"} 2\n"
            "demo_seconds_bucket{le=\"20\"} 2\n"
            "demo_seconds_bucket{le=\"+Inf\"} 3\n"
            "demo_seconds_sum 30.6\n"
            "demo_seconds_count 3\n"
            "# HELP demo_read Read at render.\n"
            "# TYPE demo_read gauge\n"
            "demo_read{name=\"a\"} 1.5\n");
}

TEST(Metrics, EscapesLabelValuesAndHelp) {
  Registry registry;
  registry.counters("odd_total", "back\\slash and\nnewline \"quoted\"", {"v"}, {{"a\\b\"c\nd"}});
  EXPECT_EQ(registry.render(),
            "# HELP odd_total back\\\\slash and\\nnewline \"quoted\"\n"
            "# TYPE odd_total counter\n"
            "odd_total{v=\"a\\\\b\\\"c\\nd\"} 0\n");
}

TEST(Metrics, FormatsValues) {
  EXPECT_EQ(format_value(1), "1");
  EXPECT_EQ(format_value(0.1), "0.1");
  EXPECT_EQ(format_value(INFINITY), "+Inf");
  EXPECT_EQ(format_value(-INFINITY), "-Inf");
  EXPECT_EQ(format_value(NAN), "NaN");
}

TEST(Metrics, RefusesBadNamesAndUnregisteredSeries) {
  Registry registry;
  EXPECT_THROW(registry.counter("no_suffix", "x"), std::invalid_argument);
  EXPECT_THROW(registry.gauge("1starts_with_digit", "x"), std::invalid_argument);
  EXPECT_THROW(registry.gauges("g", "x", {"__reserved"}, {{"a"}}), std::invalid_argument);
  EXPECT_THROW(registry.gauges("g", "x", {"a-b"}, {{"a"}}), std::invalid_argument);
  EXPECT_THROW(registry.gauges("g", "x", {"a"}, {{"a", "b"}}), std::invalid_argument);
  EXPECT_THROW(registry.histogram("h", "x", {1, 1}), std::invalid_argument);
  registry.gauge("g", "x");
  EXPECT_THROW(registry.gauge("g", "again"), std::invalid_argument);
  auto& family = registry.counters("f_total", "x", {"k"}, {{"a"}});
  EXPECT_THROW(family.at({"b"}), std::out_of_range);
}

// Counting from several threads while another renders: the total is exact
// and every rendering's histogram has +Inf == _count, buckets monotone.
TEST(Metrics, CountsExactlyWhileRendering) {
  Registry registry;
  auto& counter = registry.counter("hits_total", "x");
  auto& histogram = registry.histogram("h_seconds", "x", {0.5, 1});
  constexpr int kThreads = 4;
  constexpr int kEach = 100'000;
  std::atomic<bool> done{false};
  std::thread renderer([&] {
    while (!done.load()) {
      const std::string text = registry.render();
      const auto value_of = [&](const std::string& prefix) {
        const auto at = text.find(prefix);
        EXPECT_NE(at, std::string::npos) << prefix;
        return std::stoull(text.substr(at + prefix.size()));
      };
      const auto below_half = value_of("h_seconds_bucket{le=\"0.5\"} ");
      const auto below_one = value_of("h_seconds_bucket{le=\"1\"} ");
      const auto inf = value_of("h_seconds_bucket{le=\"+Inf\"} ");
      EXPECT_LE(below_half, below_one);
      EXPECT_LE(below_one, inf);
      EXPECT_EQ(inf, value_of("h_seconds_count "));
    }
  });
  std::vector<std::thread> counters;
  for (int t = 0; t < kThreads; ++t) {
    counters.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        counter.inc();
        histogram.observe(t * 0.4);
      }
    });
  }
  for (auto& thread : counters) thread.join();
  done = true;
  renderer.join();
  EXPECT_EQ(counter.value(), std::uint64_t{kThreads} * kEach);
  EXPECT_EQ(histogram.snapshot().count, std::uint64_t{kThreads} * kEach);
}

}  // namespace
}  // namespace parrot::transport::metrics
