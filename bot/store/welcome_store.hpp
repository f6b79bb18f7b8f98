// Who has had parrot's welcome message, so it is sent once per contact,
// across restarts and across the instances of a cluster.
#pragma once

#include <string>
#include <vector>

namespace parrot::bot {

class WelcomeStore {
 public:
  virtual ~WelcomeStore() = default;
  // True (and remembered) the first time `bare_jid` is seen by any instance
  // sharing the store: the insert is atomic, so two instances meeting the
  // same new contact at once welcome it once.
  virtual bool take_welcome(const std::string& bare_jid) = 0;
};

// The contacts listed in the `welcomed` file older parrots kept in the data
// directory (one bare JID a line); empty if there is none.
std::vector<std::string> read_welcome_file(const std::string& path);

}  // namespace parrot::bot
