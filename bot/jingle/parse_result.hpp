// The result of parsing one Jingle element: a value, or the reason it was
// refused. GCC 12 has no std::expected, so this is the smallest stand-in.
// The caller turns an error into an XMPP error reply (bad-request, XEP-0166
// §7.3); the text is for logs, never for control flow.
#pragma once

#include <optional>
#include <string>
#include <utility>

namespace parrot::bot::jingle {

template <typename T>
struct ParseResult {
  std::optional<T> value;
  std::string error;  // empty when `value` is set

  static ParseResult ok(T parsed) { return ParseResult{std::move(parsed), {}}; }
  static ParseResult fail(std::string why) { return ParseResult{std::nullopt, std::move(why)}; }
  explicit operator bool() const noexcept { return value.has_value(); }
};

}  // namespace parrot::bot::jingle
