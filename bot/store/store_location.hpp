// --store: where the store lives. "sqlite" (or nothing) for the file in the
// data directory, or a PostgreSQL URL (postgresql://… or postgres://…, as
// libpq reads it).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace parrot::bot {

struct StoreLocation {
  enum class Kind { kSqlite, kPostgres };
  Kind kind = Kind::kSqlite;
  std::string url;  // kPostgres: the URL as given
  bool operator==(const StoreLocation&) const = default;
};

// nullopt, with `why` set, when `text` is neither "sqlite", empty, nor a
// postgresql:// or postgres:// URL libpq accepts.
std::optional<StoreLocation> parse_store_location(std::string_view text, std::string& why);

// `url` with any password replaced by "***": in the userinfo
// (scheme://user:secret@host) and in a password= parameter. For logs and
// errors; never fails, whatever the text.
std::string redact_store_url(std::string_view url);

// Whether `url` carries a password itself (then it shows in the process
// list: libpq's passfile or PGPASSWORD keep it out).
bool store_url_has_password(std::string_view url);

}  // namespace parrot::bot
