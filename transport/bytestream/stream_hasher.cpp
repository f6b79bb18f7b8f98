#include "transport/bytestream/stream_hasher.hpp"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <optional>
#include <stdexcept>

#include "transport/bytestream/base64.hpp"

namespace parrot::transport::bytestream {

namespace {

struct AlgorithmSpec {
  std::string_view name;     // XEP-0300 / IANA textual name
  const char* openssl_name;  // for EVP_MD_fetch
  std::size_t digest_bytes;
  bool sized;  // BLAKE2b with an output-length parameter (RFC 7693 §2.5 "nn")
};

// md5 is here only for XEP-0096's SI 'hash' attribute (MD5 hex); XEP-0300 says
// it must not be used in urn:xmpp:hashes:2, so the bot must not advertise it.
constexpr std::array<AlgorithmSpec, 11> kAlgorithms{{
    {"md5", "MD5", 16, false},
    {"sha-1", "SHA1", 20, false},
    {"sha-224", "SHA2-224", 28, false},
    {"sha-256", "SHA2-256", 32, false},
    {"sha-384", "SHA2-384", 48, false},
    {"sha-512", "SHA2-512", 64, false},
    {"sha3-256", "SHA3-256", 32, false},
    {"sha3-384", "SHA3-384", 48, false},
    {"sha3-512", "SHA3-512", 64, false},
    {"blake2b-256", "BLAKE2B-512", 32, true},
    {"blake2b-512", "BLAKE2B-512", 64, false},
}};

// BLAKE2b-256("") from the BLAKE2 reference implementation (python3's
// hashlib.blake2b(digest_size=32), which does not use OpenSSL). A truncated
// BLAKE2b-512 differs, because the output length is hashed into the
// parameter block (RFC 7693 §2.5).
constexpr std::array<std::uint8_t, 32> kBlake2b256Empty{
    0x0e, 0x57, 0x51, 0xc0, 0x26, 0xe5, 0x43, 0xb2, 0xe8, 0xab, 0x2e, 0xb0, 0x60, 0x99, 0xda, 0xa1,
    0xd1, 0xe5, 0xdf, 0x47, 0x77, 0x8f, 0x77, 0x87, 0xfa, 0xab, 0x45, 0xcd, 0xf1, 0x2f, 0xe3, 0xa8};

std::string lowercase(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

const AlgorithmSpec* find_spec(std::string_view lower_name) {
  for (const auto& spec : kAlgorithms) {
    if (spec.name == lower_name) return &spec;
  }
  return nullptr;
}

// Initialises ctx for spec; the size parameter is set only for the sized
// variant (OpenSSL 3.0 accepts and ignores it, which probe() catches).
bool init_context(EVP_MD_CTX* ctx, const EVP_MD* md, const AlgorithmSpec& spec) {
  if (!spec.sized) return EVP_DigestInit_ex2(ctx, md, nullptr) == 1;
  std::size_t size = spec.digest_bytes;
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_size_t(OSSL_DIGEST_PARAM_SIZE, &size), OSSL_PARAM_END};
  return EVP_DigestInit_ex2(ctx, md, params) == 1;
}

// Hashes the empty string and checks the length (and, for BLAKE2b-256, the
// value): an algorithm counts as supported only if OpenSSL really computes it.
bool probe(const EVP_MD* md, const AlgorithmSpec& spec) {
  const EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || !init_context(ctx.get(), md, spec)) return false;
  std::array<std::uint8_t, EVP_MAX_MD_SIZE> out{};
  unsigned int length = 0;
  if (EVP_DigestFinal_ex(ctx.get(), out.data(), &length) != 1 || length != spec.digest_bytes) return false;
  if (spec.sized) return std::equal(kBlake2b256Empty.begin(), kBlake2b256Empty.end(), out.begin());
  return true;
}

// Fetched once per process (explicit fetch avoids OpenSSL's implicit fetch
// on every init) and kept until exit; null where unsupported.
const std::array<EvpMdPtr, kAlgorithms.size()>& fetched_algorithms() {
  static const std::array<EvpMdPtr, kAlgorithms.size()> table = [] {
    std::array<EvpMdPtr, kAlgorithms.size()> fetched;
    for (std::size_t i = 0; i < kAlgorithms.size(); ++i) {
      EvpMdPtr md(EVP_MD_fetch(nullptr, kAlgorithms[i].openssl_name, nullptr));
      if (md && probe(md.get(), kAlgorithms[i])) fetched[i] = std::move(md);
    }
    return fetched;
  }();
  return table;
}

const EVP_MD* usable_md(const AlgorithmSpec& spec) {
  const auto index = static_cast<std::size_t>(&spec - kAlgorithms.data());
  return fetched_algorithms()[index].get();
}

}  // namespace

