"""The baseline: a minimal echo bot written with slixmpp, the way most XMPP
echo bots are written. It echoes chat bodies back to the sender."""
import asyncio
import sys

import slixmpp


class EchoBot(slixmpp.ClientXMPP):
    def __init__(self, jid, password):
        super().__init__(jid, password)
        self.add_event_handler("session_start", lambda _: self.send_presence(ppriority=1))
        self.add_event_handler("message", self.echo)

    def echo(self, message):
        if message["type"] in ("chat", "normal") and message["body"]:
            message.reply(message["body"]).send()


def main():
    jid, password, port, ca_file = sys.argv[1:5]
    bot = EchoBot(jid, password)
    bot.ca_certs = ca_file
    bot.connect(address=("127.0.0.1", int(port)))
    asyncio.get_event_loop().run_forever()


if __name__ == "__main__":
    main()
