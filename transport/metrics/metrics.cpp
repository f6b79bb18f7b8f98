#include "transport/metrics/metrics.hpp"

#include <charconv>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace parrot::transport::metrics {
namespace {

bool valid_name(const std::string& name, bool colon_allowed) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon_allowed && c == ':');
    if (!letter && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

bool ends_with(const std::string& text, const std::string& tail) {
  return text.size() >= tail.size() && text.compare(text.size() - tail.size(), tail.size(), tail) == 0;
}

// {a="x",b="y"} for names and values, with `extra` (already formatted,
// such as le="0.5") last; empty when there is nothing to write.
std::string label_text(const Labels& names, const Labels& values, const std::string& extra = {}) {
  std::string text;
  for (std::size_t i = 0; i < names.size(); ++i) {
    text += (text.empty() ? "" : ",") + names[i] + "=\"" + escape_label_value(values[i]) + "\"";
  }
  if (!extra.empty()) text += (text.empty() ? "" : ",") + extra;
  return text.empty() ? text : "{" + text + "}";
}

}  // namespace

Histogram::Histogram(std::vector<double> bounds) : bounds_(std::move(bounds)) {
  for (std::size_t i = 0; i < bounds_.size(); ++i) {
    if (!std::isfinite(bounds_[i]) || (i > 0 && bounds_[i] <= bounds_[i - 1]))
      throw std::invalid_argument("histogram bounds must be finite and ascending");
  }
  buckets_ = std::make_unique<std::atomic<std::uint64_t>[]>(bounds_.size() + 1);
}

void Histogram::observe(double value) noexcept {
  if (!(value > 0)) value = 0;  // negative or NaN
  std::size_t bucket = 0;
  while (bucket < bounds_.size() && value > bounds_[bucket]) ++bucket;
  buckets_[bucket].fetch_add(1, std::memory_order_relaxed);
  const double millionths = value * 1e6;
  const auto max = static_cast<double>(std::numeric_limits<std::uint64_t>::max() / 2);
  sum_millionths_.fetch_add(static_cast<std::uint64_t>(std::llround(std::min(millionths, max))),
                            std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot snapshot;
  std::uint64_t total = 0;
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    total += buckets_[i].load(std::memory_order_relaxed);
    snapshot.cumulative.push_back(total);
  }
  snapshot.count = total;
  snapshot.sum = static_cast<double>(sum_millionths_.load(std::memory_order_relaxed)) / 1e6;
  return snapshot;
}

template <typename Metric>
Metric& Family<Metric>::at(const Labels& values) {
  for (std::size_t i = 0; i < values_.size(); ++i) {
    if (values_[i] == values) return series_[i];
  }
  std::string wanted;
  for (const auto& value : values) wanted += (wanted.empty() ? "" : ",") + value;
  throw std::out_of_range("no series {" + wanted + "} was registered");
}
template class Family<Counter>;
template class Family<Gauge>;

Registry::Entry& Registry::add(const std::string& name, const std::string& help, Type type, Labels label_names,
                               const std::vector<Labels>& series) {
  if (!valid_name(name, true)) throw std::invalid_argument("bad metric name '" + name + "'");
  if (type == Type::kCounter && !ends_with(name, "_total"))
    throw std::invalid_argument("counter '" + name + "' must end in _total");
  for (const auto& label : label_names) {
    if (!valid_name(label, false) || label.rfind("__", 0) == 0 || label == "le")
      throw std::invalid_argument("bad label name '" + label + "' in " + name);
  }
  for (const auto& values : series) {
    if (values.size() != label_names.size())
      throw std::invalid_argument("series of " + name + " with the wrong number of label values");
  }
  const std::lock_guard lock(mutex_);
  for (const auto& entry : entries_) {
    if (entry->name == name) throw std::invalid_argument("metric '" + name + "' registered twice");
  }
  auto entry = std::make_unique<Entry>();
  entry->name = name;
  entry->help = help;
  entry->type = type;
  entry->label_names = std::move(label_names);
  entries_.push_back(std::move(entry));
  return *entries_.back();
}

Counter& Registry::counter(const std::string& name, const std::string& help) {
  return counters(name, help, {}, {{}}).at({});
}

Gauge& Registry::gauge(const std::string& name, const std::string& help) { return gauges(name, help, {}, {{}}).at({}); }

