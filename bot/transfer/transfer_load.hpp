// Transfers under way across every mechanism (Jingle FT, SI, HTTP links),
// so that --max-transfers and --max-transfers-per-contact hold in total and
// not once per mechanism. Each manager counts its own; App registers them
// all here and hands every manager the same TransferLoad. Control thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace parrot::bot::transfer {

// The limits every mechanism shares, from Config: --max-file-bytes,
// --max-transfers and --max-transfers-per-contact (both counted over all
// mechanisms through TransferLoad), --transfer-idle-seconds. App builds one
// and gives each manager a copy; each mechanism's own settings stay in its
// options struct beside it.
struct TransferLimits {
  std::uint64_t max_file_bytes = std::uint64_t{4} << 30;  // larger announced files are refused
  std::size_t max_transfers = 20;                         // all contacts together
  std::size_t max_per_contact = 3;                        // from one bare JID
  std::chrono::seconds idle{30};                          // no progress for this long ends a transfer
};

struct TransferCount {
  std::size_t total = 0;
  std::size_t for_contact = 0;  // from one bare JID
};

// What a sender is told while parrot drains (SIGTERM): no new transfer
// starts, the ones under way finish.
inline constexpr const char* kDrainingRefusal = "parrot is restarting; send the file again in a minute";

class TransferLoad {
 public:
  using Source = std::function<TransferCount(const std::string& bare_jid)>;

  void add(Source source) { sources_.push_back(std::move(source)); }
  TransferCount of(const std::string& bare_jid) const {
    TransferCount sum;
    for (const auto& source : sources_) {
      const TransferCount count = source(bare_jid);
      sum.total += count.total;
      sum.for_contact += count.for_contact;
    }
    return sum;
  }
  // While draining every mechanism refuses new transfers (kDrainingRefusal).
  void set_draining(bool draining) noexcept { draining_ = draining; }
  bool draining() const noexcept { return draining_; }

 private:
  std::vector<Source> sources_;
  bool draining_ = false;
};

}  // namespace parrot::bot::transfer