std::string to_hex(std::span<const std::uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const std::uint8_t b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0x0F]);
  }
  return out;
}

std::string Digest::hex() const { return to_hex(value); }

std::string Digest::base64() const { return base64_encode(value.data(), value.size()); }

std::vector<std::string> StreamHasher::known_algorithms() {
  std::vector<std::string> names;
  for (const auto& spec : kAlgorithms) names.emplace_back(spec.name);
  return names;
}

std::vector<std::string> StreamHasher::supported_algorithms() {
  std::vector<std::string> names;
  for (const auto& spec : kAlgorithms) {
    if (usable_md(spec) != nullptr) names.emplace_back(spec.name);
  }
  return names;
}

bool StreamHasher::supported(std::string_view name) {
  const AlgorithmSpec* spec = find_spec(lowercase(name));
  return spec != nullptr && usable_md(*spec) != nullptr;
}

StreamHasher::StreamHasher(std::initializer_list<std::string> algorithms)
    : StreamHasher(std::span<const std::string>(algorithms.begin(), algorithms.size())) {}

StreamHasher::StreamHasher(std::span<const std::string> algorithms) {
  if (algorithms.empty()) throw std::invalid_argument("StreamHasher: no algorithm");
  for (const auto& requested : algorithms) {
    std::string name = lowercase(requested);
    if (std::find(names_.begin(), names_.end(), name) != names_.end()) continue;
    const AlgorithmSpec* spec = find_spec(name);
    const EVP_MD* md = spec ? usable_md(*spec) : nullptr;
    if (md == nullptr) throw std::invalid_argument("StreamHasher: unsupported hash algorithm '" + requested + "'");
    EvpMdCtxPtr ctx(EVP_MD_CTX_new());
    if (!ctx || !init_context(ctx.get(), md, *spec)) {
      throw std::runtime_error("StreamHasher: OpenSSL could not start " + name);
    }
    names_.push_back(std::move(name));
    contexts_.push_back(std::move(ctx));
  }
}

void StreamHasher::update(std::span<const std::byte> bytes) noexcept {
  if (finished_ || bytes.empty()) return;
  for (const auto& ctx : contexts_) {
    if (EVP_DigestUpdate(ctx.get(), bytes.data(), bytes.size()) != 1) failed_ = true;
  }
  bytes_ += bytes.size();
}

void StreamHasher::update(std::span<const std::uint8_t> bytes) noexcept { update(std::as_bytes(bytes)); }

void StreamHasher::update(std::string_view bytes) noexcept {
  update(std::span<const std::byte>(reinterpret_cast<const std::byte*>(bytes.data()), bytes.size()));
}

const std::vector<Digest>& StreamHasher::finish() {
  if (!finished_) {
    finished_ = true;
    for (std::size_t i = 0; i < contexts_.size(); ++i) {
      std::array<std::uint8_t, EVP_MAX_MD_SIZE> out{};
      unsigned int length = 0;
      if (EVP_DigestFinal_ex(contexts_[i].get(), out.data(), &length) != 1) failed_ = true;
      digests_.push_back({names_[i], std::vector<std::uint8_t>(out.begin(), out.begin() + length)});
    }
    contexts_.clear();
  }
  if (failed_) throw std::runtime_error("StreamHasher: OpenSSL digest failure");
  return digests_;
}

}  // namespace parrot::transport::bytestream
