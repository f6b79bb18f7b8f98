#!/usr/bin/python3
"""parrot places the call, and plays its own signal.

  1. "!callme": parrot proposes (XEP-0353) to alice's bare JID; alice's
     auto-answering slixmpp + aiortc callee proceeds; parrot sends the
     session-initiate (controlling ICE, DTLS actpass, one BUNDLE), alice
     accepts. alice first hears parrot's tone (loud frames that are not her
     own clicks), then her own voice back (the echo delay of her clicks).
     She hangs up and reads a report that says so.
  2. "!callme video": the same with VP8; alice decodes parrot's pattern and
     then her own video.
  3. "!mode tone", then alice calls parrot: she hears parrot's tone for the
     whole call, never her own clicks, and the report names the test tone.
  4. A propose nobody answers is not kept for ever: "!callme" twice says
     parrot is already calling; a "reject" ends it with a chat line.
"""
import asyncio
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import jingle_caller as jc  # noqa: E402  (patches aioice to loopback first)
import harness  # noqa: E402

REPORT_NS = "urn:parrot:report:1"
NS_JMI = "urn:xmpp:jingle-message:0"


def has_report(message):
    return message.xml.find(f"{{{REPORT_NS}}}report") is not None


def report_of(message):
    return json.loads(message.xml.find(f"{{{REPORT_NS}}}report").text)


async def answered_call(alice, callee, parrot_jid, command, media):
    alice.send_message(mto=parrot_jid, mbody=command, mtype="chat")
    await alice.next_message(predicate=lambda m: "Calling you now" in m["body"])
    call = await callee.next_call()
    assert call.peer.startswith(parrot_jid + "/"), call.peer
    assert call.jmi, "parrot placed the call without a JMI propose"
    await call.until(call.connected)
    # First parrot's signal, then the echo of alice's own clicks.
    await call.wait_media(media, frames=25)
    deadline = asyncio.get_running_loop().time() + 15
    while True:
        stats = await call.stats()
        if stats["audio"]["echo_delay_ms"] is not None and stats["audio"]["loud_frames"] > 100:
            break
        assert asyncio.get_running_loop().time() < deadline, ("no echo after parrot's tone", stats)
        await asyncio.sleep(0.5)
    await call.terminate("success")
    report = report_of(await alice.next_message(timeout=jc.TIMEOUT, predicate=has_report))
    assert report["id"] == call.sid, (report["id"], call.sid)
    assert report["verdict"] == "MEDIA OK", report
    assert report["dtls"]["fingerprint_ok"] is True and report["dtls"]["srtp_profile"], report["dtls"]
    streams = {s["media"]: s for s in report["streams"]}
    for kind in media:
        sent = stats[kind]["packets_sent"]
        assert abs(streams[kind]["packets_received"] - sent) <= max(10, sent // 20), (kind, streams[kind], sent)
    assert streams["audio"]["sent_back"] == "test tone, then echo", streams["audio"]
    if "video" in media:
        assert streams["video"]["sent_back"] == "test pattern, then echo", streams["video"]
    return call, stats, report


async def main():
    async with jc.parrot_and_alice() as (_, parrot, alice):
        callee = jc.JingleCallee(alice)

        call, stats, report = await answered_call(alice, callee, parrot.jid, "!callme", ("audio",))
        print(f"!callme: {report['streams'][0]['packets_sent']} packets from parrot, alice heard "
              f"{stats['audio']['loud_frames']} loud frames and her echo {stats['audio']['echo_delay_ms']:.0f} ms late")

        call, stats, report = await answered_call(alice, callee, parrot.jid, "!callme video", ("audio", "video"))
        print(f"!callme video: alice decoded {stats['video']['frames_decoded']} video frames")

        # !mode tone: a call to parrot gets its tone for the whole call.
        alice.send_message(mto=parrot.jid, mbody="!mode tone", mtype="chat")
        await alice.next_message(predicate=lambda m: "test tone" in m["body"])
        caller = jc.JingleCaller(alice, parrot.jid, media=("audio",), jmi=True)
        await caller.call()
        await caller.wait_media(("audio",), frames=100)
        tone_stats = await caller.stats()
        await caller.terminate("success")
        tone_report = report_of(await alice.next_message(timeout=jc.TIMEOUT, predicate=has_report))
        assert tone_stats["audio"]["loud_frames"] > 50, tone_stats  # parrot's -20 dBFS tone
        assert tone_stats["audio"]["echo_delay_ms"] is None, ("alice heard her own clicks in tone mode", tone_stats)
        assert tone_report["streams"][0]["sent_back"] == "test tone", tone_report["streams"][0]
        assert tone_report["streams"][0]["packets_received"] > 50, tone_report["streams"][0]
        alice.send_message(mto=parrot.jid, mbody="!mode echo", mtype="chat")
        await alice.next_message(predicate=lambda m: "echoed again" in m["body"])
        print("!mode tone: the caller heard parrot's tone, not herself")

        # A second !callme while one rings; then alice rejects it.
        callee.dispatcher.on_propose = lambda message, propose: None  # let it ring
        alice.send_message(mto=parrot.jid, mbody="!callme", mtype="chat")
        await alice.next_message(predicate=lambda m: "Calling you now" in m["body"])
        alice.send_message(mto=parrot.jid, mbody="!callme", mtype="chat")
        await alice.next_message(predicate=lambda m: "already calling you" in m["body"])
        proposes = [entry for entry in callee.dispatcher.jmi_log if entry[:2] == ("in", "propose")]
        callee.dispatcher.send_jmi(f"{parrot.jid}/parrot", "reject", proposes[-1][2])
        await alice.next_message(predicate=lambda m: "declined" in m["body"])
        print("ok")


if __name__ == "__main__":
    harness.run_test(main)
