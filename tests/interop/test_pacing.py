#!/usr/bin/python3
"""A client's CI sends 1,000 chat messages without waiting, through a real
Prosody, to parrot with its default limits: every one comes back, in order,
with exactly one notice that they are being paced (none refused)."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402

COUNT = 1000


async def main():
    prosody = harness.Prosody(users=[("parrot", "parrot-secret"), ("alice", "alice-secret")])
    prosody.start()
    parrot = harness.Parrot(prosody).start()
    alice = None
    try:
        await parrot.until_log("online as")
        alice = await harness.Client(prosody, "alice", "alice-secret").online()
        await alice.befriend(parrot.jid)
        await alice.next_message(predicate=lambda m: "!help" in m["body"])
        started = time.monotonic()
        for i in range(COUNT):
            alice.send_message(mto=parrot.jid, mbody=f"paced {i}", mtype="chat")
        echoes, notices = [], []
        while len(echoes) < COUNT:
            # Generous: at the default 25 a second the last echo is due ~40 s in.
            message = await alice.next_message(120)
            (echoes if message["body"].startswith("paced ") else notices).append(message["body"])
        elapsed = time.monotonic() - started
        assert echoes == [f"paced {i}" for i in range(COUNT)], [b for i, b in enumerate(echoes) if b != f"paced {i}"][:5]
        assert len(notices) == 1 and "every one comes back, in order" in notices[0], notices
        print(f"{COUNT} messages sent at once: {COUNT} echoes in order in {elapsed:.1f} s, one notice: {notices[0]!r}")
    finally:
        if alice:
            alice.disconnect()
        parrot.stop()
        prosody.cleanup()


if __name__ == "__main__":
    harness.run_test(main)
