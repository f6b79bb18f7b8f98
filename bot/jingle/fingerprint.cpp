#include "bot/jingle/fingerprint.hpp"

#include <array>

#include "bot/jingle/namespaces.hpp"

namespace parrot::bot::jingle {
namespace {

constexpr std::array<std::string_view, 4> kSetupNames{"actpass", "active", "passive", "holdconn"};
constexpr std::size_t kMaxFingerprintChars = 255;

std::string trim(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  const auto last = text.find_last_not_of(" \t\r\n");
  return text.substr(first, last - first + 1);
}

}  // namespace

std::string_view to_string(DtlsSetup setup) noexcept { return kSetupNames[static_cast<std::size_t>(setup)]; }

std::optional<DtlsSetup> dtls_setup_from_string(std::string_view text) noexcept {
  for (std::size_t i = 0; i < kSetupNames.size(); ++i) {
    if (kSetupNames[i] == text) return static_cast<DtlsSetup>(i);
  }
  return std::nullopt;
}

ParseResult<Fingerprint> Fingerprint::parse(const gloox::Tag& tag) {
  Fingerprint fp;
  fp.hash = tag.findAttribute("hash");
  if (fp.hash.empty()) return ParseResult<Fingerprint>::fail("fingerprint without hash");
  // XEP-0320 §3 makes setup REQUIRED; without it parrot cannot pick a DTLS role.
  const auto setup = dtls_setup_from_string(tag.findAttribute("setup"));
  if (!setup) return ParseResult<Fingerprint>::fail("fingerprint with a missing or unknown setup");
  fp.setup = *setup;
  fp.value = trim(tag.cdata());
  if (fp.value.empty() || fp.value.size() > kMaxFingerprintChars) {
    return ParseResult<Fingerprint>::fail("fingerprint value empty or too long");
  }
  return ParseResult<Fingerprint>::ok(std::move(fp));
}

std::unique_ptr<gloox::Tag> Fingerprint::to_tag() const {
  auto tag = std::make_unique<gloox::Tag>("fingerprint", value);
  tag->setXmlns(ns::kDtls);
  tag->addAttribute("hash", hash);
  tag->addAttribute("setup", std::string(to_string(setup)));
  return tag;
}

}  // namespace parrot::bot::jingle
