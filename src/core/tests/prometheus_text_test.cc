// core/tests/prometheus_text_test.cc: the Prometheus text exposition format: escaped labels, histograms.
#include "core/prometheus_text.h"

#include <gtest/gtest.h>

#include <array>

namespace kascade {
namespace {

TEST(PrometheusText, WritesHeaderAndSamplesWithEscapedLabels) {
  std::string out;
  prometheus_text::append_header(out, "kascade_x_total", "counter", "Two\nlines.");
  prometheus_text::append_sample(out, "kascade_x_total", {{"class", "a\"b\\c\nd"}, {"p", "1"}}, uint64_t{7});
  prometheus_text::append_sample(out, "kascade_y", {}, int64_t{-3});
  prometheus_text::append_sample(out, "kascade_z", {}, 0.25);
  EXPECT_EQ(out,
            "# HELP kascade_x_total Two lines.\n"
            "# TYPE kascade_x_total counter\n"
            "kascade_x_total{class=\"a\\\"b\\\\c\\nd\",p=\"1\"} 7\n"
            "kascade_y -3\n"
            "kascade_z 0.25\n");
}

TEST(PrometheusText, WritesCumulativeHistogramBuckets) {
  constexpr std::array<double, 2> bounds = {0.01, 0.5};
  std::string out;
  prometheus_text::append_histogram(out, "kascade_w_seconds", "Write time.",
                                    {.bounds = bounds, .counts = {2, 3, 1}, .sum = 1.75});
  EXPECT_EQ(out,
            "# HELP kascade_w_seconds Write time.\n"
            "# TYPE kascade_w_seconds histogram\n"
            "kascade_w_seconds_bucket{le=\"0.01\"} 2\n"
            "kascade_w_seconds_bucket{le=\"0.5\"} 5\n"
            "kascade_w_seconds_bucket{le=\"+Inf\"} 6\n"
            "kascade_w_seconds_sum 1.75\n"
            "kascade_w_seconds_count 6\n");
}

}  // namespace
}  // namespace kascade
