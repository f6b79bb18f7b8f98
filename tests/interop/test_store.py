"""The store against real parrots: "!mode" survives a restart (SQLite, the
default), and, beside a throwaway PostgreSQL (tests/with_postgres.sh sets
PARROT_TEST_PG_URL), two parrots on one database share what a user expects
to find: the welcome is sent once, and "!mode" set through one applies on
the other."""
import asyncio
import os

import harness


def is_reply(text):
    return lambda m: text in m["body"]


async def ask(client, jid, body, expected):
    client.send_message(mto=jid, mbody=body, mtype="chat")
    return await client.next_message(predicate=is_reply(expected))


async def sqlite_restart():
    prosody = harness.Prosody(users=[("parrot", "parrot-secret"), ("alice", "alice-secret")])
    prosody.start()
    parrot = harness.Parrot(prosody).start()
    clients = []
    try:
        await parrot.until_log("online as")
        alice = await harness.Client(prosody, "alice", "alice-secret").online()
        clients.append(alice)
        await alice.befriend(parrot.jid)
        await ask(alice, parrot.jid, "!mode tone", "test tone")
        await ask(alice, parrot.jid, "!delay 250", "250 ms late")
        parrot.stop()
        mark = parrot.log_size()
        parrot.start()
        await parrot.until_log("online as", after=mark)
        alice.drain()
        await ask(alice, parrot.jid, "!mode", "(now: tone)")
        print("sqlite: !mode tone kept across a restart")
    finally:
        for client in clients:
            client.disconnect()
        parrot.stop()
        prosody.cleanup()


async def two_instances(url):
    prosody = harness.Prosody(users=[("parrot", "parrot-secret"), ("parrot2", "parrot-secret"),
                                     ("alice", "alice-secret")])
    prosody.start()
    first = harness.Parrot(prosody, extra=["--store", url]).start()
    second = harness.Parrot(prosody, user="parrot2", extra=["--store", url]).start()
    clients = []
    try:
        await first.until_log("online as")
        await second.until_log("online as")
        assert "store: connected to" in open(first.log_path).read(), first.tail()
        alice = await harness.Client(prosody, "alice", "alice-secret").online()
        clients.append(alice)
        await alice.befriend(first.jid)
        await alice.next_message(predicate=is_reply("!help"))
        await alice.befriend(second.jid)
        await alice.no_message(2.0, is_reply("!help"))
        print("postgresql: welcomed once by two instances")
        await ask(alice, first.jid, "!mode tone", "test tone")
        await ask(alice, second.jid, "!mode", "(now: tone)")
        await ask(alice, second.jid, "!mode echo", "echoed again")
        await ask(alice, first.jid, "!mode", "(now: echo)")
        print("postgresql: !mode set through one instance applies on the other")
    finally:
        for client in clients:
            client.disconnect()
        first.stop()
        second.stop()
        prosody.cleanup()


async def main():
    await sqlite_restart()
    url = os.environ.get("PARROT_TEST_PG_URL")
    if url:
        await two_instances(url)
    else:
        print("postgresql: skipped (PARROT_TEST_PG_URL unset; tests/with_postgres.sh sets it)")


if __name__ == "__main__":
    harness.run_test(main)
