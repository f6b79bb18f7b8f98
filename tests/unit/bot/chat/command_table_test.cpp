#include "bot/chat/command_table.hpp"

#include <gtest/gtest.h>

namespace parrot::bot {
namespace {

TEST(ParseCommand, NameIsLowerCasedAndArgsTrimmed) {
  auto parsed = parse_command("  !Delay   2000  ");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->name, "delay");
  EXPECT_EQ(parsed->args, "2000");
  EXPECT_FALSE(parse_command("hello"));
  EXPECT_FALSE(parse_command("!"));
  EXPECT_FALSE(parse_command("! help"));
  EXPECT_FALSE(parse_command(""));
}

TEST(CommandTable, DispatchesRegisteredCommands) {
  CommandTable table;
  std::string seen_peer, seen_args;
  table.add("echo", "echo TEXT", "repeat TEXT", [&](const CommandRequest& request) {
    seen_peer = request.peer;
    seen_args = request.args;
    return "said " + request.args;
  });
  EXPECT_EQ(table.dispatch("!echo hi there", "a@b/c")->text, "said hi there");
  EXPECT_EQ(seen_peer, "a@b/c");
  EXPECT_EQ(seen_args, "hi there");
  EXPECT_FALSE(table.dispatch("just text", "a@b/c"));
}

TEST(CommandTable, UnknownCommandGetsHelp) {
  CommandTable table;
  table.add("ping", "ping", "check", [](const CommandRequest&) { return std::string("pong"); });
  const auto reply = table.dispatch("!nope", "a@b");
  ASSERT_TRUE(reply);
  EXPECT_NE(reply->text.find("Unknown command !nope"), std::string::npos);
  EXPECT_NE(reply->text.find("!ping"), std::string::npos);
}

TEST(CommandTable, HelpListsCommandsInOrder) {
  CommandTable table;
  table.add("stats", "stats", "numbers", [](const CommandRequest&) { return std::string(); });
  table.add("help", "help", "this", [](const CommandRequest&) { return std::string(); });
  const std::string help = table.help();
  EXPECT_LT(help.find("!help"), help.find("!stats"));
  EXPECT_TRUE(table.contains("stats"));
  EXPECT_FALSE(table.contains("delay"));
}

}  // namespace
}  // namespace parrot::bot
