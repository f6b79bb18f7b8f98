// The store: what a contact expects parrot to remember, whichever instance
// serves them (bot/store/README.md). One interface, two backends: SQLite in
// the data directory for one instance, PostgreSQL for instances that share it.
// A Store object is one database connection, confined to the thread that
// uses it: the report pages open one of their own.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "bot/contact_book.hpp"
#include "bot/store/report_store.hpp"
#include "bot/store/store_location.hpp"
#include "bot/store/welcome_store.hpp"

namespace parrot::bot {

// A contact's "!delay" and "!mode" choices for their next calls.
struct UserSettings {
  std::chrono::milliseconds extra_delay{0};
  bool test_signal = false;  // "!mode tone"
  bool operator==(const UserSettings&) const = default;
};

class SettingsStore {
 public:
  virtual ~SettingsStore() = default;
  // The contact's settings (the defaults if they never chose), read anew at
  // each call so a change made through another instance applies; nullopt
  // when the store cannot answer (the caller falls back to what it knows).
  virtual std::optional<UserSettings> user_settings(const std::string& peer) = 0;
  // Write-through of one choice; false (the caller logs it) if refused.
  virtual bool save_extra_delay(const std::string& peer, std::chrono::milliseconds delay) = 0;
  virtual bool save_test_signal(const std::string& peer, bool on) = 0;
};

class Store : public ReportStore, public WelcomeStore, public SettingsStore, public ContactBook {
 public:
  // Which backend, for the log.
  virtual std::string describe() const = 0;
  // Whether the database answered the last request: false while a
  // PostgreSQL server is unreachable (parrot then runs on defaults).
  virtual bool available() const = 0;
};

struct StoreOptions {
  StoreLocation location;             // --store
  std::string data_dir;               // SQLite's file lives here
  std::size_t max_reports_per_contact = 20;
};

// Opens the store `options` names. SQLite: throws std::runtime_error when the
// file cannot be opened (a start-up error). PostgreSQL: never throws for an
// unreachable server (it logs, and retries while parrot runs).
std::unique_ptr<Store> open_store(const StoreOptions& options);

// Moves the contacts of an older parrot's `welcomed` file into `store`, once:
// the file is renamed `<path>.imported` when every contact is in. Returns how
// many were read.
std::size_t import_welcome_file(Store& store, const std::string& path);

}  // namespace parrot::bot
