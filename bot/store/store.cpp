#include "bot/store/store.hpp"

#include <openssl/rand.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "bot/store/pg_store.hpp"
#include "bot/store/sqlite_store.hpp"

namespace parrot::bot {

std::string new_report_token() {
  std::array<unsigned char, 16> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1)
    throw std::runtime_error("report token: OpenSSL's random generator failed");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string token;
  for (const unsigned char b : bytes) {
    token += kHex[b >> 4];
    token += kHex[b & 0xF];
  }
  return token;
}

bool is_report_token(std::string_view text) noexcept {
  return text.size() == 32 &&
         std::all_of(text.begin(), text.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

std::vector<std::string> read_welcome_file(const std::string& path) {
  std::vector<std::string> contacts;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) contacts.push_back(line);
  }
  return contacts;
}

std::size_t import_welcome_file(Store& store, const std::string& path) {
  std::error_code error;
  if (!std::filesystem::exists(path, error)) return 0;
  const auto contacts = read_welcome_file(path);
  for (const auto& contact : contacts) store.take_welcome(contact);
  // take_welcome() is false both for a contact already in and for a refusal:
  // keep the file while the store is not answering (a PostgreSQL server down).
  if (!store.available()) {
    spdlog::warn("store: {} not imported yet (the store is not answering); trying again at the next start", path);
    return contacts.size();
  }
  std::filesystem::rename(path, path + ".imported", error);
  if (error) spdlog::warn("store: imported {} but cannot rename it: {}", path, error.message());
  spdlog::info("store: imported {} welcomed contacts from {}", contacts.size(), path);
  return contacts.size();
}

std::unique_ptr<Store> open_store(const StoreOptions& options) {
  switch (options.location.kind) {
    case StoreLocation::Kind::kSqlite:
      return std::make_unique<SqliteStore>(options.data_dir + "/reports.sqlite", options.max_reports_per_contact);
    case StoreLocation::Kind::kPostgres:
      break;
  }
  return std::make_unique<PgStore>(options.location.url, options.max_reports_per_contact);
}

}  // namespace parrot::bot
