// --store as typed by an operator, and any URL that reaches a log line:
// never a crash; redaction is stable, keeps a URL without a password as it
// is, and leaves no password behind (a redacted URL's password reads "***").
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "bot/store/store_location.hpp"

namespace {

// The userinfo password and every password= value of a redacted URL are "***".
void check_redacted(const std::string& redacted) {
  const std::string again = parrot::bot::redact_store_url(redacted);
  if (again != redacted) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  std::string why;
  const auto location = parrot::bot::parse_store_location(text, why);
  if (!location && why.empty()) std::abort();  // a refusal says why
  if (location && location->kind == parrot::bot::StoreLocation::Kind::kPostgres && location->url != text) std::abort();
  const std::string redacted = parrot::bot::redact_store_url(text);
  check_redacted(redacted);
  const bool has_password = parrot::bot::store_url_has_password(text);
  if (!has_password && redacted != text) std::abort();
  if (has_password != parrot::bot::store_url_has_password(redacted)) std::abort();
  // A refusal quotes the URL redacted, never as typed.
  if (has_password && redacted != text && why.find(text) != std::string::npos) std::abort();
  return 0;
}
