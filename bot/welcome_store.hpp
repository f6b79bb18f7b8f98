// Who has had parrot's welcome message, kept in the data directory so the
// welcome is sent once per contact, across restarts.
#pragma once

#include <fstream>
#include <string>
#include <unordered_set>

namespace parrot::bot {

class WelcomeStore {
 public:
  explicit WelcomeStore(std::string path) : path_(std::move(path)) {
    std::ifstream in(path_);
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) welcomed_.insert(line);
    }
  }

  // True (and remembered) the first time `bare_jid` is seen.
  bool take(const std::string& bare_jid) {
    if (bare_jid.empty() || bare_jid.find('\n') != std::string::npos) return false;
    if (!welcomed_.insert(bare_jid).second) return false;
    std::ofstream(path_, std::ios::app) << bare_jid << '\n';
    return true;
  }

 private:
  std::string path_;
  std::unordered_set<std::string> welcomed_;
};

}  // namespace parrot::bot
