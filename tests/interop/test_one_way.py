#!/usr/bin/python3
"""ONE-WAY as a caller's network makes it: a firewall that eats parrot's
RTP and RTCP on the way to the caller (iptables, matching RTP/RTCP by their
first payload byte as RFC 7983 sorts them, so STUN and DTLS still pass).
A real slixmpp + aiortc caller calls parrot through a throwaway Prosody:

  1. dropped from the start: the caller hears nothing, its RTCP never names
     parrot's stream, and the report says ONE-WAY ("heard nothing");
  2. dropped from the middle: the caller heard parrot, then nothing; the
     report says ONE-WAY ("stopped hearing") with the packets lost to the end;
  3. nothing dropped: MEDIA OK, the caller "hears";
  4. parrot's own host refuses its RTP and RTCP (the same rule on OUTPUT:
     sendto fails with EPERM): nothing is counted sent, all of it is
     drops.not_sent, and the report says ONE-WAY because the echo could not
     be sent.
The rule for cases 1 and 2 sits on INPUT, where the caller's side receives:
the packets leave parrot and the network loses them.

Each report is checked against the caller's own counters. The test runs in
a network namespace of its own with only `lo` (unshare --net), so its
iptables rules touch nothing else. Needs root and iptables; otherwise it
says so and exits 77 (skipped).
"""
import asyncio
import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

MARKER = "PARROT_ONE_WAY_NAMESPACE"
PORTS = 20  # parrot's media ports: --ice-port-min .. +19
# The first UDP payload byte in 128..191 (two top bits 10): RTP or RTCP (RFC 7983).
RTP_OR_RTCP = "0>>22&0x3C@8>>30=2"
REPORT_NS = "urn:parrot:report:1"


def drop_parrots_media(low, add=True, chain="INPUT"):
    subprocess.run(["iptables", "-A" if add else "-D", chain, "-p", "udp", "--sport", f"{low}:{low + PORTS - 1}",
                    "-m", "u32", "--u32", RTP_OR_RTCP, "-j", "DROP"], check=True)


async def hang_up_and_read(caller, alice):
    stats = await caller.stats()
    await caller.terminate("success")
    import jingle_caller as jc
    message = await alice.next_message(timeout=jc.TIMEOUT,
                                       predicate=lambda m: m.xml.find(f"{{{REPORT_NS}}}report") is not None)
    return stats["audio"], json.loads(message.xml.find(f"{{{REPORT_NS}}}report").text), message["body"]


async def run():
    import harness
    import jingle_caller as jc
    low = harness.free_udp_block(PORTS)
    async with jc.parrot_and_alice(extra=["--ice-port-min", str(low), "--ice-port-max", str(low + PORTS - 1)]) as (
            _, parrot, alice):
        # 1. The caller never hears parrot.
        drop_parrots_media(low)
        caller = jc.JingleCaller(alice, parrot.jid + "/parrot", media=("audio",), jmi=False)
        await caller.call()
        await caller.until(caller.connected)
        await caller.until_sent(800)  # 16 s: 3 s to settle, then over 10 s of reports
        mine, report, body = await hang_up_and_read(caller, alice)
        print(f"dropped from the start: {body}")
        stream = report["streams"][0]
        assert mine["packets_received"] == 0, mine
        assert report["verdict"] == "ONE-WAY", report
        assert stream["return_path"]["hearing"] == "heard nothing", stream
        assert stream["return_path"]["caller_reports"] >= 2, stream
        assert stream["return_path"]["lost_to_end"] == stream["packets_sent"] > 100, stream
        assert "received none of parrot's audio" in report["one_way"], report
        assert "ONE-WAY. Your client received none of parrot's audio" in body, body
        drop_parrots_media(low, add=False)

        # 2. The caller hears parrot, then the path back breaks.
        caller = jc.JingleCaller(alice, parrot.jid + "/parrot", media=("audio",), jmi=False)
        await caller.call()
        await caller.wait_media(("audio",), frames=50)
        heard = (await caller.stats())["audio"]["packets_received"]
        drop_parrots_media(low)
        sent_before = (await caller.stats())["audio"]["packets_sent"]
        await caller.until_sent(sent_before + 600)  # 12 s without parrot's media
        mine, report, body = await hang_up_and_read(caller, alice)
        drop_parrots_media(low, add=False)
        print(f"dropped from the middle: {body}")
        stream = report["streams"][0]
        assert report["verdict"] == "ONE-WAY", report
        assert stream["return_path"]["hearing"] == "stopped hearing", stream
        never_arrived = stream["packets_sent"] - mine["packets_received"]
        # What parrot counts as lost to the end is what never arrived, within
        # the caller's last report interval (aiortc reports about once a second).
        assert abs(stream["return_path"]["lost_to_end"] - never_arrived) <= 100, (stream, mine)
        assert mine["packets_received"] >= heard > 0, mine

        # 3. Nothing dropped: the same call is MEDIA OK and the caller hears.
        caller = jc.JingleCaller(alice, parrot.jid + "/parrot", media=("audio",), jmi=False)
        await caller.call()
        await caller.wait_media(("audio",), frames=50)
        await caller.until_sent(400)
        mine, report, body = await hang_up_and_read(caller, alice)
        print(f"nothing dropped: {body}")
        assert report["verdict"] == "MEDIA OK", report
        assert report["streams"][0]["return_path"]["hearing"] == "hears", report["streams"][0]
        assert "one_way" not in report, report
        assert "not_sent" not in report["drops"], report["drops"]

        # 4. parrot's host refuses to send its media: none of it counts as sent.
        drop_parrots_media(low, chain="OUTPUT")
        caller = jc.JingleCaller(alice, parrot.jid + "/parrot", media=("audio",), jmi=False)
        await caller.call()
        await caller.until(caller.connected)
        await caller.until_sent(200)
        mine, report, body = await hang_up_and_read(caller, alice)
        drop_parrots_media(low, add=False, chain="OUTPUT")
        print(f"refused by parrot's host: {body}")
        stream = report["streams"][0]
        assert mine["packets_received"] == 0, mine
        assert stream["packets_sent"] == 0, stream
        assert report["drops"].get("not_sent", 0) >= 150, report["drops"]
        assert report["verdict"] == "ONE-WAY", report
        assert "could not be sent" in report["one_way"], report


def main():
    if os.environ.get(MARKER) != "1":
        if os.geteuid() != 0 or not shutil.which("iptables") or not shutil.which("unshare"):
            print("SKIP: needs root, iptables and unshare for a network namespace of its own")
            return 77
        return subprocess.call(["unshare", "--net", "--", sys.executable, os.path.abspath(__file__)],
                               env=dict(os.environ, **{MARKER: "1"}))
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    asyncio.run(run())
    print("one-way detection: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
