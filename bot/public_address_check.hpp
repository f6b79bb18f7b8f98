// At start, and whenever the STUN server changes: does parrot sit behind a
// NAT its operator did not declare? One STUN Binding request from parrot's
// call address; the address the server saw is compared with parrot's own
// interfaces and with --public-address, and the answer goes to the
// operator's log before any caller meets a parrot nobody can reach. Calls
// repeat the check with their own evidence (call/nat_diagnosis.hpp).
#pragma once

#include <glib.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "transport/ice/stun_binding.hpp"

namespace parrot::bot {

// What the STUN server's answer shows (pure, so it is testable).
struct PublicAddressFinding {
  enum class Kind { kNoAnswer, kNotBehindNat, kBehindNat, kPublicAddressConfirmed, kPublicAddressWrong } kind;
  std::string mapped;  // the IP the server saw, when it answered
};
PublicAddressFinding judge_public_address(const std::optional<std::string>& mapped,
                                          const std::vector<std::string>& own_addresses,
                                          const std::string& public_address);
// The operator's log line for a finding.
std::string describe(const PublicAddressFinding& finding, const std::string& stun, const std::string& public_address);

class PublicAddressCheck {
 public:
  // Runs on `context` (the control loop): asks stun_ip:stun_port (an IP
  // literal) from `local_ip` (empty: any). Logs the finding.
  PublicAddressCheck(GMainContext* context, const std::string& local_ip, const std::string& stun_ip,
                     std::uint16_t stun_port, std::string public_address);

  std::optional<PublicAddressFinding> finding() const { return finding_; }

 private:
  void on_answer(const std::optional<transport::MappedAddress>& mapped);

  std::string stun_;  // "ip:port", for the log
  std::string local_ip_, public_address_;
  std::unique_ptr<transport::StunBinding> binding_;
  std::optional<PublicAddressFinding> finding_;
};

}  // namespace parrot::bot