Histogram& Registry::histogram(const std::string& name, const std::string& help, std::vector<double> bounds) {
  auto histogram = std::make_unique<Histogram>(std::move(bounds));
  Entry& entry = add(name, help, Type::kHistogram, {}, {});
  entry.histogram = std::move(histogram);
  return *entry.histogram;
}

Family<Counter>& Registry::counters(const std::string& name, const std::string& help, Labels label_names,
                                    const std::vector<Labels>& series) {
  Entry& entry = add(name, help, Type::kCounter, label_names, series);
  entry.counters = std::make_unique<Family<Counter>>();
  entry.counters->names_ = std::move(label_names);
  entry.counters->values_ = series;
  entry.counters->series_.resize(series.size());
  return *entry.counters;
}

Family<Gauge>& Registry::gauges(const std::string& name, const std::string& help, Labels label_names,
                                const std::vector<Labels>& series) {
  Entry& entry = add(name, help, Type::kGauge, label_names, series);
  entry.gauges = std::make_unique<Family<Gauge>>();
  entry.gauges->names_ = std::move(label_names);
  entry.gauges->values_ = series;
  entry.gauges->series_.resize(series.size());
  return *entry.gauges;
}

void Registry::gauge_reads(const std::string& name, const std::string& help, Labels label_names,
                           std::vector<ReadSeries> series) {
  std::vector<Labels> values;
  for (const auto& one : series) values.push_back(one.values);
  add(name, help, Type::kGauge, std::move(label_names), values).reads = std::move(series);
}

void Registry::counter_reads(const std::string& name, const std::string& help, Labels label_names,
                             std::vector<ReadSeries> series) {
  std::vector<Labels> values;
  for (const auto& one : series) values.push_back(one.values);
  add(name, help, Type::kCounter, std::move(label_names), values).reads = std::move(series);
}

std::string Registry::render() const {
  const std::lock_guard lock(mutex_);
  std::string text;
  for (const auto& entry : entries_) {
    const char* type = entry->type == Type::kCounter ? "counter" : entry->type == Type::kGauge ? "gauge" : "histogram";
    text += "# HELP " + entry->name + " " + escape_help(entry->help) + "\n";
    text += "# TYPE " + entry->name + " " + type + "\n";
    const auto sample = [&](const std::string& suffix, const std::string& labels, const std::string& value) {
      text += entry->name + suffix + labels + " " + value + "\n";
    };
    if (entry->counters) {
      const auto& family = *entry->counters;
      for (std::size_t i = 0; i < family.values_.size(); ++i)
        sample("", label_text(family.names_, family.values_[i]), std::to_string(family.series_[i].value()));
    }
    if (entry->gauges) {
      const auto& family = *entry->gauges;
      for (std::size_t i = 0; i < family.values_.size(); ++i)
        sample("", label_text(family.names_, family.values_[i]), std::to_string(family.series_[i].value()));
    }
    for (const auto& read : entry->reads) {
      sample("", label_text(entry->label_names, read.values), format_value(read.read()));
    }
    if (entry->histogram) {
      const Histogram::Snapshot snapshot = entry->histogram->snapshot();
      const auto& bounds = entry->histogram->bounds();
      for (std::size_t i = 0; i < bounds.size(); ++i)
        sample("_bucket", "{le=\"" + format_value(bounds[i]) + "\"}", std::to_string(snapshot.cumulative[i]));
      sample("_bucket", "{le=\"+Inf\"}", std::to_string(snapshot.count));
      sample("_sum", "", format_value(snapshot.sum));
      sample("_count", "", std::to_string(snapshot.count));
    }
  }
  return text;
}

std::vector<Labels> Registry::product(const std::vector<Labels>& lists) {
  std::vector<Labels> rows{{}};
  for (const auto& list : lists) {
    std::vector<Labels> next;
    for (const auto& row : rows) {
      for (const auto& value : list) {
        Labels longer = row;
        longer.push_back(value);
        next.push_back(std::move(longer));
      }
    }
    rows = std::move(next);
  }
  return rows;
}

std::string escape_label_value(const std::string& value) {
  std::string out;
  for (const char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string escape_help(const std::string& text) {
  std::string out;
  for (const char c : text) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string format_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

}  // namespace parrot::transport::metrics
