#!/usr/bin/python3
"""Call setup against one parrot on loopback, through a real Prosody: a
slixmpp + aiortc caller (tests/interop/jingle_caller.py) places N calls one
after another (direct session-initiate, audio), each ended as soon as the
first echoed frame has been decoded.

Reports per call: session-initiate sent -> session-accept received, and
-> first echoed frame decoded (p50/p99), and parrot's own CPU per call
(from /proc, over the whole run: Jingle, ICE, DTLS, echo and report).
The caller's side (aiortc, Python) is far slower than parrot, so calls/s
here is the caller's limit; parrot's CPU per call gives parrot's own rate
per core.

    PARROT_BINARY=build-test/bot/parrot /usr/bin/python3 tests/bench/call_setup_bench.py [--calls 30]
    (PARROT_WRAPPER="perf record -e cpu-clock -o parrot.perf --" profiles parrot instead)
"""
import argparse
import asyncio
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../interop"))
import jingle_caller as jc  # noqa: E402

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


async def bench(calls):
    wrapper = os.environ.get("PARROT_WRAPPER", "").split()
    async with jc.parrot_and_alice(extra=["--max-calls-per-contact", "4"], wrapper=wrapper) as (_, parrot, alice):
        full = f"{parrot.jid}/parrot"
        accepted_ms, echo_ms = [], []
        pid = parrot.process.pid
        cpu_start, wall_start = cpu_seconds(pid), time.monotonic()
        for _ in range(calls):
            caller = jc.JingleCaller(alice, full, media=("audio",), jmi=False)
            started = time.monotonic()
            call = asyncio.ensure_future(caller.call())
            await caller.until(caller.accepted)
            accepted_ms.append(1000 * (time.monotonic() - started))
            await call
            await caller.wait_media(("audio",), frames=1)
            echo_ms.append(1000 * (time.monotonic() - started))
            await caller.terminate("success")
            await alice.next_message(timeout=jc.TIMEOUT,
                                     predicate=lambda m: m.xml.find("{urn:parrot:report:1}report") is not None)
        cpu = cpu_seconds(pid) - cpu_start
        wall = time.monotonic() - wall_start
        print(f"{calls} calls in {wall:.1f} s ({calls / wall:.1f} calls/s, the Python caller's limit)")
        print(f"  session-initiate -> session-accept: p50 {statistics.median(accepted_ms):.0f} ms, "
              f"p99 {percentile(accepted_ms, 99):.0f} ms")
        print(f"  session-initiate -> first echoed frame decoded: p50 {statistics.median(echo_ms):.0f} ms, "
              f"p99 {percentile(echo_ms, 99):.0f} ms")
        if cpu > 0:  # zero when PARROT_WRAPPER (perf, valgrind) is the process /proc sees
            print(f"  parrot CPU: {1000 * cpu / calls:.1f} ms per call -> {calls / cpu:.0f} call setups/s per core "
                  f"(each call also echoed ~{statistics.median(echo_ms) / 20:.0f} packets and sent a report)")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=30)
    asyncio.run(bench(parser.parse_args().calls))


if __name__ == "__main__":
    main()
