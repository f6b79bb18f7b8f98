"""Roster behaviour against a real Prosody: approve and subscribe back, one
welcome per contact even across parrot restarts, unsubscribe honoured, and
the domain allow-list policy refusing strangers."""
import asyncio

import harness


async def main():
    prosody = harness.Prosody(users=[("parrot", "parrot-secret"), ("carol", "carol-secret")])
    prosody.start()
    parrot = harness.Parrot(prosody).start()
    clients = []
    try:
        await parrot.until_log("online as")
        carol = await harness.Client(prosody, "carol", "carol-secret").online()
        clients.append(carol)
        await carol.befriend(parrot.jid)
        await carol.next_message(predicate=lambda m: "!help" in m["body"])
        print("approved, subscribed back, welcomed")

        carol.send_presence(pto=parrot.jid, ptype="unsubscribe")
        await parrot.until_log("peer unsubscribed, removing peer=carol@parrot.test")
        print("unsubscribe honoured")

        # Restart parrot and subscribe again: approved, but no second welcome.
        parrot.stop()
        mark = parrot.log_size()
        parrot.start()
        await parrot.until_log("online as", after=mark)
        carol.drain()
        await carol.befriend(parrot.jid)
        await carol.no_message(2.0, lambda m: "!help" in m["body"])
        print("subscribed again after restart, no second welcome")
    finally:
        for client in clients:
            client.disconnect()
        parrot.stop()
        prosody.cleanup()

    # Domain policy: only listed domains may add parrot.
    prosody = harness.Prosody(users=[("parrot", "parrot-secret"), ("carol", "carol-secret")])
    prosody.start()
    parrot = harness.Parrot(prosody, extra=["--subscription-policy", "domains",
                                            "--allow-domain", "elsewhere.test"]).start()
    try:
        await parrot.until_log("online as")
        carol = await harness.Client(prosody, "carol", "carol-secret").online()
        carol.send_presence(pto=parrot.jid, ptype="subscribe")
        await parrot.until_log("subscription refused by policy peer=carol@parrot.test")
        await carol.no_message(1.0, lambda m: "!help" in m["body"])
        carol.disconnect()
        print("domain policy refused a stranger")
    finally:
        parrot.stop()
        prosody.cleanup()


if __name__ == "__main__":
    harness.run_test(main)
