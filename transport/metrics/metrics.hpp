// A small metrics registry and its Prometheus text exposition (format
// 0.0.4), std only. It knows no parrot names: bot/metrics.hpp registers the
// families. Every series of a family is created at registration from a
// closed set of label values, so counting is one relaxed atomic add with no
// lookup or allocation, every series reads 0 from the start (rate() works,
// a test can diff), and nothing a peer sends can grow the label set.
//
// Threads: counting and render() may run on any thread at once. Register
// everything before the first render() from another thread (the HTTP
// server starts after App has registered).
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace parrot::transport::metrics {

class Counter {
 public:
  void inc(std::uint64_t n = 1) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
  // A total kept elsewhere (on one thread) and copied in by that thread;
  // it must only grow.
  void store(std::uint64_t total) noexcept { value_.store(total, std::memory_order_relaxed); }
  std::uint64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

class Gauge {
 public:
  void set(std::int64_t v) noexcept { value_.store(v, std::memory_order_relaxed); }
  void inc(std::int64_t n = 1) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
  void dec(std::int64_t n = 1) noexcept { value_.fetch_sub(n, std::memory_order_relaxed); }
  std::int64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::int64_t> value_{0};
};

// Fixed upper bounds; one non-cumulative atomic per bucket plus +Inf. The
// sum is kept in millionths of the unit, so observing is integer adds only
// (no compare-and-swap loop on a double). Observations are durations or
// sizes: a negative one counts as 0.
class Histogram {
 public:
  // `bounds` ascending, finite; throws std::invalid_argument otherwise.
  explicit Histogram(std::vector<double> bounds);
  void observe(double value) noexcept;

  struct Snapshot {
    std::vector<std::uint64_t> cumulative;  // one per bound, then +Inf (== count)
    double sum = 0;
    std::uint64_t count = 0;
  };
  // Each bucket read once: +Inf and the count come from the same total, so
  // they agree even while other threads observe.
  Snapshot snapshot() const;
  const std::vector<double>& bounds() const noexcept { return bounds_; }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;  // bounds_.size() + 1
  std::atomic<std::uint64_t> sum_millionths_{0};
};

using Labels = std::vector<std::string>;

// A family's series, one per label-value list given at registration.
template <typename Metric>
class Family {
 public:
  // The series with these label values; throws std::out_of_range for a
  // list that was not registered (a programming error, found at start-up).
  Metric& at(const Labels& values);
  const Labels& label_names() const noexcept { return names_; }

 private:
  friend class Registry;
  Labels names_;
  std::vector<Labels> values_;
  std::deque<Metric> series_;  // a deque: adding never moves the atomics
};

class Registry {
 public:
  using Read = std::function<double()>;

  // Names follow [a-zA-Z_:][a-zA-Z0-9_:]*, label names [a-zA-Z_][a-zA-Z0-9_]*
  // and not starting with "__"; a counter's name ends in "_total". A bad
  // or repeated name throws std::invalid_argument.
  Counter& counter(const std::string& name, const std::string& help);
  Gauge& gauge(const std::string& name, const std::string& help);
  Histogram& histogram(const std::string& name, const std::string& help, std::vector<double> bounds);
  Family<Counter>& counters(const std::string& name, const std::string& help, Labels label_names,
                            const std::vector<Labels>& series);
  Family<Gauge>& gauges(const std::string& name, const std::string& help, Labels label_names,
                        const std::vector<Labels>& series);
  // Series read at each render(), on the rendering thread: only for
  // sources that are safe to read from any thread (atomics).
  struct ReadSeries {
    Labels values;
    Read read;
  };
  void gauge_reads(const std::string& name, const std::string& help, Labels label_names, std::vector<ReadSeries> series);
  void counter_reads(const std::string& name, const std::string& help, Labels label_names,
                     std::vector<ReadSeries> series);

  // The text exposition: families in registration order, each with its
  // HELP and TYPE lines first and its samples together.
  std::string render() const;

  // Every combination of the given value lists, first list outermost:
  // product({{"a","b"},{"x"}}) = {{"a","x"},{"b","x"}}.
  static std::vector<Labels> product(const std::vector<Labels>& lists);

 private:
  enum class Type { kCounter, kGauge, kHistogram };
  struct Entry {
    std::string name, help;
    Type type;
    Labels label_names;
    std::unique_ptr<Family<Counter>> counters;
    std::unique_ptr<Family<Gauge>> gauges;
    std::unique_ptr<Histogram> histogram;
    std::vector<ReadSeries> reads;
  };
  Entry& add(const std::string& name, const std::string& help, Type type, Labels label_names,
             const std::vector<Labels>& series);

  mutable std::mutex mutex_;  // guards entries_ (registration), not the values
  std::vector<std::unique_ptr<Entry>> entries_;
};

// Exposition escaping: label values escape \ " and newline; HELP text
// escapes \ and newline.
std::string escape_label_value(const std::string& value);
std::string escape_help(const std::string& text);
// A sample value: integers as integers, others shortest round-trip,
// +Inf, -Inf and NaN spelled out.
std::string format_value(double value);

}  // namespace parrot::transport::metrics
