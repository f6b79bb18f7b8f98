// Chat commands: a body that starts with '!' names a command. Each command is
// one entry in this table, so later features add theirs with one call.
#pragma once

#include <gloox/tag.h>

#include <functional>
#include <memory>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parrot::bot {

struct CommandRequest {
  std::string peer;  // full JID of the sender
  std::string args;  // text after the command name, trimmed
};

// What a command answers: the body, and payloads for machines (a call
// report's <report xmlns='urn:parrot:report:1'/>) added to the same message.
struct CommandReply {
  CommandReply(std::string body) : text(std::move(body)) {}  // NOLINT: most commands answer text only
  std::string text;
  std::vector<std::shared_ptr<gloox::Tag>> extensions;
};

struct ParsedCommand {
  std::string name;  // lower-cased, without '!'
  std::string args;
};

// "!Delay 2000 " -> {"delay", "2000"}; nullopt if `body` is not a command.
std::optional<ParsedCommand> parse_command(std::string_view body);

class CommandTable {
 public:
  using Handler = std::function<CommandReply(const CommandRequest&)>;

  void add(std::string name, std::string usage, std::string summary, Handler handler);

  // The reply to a command body; an unknown command is answered with the help.
  // nullopt if `body` is not a command.
  std::optional<CommandReply> dispatch(std::string_view body, const std::string& peer) const;

  std::string help() const;
  bool contains(const std::string& name) const { return commands_.contains(name); }

 private:
  struct Entry {
    std::string usage;
    std::string summary;
    Handler handler;
  };
  std::map<std::string, Entry> commands_;  // ordered, so !help is stable
};

}  // namespace parrot::bot
