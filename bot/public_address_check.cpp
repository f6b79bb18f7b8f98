#include "bot/public_address_check.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "transport/bytestream/tcp_listener.hpp"

namespace parrot::bot {

PublicAddressFinding judge_public_address(const std::optional<std::string>& mapped,
                                          const std::vector<std::string>& own_addresses,
                                          const std::string& public_address) {
  using Kind = PublicAddressFinding::Kind;
  if (!mapped) return {Kind::kNoAnswer, {}};
  if (!public_address.empty())
    return {*mapped == public_address ? Kind::kPublicAddressConfirmed : Kind::kPublicAddressWrong, *mapped};
  const bool own = std::find(own_addresses.begin(), own_addresses.end(), *mapped) != own_addresses.end();
  return {own ? Kind::kNotBehindNat : Kind::kBehindNat, *mapped};
}

std::string describe(const PublicAddressFinding& finding, const std::string& stun, const std::string& public_address) {
  using Kind = PublicAddressFinding::Kind;
  switch (finding.kind) {
    case Kind::kNoAnswer:
      return fmt::format("nat: STUN server {} did not answer: parrot cannot tell whether it is behind a NAT", stun);
    case Kind::kNotBehindNat:
      return fmt::format("nat: STUN server {} sees parrot at its own address {}: no NAT", stun, finding.mapped);
    case Kind::kBehindNat:
      return fmt::format("nat: parrot is behind a NAT: STUN server {} sees it at {}, an address of none of its "
                         "interfaces; start it with --public-address {} (a 1:1 NAT) so callers reach it directly",
                         stun, finding.mapped, finding.mapped);
    case Kind::kPublicAddressConfirmed:
      return fmt::format("nat: STUN server {} confirms --public-address {}", stun, public_address);
    case Kind::kPublicAddressWrong:
      return fmt::format("nat: --public-address {} is wrong: STUN server {} sees parrot at {}", public_address, stun,
                         finding.mapped);
  }
  return {};
}

PublicAddressCheck::PublicAddressCheck(GMainContext* context, const std::string& local_ip, const std::string& stun_ip,
                                       std::uint16_t stun_port, std::string public_address)
    : stun_(fmt::format("{}:{}", stun_ip, stun_port)), local_ip_(local_ip), public_address_(std::move(public_address)) {
  try {
    binding_ = std::make_unique<transport::StunBinding>(
        context, local_ip, stun_ip, stun_port, [this](std::optional<transport::MappedAddress> mapped) { on_answer(mapped); });
  } catch (const std::exception& e) {
    spdlog::warn("nat: could not ask STUN server {} for parrot's public address: {}", stun_, e.what());
  }
}

void PublicAddressCheck::on_answer(const std::optional<transport::MappedAddress>& mapped) {
  std::vector<std::string> own = transport::bytestream::local_addresses();
  if (!local_ip_.empty()) own.push_back(local_ip_);  // loopback, which local_addresses() leaves out
  finding_ = judge_public_address(mapped ? std::optional<std::string>(mapped->ip) : std::nullopt, own, public_address_);
  const std::string line = describe(*finding_, stun_, public_address_);
  using Kind = PublicAddressFinding::Kind;
  if (finding_->kind == Kind::kNotBehindNat || finding_->kind == Kind::kPublicAddressConfirmed)
    spdlog::info("{}", line);
  else
    spdlog::warn("{}", line);
  // binding_ stays until this check is replaced: the callback runs inside it.
}

}  // namespace parrot::bot
