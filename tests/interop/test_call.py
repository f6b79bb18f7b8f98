#!/usr/bin/python3
"""A real call to parrot: a slixmpp + aiortc caller (jingle_caller.py) calls
parrot through a throwaway Prosody, hears its own tone come back, hangs up,
and reads the report parrot sends.

  1. JMI (propose -> proceed from parrot's full JID), audio only;
  2. direct session-initiate, audio + video in one BUNDLE, candidates
     trickled both ways, with !delay 1000;
  3. a JMI audio call upgraded to video with content-add;
  4. audio + video without BUNDLE (Dino's shape): a transport per content.
During the first call, malformed and out-of-order Jingle (no sid, unknown
sid, a content the call does not have, 300 payload types) each get their error
while the call's echo keeps flowing.
Each asserts what the caller would check: its own media decoded back
(frames, and loud frames: the tone itself), the echo delay found by
cross-correlating the tone's irregular clicks with what came back (under
400 ms, or 1000..1600 ms with !delay 1000), and a report whose verdict and
counts agree with the caller's own statistics. The delay estimator itself is
first checked offline through Opus against a known delay.
"""
import asyncio
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import jingle_caller as jc  # noqa: E402  (patches aioice to loopback first)
import harness  # noqa: E402
from aiortc.codecs.opus import OpusDecoder, OpusEncoder  # noqa: E402
from aiortc.jitterbuffer import JitterFrame  # noqa: E402

MEDIA_PACKETS = 150  # 3 s of the caller's audio after the echo started
REPORT_NS = "urn:parrot:report:1"
PROMPT_ECHO_MS = (0, 400)  # loopback: parrot's jitter buffer, aiortc's and Opus's look-ahead
DELAYED_ECHO_MS = (1000, 1600)  # !delay 1000 on top of that


def check_echo_delay_estimator():
    """jc.echo_delay_ms through a real Opus encoder and decoder, frames
    handed over in bursts: it finds a known delay (plus Opus's few ms of
    look-ahead), and finds nothing in a tone with other clicks."""
    def measure(delay_s, heard_seed=1):
        """Our clicks' delay in a tone made with `heard_seed` (ours is 1),
        arriving `delay_s` late, every 7th frame 100 ms later still."""
        ours, heard = jc.ToneTrack(seed=1), jc.ToneTrack(seed=heard_seed)
        encoder, decoder, audio = OpusEncoder(), OpusDecoder(), []
        for i in range(200):
            ours.synthesize(i * ours.SAMPLES, 0.0)
            payloads, timestamp = encoder.encode(heard.synthesize(i * heard.SAMPLES, 0.0))
            for decoded in decoder.decode(JitterFrame(payloads[0], timestamp)):
                arrival = i * 0.02 + delay_s + (0.1 if i % 7 == 0 else 0.0)
                audio.append((arrival, float(decoded.pts * decoded.time_base),
                              decoded.to_ndarray().reshape(-1, 2)[:, 0]))
        return jc.echo_delay_ms(list(ours.click_times), audio)

    for delay_ms in (0, 1234):
        measured = measure(delay_ms / 1000)
        assert measured is not None and 0 <= measured - delay_ms <= 15, (delay_ms, measured)
    assert measure(0.1, heard_seed=2) is None, "another tone's clicks were taken for our echo"


async def jingle_error(alice, to, attributes, children=()):
    """Sends a Jingle IQ parrot must refuse; returns the error's conditions."""
    iq = alice.make_iq_set(ito=to)
    element = jc.ET.Element(jc.q(jc.NS_JINGLE, "jingle"), attributes)
    for child in children:
        element.append(child)
    iq.xml.append(element)
    try:
        await iq.send(timeout=jc.TIMEOUT)
    except Exception as error:  # noqa: BLE001 — slixmpp raises IqError with the reply
        reply = getattr(error, "iq", None)
        assert reply is not None, error
        return {child.tag.split("}")[-1] for child in reply.xml.find("{jabber:client}error")}
    raise AssertionError(f"parrot accepted {attributes}")


