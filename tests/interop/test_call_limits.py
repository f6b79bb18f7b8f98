#!/usr/bin/python3
"""parrot's call limits and timeouts, met by a real slixmpp + aiortc caller
(jingle_caller.py) through a throwaway Prosody. One parrot with
--max-calls-per-contact 1 --max-call-seconds 12 --no-media-seconds 5
--call-connect-seconds 5:

  a. during a call, a second JMI propose from the same contact gets <reject/>
     at the caller's full JID and a "Busy:" chat, a direct session-initiate
     gets session-terminate <busy/> and the same chat, and the first call's
     echo keeps flowing;
  b. that first call is hung up by parrot at its maximum length: <timeout/>,
     and a report that says so, with a working-media verdict;
  c. a caller that stops sending RTP after its call connected (RTCP still
     flows) is hung up with <media-error/> and "no media from you for 5 s";
  d. a caller that offers no candidates, trickles none and never runs ICE is
     hung up with <failed-transport/> and an ICE FAILED report.
"""
import asyncio
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import jingle_caller as jc  # noqa: E402  (patches aioice to loopback first)
import harness  # noqa: E402
from test_call import REPORT_NS, report_of  # noqa: E402

MAX_CALL_S = 12
NO_MEDIA_S = 5
CONNECT_S = 5
# How long past a parrot deadline the caller waits for its session-terminate:
# a generous bound for a loaded machine, not a measurement.
GRACE_S = 15
WORKING = ("MEDIA OK",)  # no relay candidates on loopback is a note, not a verdict


class UnreachableCaller(jc.JingleCaller):
    """A caller whose media path can never come up, as behind a firewall
    dropping UDP: it offers no candidates, trickles none, and never starts
    ICE towards parrot's (so parrot cannot learn a peer-reflexive one)."""

    async def _on_session_accept(self, jingle):
        self._remember_remote(jingle)
        self.accepted.set_result(jingle)


async def next_report(alice, sid):
    message = await alice.next_message(timeout=jc.TIMEOUT, predicate=lambda m: (
        m.xml.find(f"{{{REPORT_NS}}}report") is not None and report_of(m)["id"] == sid))
    return message["body"], report_of(message)


async def busy_while_in_a_call(alice, parrot, first):
    """(a): both ways of calling again are refused as busy; the first call goes on."""
    before = (await first.stats())["audio"]["packets_received"]
    proposed = jc.JingleCaller(alice, parrot.jid, media=("audio",), jmi=True)
    tag, answer = await proposed.propose_answer()
    assert tag == "reject", f"a second propose from the same contact got {tag}"
    # XEP-0353: a reply to the bare JID would be dropped by Conversations and Dino.
    assert str(answer["to"]) == str(alice.boundjid), answer["to"]
    assert answer["from"].bare == parrot.jid, answer["from"]
    busy = await alice.next_message(timeout=jc.TIMEOUT, predicate=lambda m: m["body"].startswith("Busy:"))
    print(f"(a) JMI propose while in a call: reject, and chat {busy['body']!r}")
    await proposed._close()

    direct = jc.JingleCaller(alice, first.peer, media=("audio",), jmi=False)
    await direct.initiate()
    reason = await direct.until(direct.terminated)
    assert reason == "busy", f"a second session-initiate from the same contact ended with {reason}"
    assert "session-accept" not in direct.received, direct.received
    await alice.next_message(timeout=jc.TIMEOUT, predicate=lambda m: m["body"].startswith("Busy:"))
    print("(a) session-initiate while in a call: session-terminate <busy/>, and the Busy: chat")

    after = (await first.until_received(before + 26))["audio"]["packets_received"]
    assert not first.terminated.done(), first.terminated.result()
    print(f"(a) the first call's echo kept flowing ({before} -> {after} packets)")


async def main():
    limits = ["--max-calls-per-contact", "1", "--max-call-seconds", str(MAX_CALL_S),
              "--no-media-seconds", str(NO_MEDIA_S), "--call-connect-seconds", str(CONNECT_S)]
    async with jc.parrot_and_alice(extra=limits) as (_, parrot, alice):

        # (a) and (b): one call that parrot ends at its maximum length.
        first = jc.JingleCaller(alice, parrot.jid, media=("audio",), jmi=True)
        await first.call()
        await first.wait_media(("audio",), frames=25)
        await busy_while_in_a_call(alice, parrot, first)
        reason = await first.until(first.terminated, timeout=MAX_CALL_S + GRACE_S)
        assert reason == "timeout", f"the long call ended with {reason}"
        body, report = await next_report(alice, first.sid)
        print(f"(b) parrot hung up at {MAX_CALL_S} s: {body}")
        assert report["failure"] == "the call reached parrot's maximum length", report
        assert report["verdict"] in WORKING, report["verdict"]
        # parrot's timer cannot fire early; the report rounds to 0.1 s.
        assert report["duration_s"] >= MAX_CALL_S - 0.1, report["duration_s"]
        stats = first.final_stats["audio"]
        assert stats["frames_decoded"] > 25 * MAX_CALL_S and stats["loud_frames"] > 20, stats
        assert stats["echo_delay_ms"] is not None and stats["echo_delay_ms"] < 400, stats

        # (c) The caller's RTP stops; its RTCP goes on.
        silent = jc.JingleCaller(alice, parrot.jid, media=("audio",), jmi=True)
        await silent.call()
        await silent.wait_media(("audio",), frames=25)
        silent.stop_sending()
        reason = await silent.until(silent.terminated, timeout=NO_MEDIA_S + GRACE_S)
        assert reason == "media-error", f"the call without media ended with {reason}"
        body, report = await next_report(alice, silent.sid)
        print(f"(c) caller stopped sending: {body}")
        assert report["failure"] == f"no media from you for {NO_MEDIA_S} s", report
        assert report["verdict"] in WORKING, report["verdict"]  # media did flow before
        assert report["duration_s"] >= NO_MEDIA_S, report["duration_s"]

        # (d) No candidates at all, no ICE: parrot gives up after the connect timeout.
        unreachable = UnreachableCaller(alice, parrot.jid, media=("audio",), jmi=True, trickle=True)
        await unreachable.initiate(send_candidates=False)
        await unreachable.until(unreachable.accepted)
        reason = await unreachable.until(unreachable.terminated, timeout=CONNECT_S + GRACE_S)
        assert reason == "failed-transport", f"the call that never connected ended with {reason}"
        assert not unreachable.connected.done()
        body, report = await next_report(alice, unreachable.sid)
        print(f"(d) no path: {body}")
        assert report["verdict"] == "ICE FAILED", report["verdict"]
        assert report["failure"] == f"no path to you connected within {CONNECT_S} s (ICE never completed)", report
        assert "sent no candidates" in report["nat"]["explanation"], report["nat"]
        assert report["duration_s"] >= CONNECT_S - 0.1, report["duration_s"]  # never before the timeout
        print("ok")


if __name__ == "__main__":
    harness.run_test(main)
