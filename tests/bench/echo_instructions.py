"""Instructions parrot spends per echoed message, counted by callgrind: a
figure that does not move with machine noise, for comparing versions.

parrot runs under valgrind against a local Prosody twice, echoing N1 and then
N2 messages from one slixmpp client (20 in flight); the difference in total
instructions divided by N2 - N1 cancels start-up and login.

    /usr/bin/python3 tests/bench/echo_instructions.py [--binary build-test/bot/parrot] [--small 200 --large 1200]
"""
import argparse
import asyncio
import os
import re
import shutil
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../interop"))
import harness  # noqa: E402


async def total_instructions(messages, window=20):
    prosody = harness.Prosody(users=[("parrot", "parrot-secret"), ("load0", "load-secret")])
    prosody.start()
    out = f"{prosody.root}/callgrind.out"
    parrot = harness.Parrot(prosody, log_level="info", extra=["--echo-rate", "1000000", "--echo-burst", "1000000"],
                            wrapper=["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}"])
    try:
        parrot.start()
        await parrot.until_log("online as", timeout=120)
        client = await harness.Client(prosody, "load0", "load-secret").online()
        sent = received = 0
        while sent < min(window, messages):
            client.send_message(mto=parrot.jid, mbody=f"{sent} bench payload 0123456789", mtype="chat")
            sent += 1
        while received < messages:
            await client.next_message(60, lambda m: m["body"][:1].isdigit())
            received += 1
            if sent < messages:
                client.send_message(mto=parrot.jid, mbody=f"{sent} bench payload 0123456789", mtype="chat")
                sent += 1
        client.disconnect()
        parrot.stop()
        with open(out) as f:
            return int(re.search(r"^summary: (\d+)", f.read(), re.M).group(1))
    finally:
        parrot.stop()
        prosody.cleanup()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", default=harness.parrot_binary())
    parser.add_argument("--small", type=int, default=200)
    parser.add_argument("--large", type=int, default=1200)
    args = parser.parse_args()
    if not shutil.which("valgrind"):
        sys.exit("valgrind is needed (apt-get install valgrind)")
    os.environ["PARROT_BINARY"] = os.path.abspath(args.binary)
    small = asyncio.run(total_instructions(args.small))
    large = asyncio.run(total_instructions(args.large))
    print(f"{args.binary}: {(large - small) / (args.large - args.small):,.0f} instructions per echo "
          f"({args.large - args.small} echoes, callgrind)")


if __name__ == "__main__":
    main()