async def bad_input_during(caller, alice, parrot_full):
    """Malformed and out-of-order Jingle while a call runs: each gets its
    error, and the call's media keeps flowing."""
    before = (await caller.stats())["audio"]["packets_received"]
    assert "bad-request" in await jingle_error(alice, parrot_full, {"action": "transport-info"})  # no sid
    assert {"item-not-found", "unknown-session"} <= await jingle_error(
        alice, parrot_full, {"action": "transport-info", "sid": "no-such-call"})
    # A transport-info for a content this call does not have.
    stray = jc.ET.Element(jc.q(jc.NS_JINGLE, "content"), {"creator": "initiator", "name": "no-such-content"})
    assert "out-of-order" in await jingle_error(
        alice, parrot_full, {"action": "transport-info", "sid": caller.sid}, [stray])
    # An absurd offer: 300 payload types in one description.
    content = jc.ET.Element(jc.q(jc.NS_JINGLE, "content"), {"creator": "initiator", "name": "x"})
    description = jc.ET.SubElement(content, jc.q(jc.NS_RTP, "description"), {"media": "audio"})
    for i in range(300):
        jc.ET.SubElement(description, jc.q(jc.NS_RTP, "payload-type"), {"id": str(i % 128), "name": "x"})
    assert "bad-request" in await jingle_error(
        alice, parrot_full, {"action": "session-initiate", "sid": "absurd", "initiator": str(alice.boundjid)}, [content])
    # The refused offer is reported like a failed call, with the reason.
    refused = report_of(await alice.next_message(
        timeout=jc.TIMEOUT, predicate=lambda m: m.xml.find(f"{{{REPORT_NS}}}report") is not None))
    assert refused["id"] == "absurd" and refused["verdict"] == "REFUSED", refused
    assert "too many payload-types" in refused["failure"], refused
    after = (await caller.until_received(before + 26))["audio"]["packets_received"]
    print(f"bad input refused during the call; echo kept flowing ({before} -> {after} packets)")


def report_of(message):
    element = message.xml.find(f"{{{REPORT_NS}}}report")
    assert element is not None, f"no <report/> in {message}"
    return json.loads(element.text)


