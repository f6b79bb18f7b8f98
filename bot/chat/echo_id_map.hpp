// Remembers which echo answered which message, so that an XEP-0308
// correction of the sender's message becomes a correction of parrot's echo.
// Bounded: the oldest entries go first.
#pragma once

#include <cstddef>
#include <list>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

namespace parrot::bot {

class EchoIdMap {
 public:
  explicit EchoIdMap(std::size_t capacity) : capacity_(capacity) {}

  void remember(const std::string& peer, const std::string& their_id, std::string echo_id) {
    const std::string key = make_key(peer, their_id);
    if (auto it = index_.find(key); it != index_.end()) {
      it->second->second = std::move(echo_id);
      order_.splice(order_.begin(), order_, it->second);
      return;
    }
    order_.emplace_front(key, std::move(echo_id));
    index_.emplace(key, order_.begin());
    if (order_.size() > capacity_) {
      index_.erase(order_.back().first);
      order_.pop_back();
    }
  }

  std::optional<std::string> find(const std::string& peer, const std::string& their_id) const {
    const auto it = index_.find(make_key(peer, their_id));
    if (it == index_.end()) return std::nullopt;
    return it->second->second;
  }

  std::size_t size() const noexcept { return order_.size(); }

 private:
  static std::string make_key(const std::string& peer, const std::string& id) { return peer + '\n' + id; }

  std::size_t capacity_;
  std::list<std::pair<std::string, std::string>> order_;  // most recent first
  std::unordered_map<std::string, std::list<std::pair<std::string, std::string>>::iterator> index_;
};

}  // namespace parrot::bot