async def call_parrot(alice, parrot_jid, name, media, jmi, trickle, during=None, bundle=True,
                      echo_ms=PROMPT_ECHO_MS):
    caller = jc.JingleCaller(alice, parrot_jid, media=media, jmi=jmi, trickle=trickle, bundle=bundle)
    await caller.call()
    if jmi:
        log = caller.dispatcher.jmi_log
        assert ("in", "proceed", caller.sid) in log, log
    await caller.wait_media(media, frames=25)
    if during:
        await during(caller)
    await caller.until_sent((await caller.stats())["audio"]["packets_sent"] + MEDIA_PACKETS)
    stats = await caller.stats()
    await caller.terminate("success")
    message = await alice.next_message(timeout=jc.TIMEOUT, predicate=lambda m: m.xml.find(f"{{{REPORT_NS}}}report") is not None)
    report = report_of(message)
    print(f"{name}: {message['body']}")
    for kind in media:
        s = stats[kind]
        # The echo: what the caller sent came back and decoded.
        assert s["packets_sent"] > 50 and s["packets_received"] > 50, (name, kind, s)
        assert s["frames_decoded"] > 25, (name, kind, s)
        if kind == "audio":
            assert s["loud_frames"] > 20, (name, "the tone did not come back", s)
            delay = s["echo_delay_ms"]
            assert delay is not None and echo_ms[0] <= delay <= echo_ms[1], (name, "echo delay", delay, echo_ms)
            print(f"{name}: echo delay {delay} ms")
    assert report["kind"] == "call" and report["id"] == caller.sid, report
    # On loopback the caller has no TURN server: media OK, with that note.
    assert report["verdict"] == "MEDIA OK", report["verdict"]
    assert any("no relay (TURN) candidates" in note for note in report["notes"]), report["notes"]
    assert report["ice"]["selected"]["local_type"] == "host", report["ice"]
    assert report["dtls"]["srtp_profile"] == "SRTP_AES128_CM_SHA1_80", report["dtls"]  # aiortc's only one
    assert report["dtls"]["fingerprint_ok"] is True, report["dtls"]
    streams = {s["media"]: s for s in report["streams"]}
    for kind in media:
        received, sent = streams[kind]["packets_received"], stats[kind]["packets_sent"]
        # parrot stopped counting at the terminate, the caller a moment earlier.
        assert abs(received - sent) <= max(10, sent // 20), (name, kind, received, sent)
        assert streams[kind]["loss_pct"] < 1.0, streams[kind]
        # aiortc's RTCP names parrot's stream: the caller hears parrot.
        assert streams[kind]["return_path"]["hearing"] == "hears", streams[kind]["return_path"]
    if "audio" in media:
        assert streams["audio"]["codec"].startswith("opus/48000"), streams["audio"]
        assert -40 < streams["audio"]["level_dbfs"] < -5, streams["audio"]  # the caller's tone, measured by parrot
        # aiortc puts its RFC 6464 level on every audio packet (as libwebrtc
        # does): parrot's level is the caller's own, and it decodes windows only.
        assert streams["audio"]["level_source"] == "audio level", streams["audio"]
        share = streams["audio"]["decoded_share"]
        assert 0 < share <= (0.2 if streams["audio"]["packets_received"] >= 500 else 1), streams["audio"]
    return report


async def direct_audio_call(alice, parrot_full):
    """A direct audio call with its echo flowing; the caller and its content name."""
    caller = jc.JingleCaller(alice, parrot_full, media=("audio",), jmi=False)
    await caller.call()
    await caller.wait_media(("audio",), frames=10)
    return caller, next(iter(caller.local_contents))


async def ice_restart_offer(alice, parrot_full):
    """Conversations' ICE restart after a network change: a transport-info
    with new ufrag/pwd, fingerprint setup=actpass and no candidates. parrot
    acks it and answers with transport-info carrying its own new credentials
    and candidates (never empty, which would read as parrot's own restart).
    aiortc cannot restart, so only the signalling is checked here; the path
    coming back is tests/unit/transport/call's IceRestart test."""
    caller, name = await direct_audio_call(alice, parrot_full)
    old_ufrag = caller.remote_contents[name].find(jc.q(jc.NS_ICE, "transport")).get("ufrag")
    seen = []
    original = caller._on_transport_info

    async def spy(jingle):
        seen.append(jingle)
        await original(jingle)
    caller._on_transport_info = spy
    offer = caller._jingle("transport-info")
    content = jc.ET.SubElement(offer, jc.q(jc.NS_JINGLE, "content"), {"creator": "initiator", "name": name})
    transport = jc.ET.SubElement(content, jc.q(jc.NS_ICE, "transport"),
                                 {"ufrag": "rEsT", "pwd": "restartrestartrestart24"})
    mine = caller.local_contents[name].find(jc.q(jc.NS_ICE, "transport")).find(jc.q(jc.NS_DTLS, "fingerprint"))
    fingerprint = jc.ET.SubElement(transport, jc.q(jc.NS_DTLS, "fingerprint"),
                                   {"hash": mine.get("hash"), "setup": "actpass"})
    fingerprint.text = mine.text
    await caller.send(offer)  # raises if parrot answers with an error
    deadline = asyncio.get_running_loop().time() + jc.TIMEOUT
    while not any(t.find(jc.q(jc.NS_ICE, "candidate")) is not None for t in answers(seen)):
        assert asyncio.get_running_loop().time() < deadline, "no transport-info with candidates after the restart"
        await asyncio.sleep(0.1)
    for transport in answers(seen):
        assert transport.get("ufrag") and transport.get("ufrag") != old_ufrag, (old_ufrag, transport.attrib)
        assert transport.find(jc.q(jc.NS_ICE, "candidate")) is not None, "an empty transport-info with new credentials"
    await caller.terminate("success")
    report = report_of(await alice.next_message(timeout=jc.TIMEOUT, predicate=lambda m: m.xml.find(f"{{{REPORT_NS}}}report") is not None))
    assert report["ice"]["restarts"] == 1, report["ice"]
    print(f"ICE restart offer answered with new credentials ({old_ufrag} -> {answers(seen)[0].get('ufrag')})")


async def replace_then_remove(alice, parrot_full):
    """A transport-replace (as file-transfer clients fall back to IBB) gets
    transport-reject and the call goes on; a content-remove of the only
    content ends the session (XEP-0166 §7.2.5) with a report saying why."""
    caller, name = await direct_audio_call(alice, parrot_full)
    replace = caller._jingle("transport-replace")
    content = jc.ET.SubElement(replace, jc.q(jc.NS_JINGLE, "content"), {"creator": "initiator", "name": name})
    jc.ET.SubElement(content, "{urn:xmpp:jingle:transports:ibb:1}transport", {"block-size": "4096", "sid": "x"})
    await caller.send(replace)
    deadline = asyncio.get_running_loop().time() + jc.TIMEOUT
    while "transport-reject" not in caller.received:
        assert asyncio.get_running_loop().time() < deadline, ("no transport-reject", caller.received)
        await asyncio.sleep(0.1)
    before = (await caller.stats())["audio"]["packets_received"]
    await caller.until_received(before + 1)  # the echo goes on after transport-reject
    remove = caller._jingle("content-remove")
    jc.ET.SubElement(remove, jc.q(jc.NS_JINGLE, "content"), {"creator": "initiator", "name": name})
    await caller.send(remove)
    reason = await caller.until(caller.terminated)
    assert reason == "success", reason
    report = report_of(await alice.next_message(
        timeout=jc.TIMEOUT, predicate=lambda m: m.xml.find(f"{{{REPORT_NS}}}report") is not None))
    assert report["failure"] == "you removed every content of the call", report.get("failure")
    await caller._close()
    print("transport-replace refused, content-remove of the last content ended the call")


def answers(jingles):
    return [c.find(jc.q(jc.NS_ICE, "transport")) for j in jingles for c in j.findall(jc.q(jc.NS_JINGLE, "content"))
            if c.find(jc.q(jc.NS_ICE, "transport")) is not None]


async def main():
    check_echo_delay_estimator()
    async with jc.parrot_and_alice() as (_, parrot, alice):
        full = f"{parrot.jid}/parrot"
        first = await call_parrot(alice, parrot.jid, "JMI audio", ("audio",), jmi=True, trickle=False,
                                  during=lambda caller: bad_input_during(caller, alice, full))

        # !report sends the last report again, JSON included.
        alice.send_message(mto=parrot.jid, mbody="!report", mtype="chat")
        again = await alice.next_message(predicate=lambda m: m.xml.find(f"{{{REPORT_NS}}}report") is not None)
        assert report_of(again) == first, "!report differs from the report sent at hang-up"

        # !delay 1000: the next call's echo waits a second longer in the buffer.
        alice.send_message(mto=parrot.jid, mbody="!delay 1000", mtype="chat")
        await alice.next_message(predicate=lambda m: "1000 ms late" in m["body"])
        delayed = await call_parrot(alice, full, "direct audio+video, trickle, !delay 1000", ("audio", "video"),
                                    jmi=False, trickle=True, echo_ms=DELAYED_ECHO_MS)
        held = {s["media"]: s["buffer_delay_ms"] for s in delayed["streams"]}
        # Playout is by RTP timestamp (the earliest arrival its timestamp
        # allows, plus the jitter target and the extra delay), so a packet
        # that arrived late on a loaded machine is held that much less.
        for kind in ("audio", "video"):
            assert held[kind]["avg"] >= 975 and held[kind]["min"] >= 900, held
        assert first["streams"][0]["buffer_delay_ms"]["max"] < 500, first["streams"][0]
        alice.send_message(mto=parrot.jid, mbody="!delay 0", mtype="chat")
        await alice.next_message(predicate=lambda m: "at once again" in m["body"])

        # An audio call upgraded to video with content-add (Conversations,
        # Dino, Movim all do this): parrot accepts and echoes the video too.
        caller = jc.JingleCaller(alice, parrot.jid, media=("audio",), jmi=True)
        await caller.call()
        await caller.wait_media(("audio",), frames=25)
        assert await caller.add_content("video") == "content-accept"
        await caller.wait_media(("audio", "video"), frames=25)
        upgraded_stats = await caller.stats()
        await caller.terminate("success")
        upgraded = report_of(await alice.next_message(
            timeout=jc.TIMEOUT, predicate=lambda m: m.xml.find(f"{{{REPORT_NS}}}report") is not None))
        video = next(s for s in upgraded["streams"] if s["media"] == "video")
        assert video["packets_received"] > 20 and upgraded_stats["video"]["frames_decoded"] > 20, (video, upgraded_stats)
        print(f"audio upgraded to video: parrot echoed {video['packets_sent']} video packets, "
              f"the caller decoded {upgraded_stats['video']['frames_decoded']} frames")

        # Dino's shape: no BUNDLE, so one ICE/DTLS transport per content.
        await call_parrot(alice, full, "direct audio+video, no BUNDLE", ("audio", "video"), jmi=False, trickle=False,
                          bundle=False)

        # Dino's video upgrade: without BUNDLE the added content brings a
        # transport of its own, so parrot opens a second ICE agent and DTLS.
        caller = jc.JingleCaller(alice, full, media=("audio",), jmi=False, bundle=False)
        await caller.call()
        await caller.wait_media(("audio",), frames=25)
        assert await caller.add_content("video") == "content-accept"
        await caller.wait_media(("audio", "video"), frames=25)
        unbundled_stats = await caller.stats()
        await caller.terminate("success")
        unbundled = report_of(await alice.next_message(
            timeout=jc.TIMEOUT, predicate=lambda m: m.xml.find(f"{{{REPORT_NS}}}report") is not None))
        paths = unbundled["ice"]["transports"]
        assert [p["media"] for p in paths] == ["audio", "video"], paths
        assert all(p["local_type"] == "host" and p["srtp_profile"] for p in paths), paths
        video = next(s for s in unbundled["streams"] if s["media"] == "video")
        assert video["packets_received"] > 20 and unbundled_stats["video"]["frames_decoded"] > 20, (video, unbundled_stats)
        print(f"audio upgraded to video without BUNDLE: the caller decoded "
              f"{unbundled_stats['video']['frames_decoded']} frames over a second transport")
        await ice_restart_offer(alice, full)
        await replace_then_remove(alice, full)
        print("ok")


if __name__ == "__main__":
    harness.run_test(main)
