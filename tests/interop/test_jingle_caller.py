#!/usr/bin/python3
"""jingle_caller.py against itself: the caller parrot's call tests will use,
checked before parrot can answer a call.

Unit part (no network): SDP -> Jingle -> SDP on aiortc offers and answers
keeps codecs and payload ids, ICE credentials, fingerprint and setup,
candidates, SSRCs, mids and the BUNDLE group; the Jingle has the shape
Conversations sends (fixtures/aiortc/ holds one generated session-initiate
for reference, checked structurally, not byte for byte).

Interop part: a throwaway Prosody (harness.py) and two slixmpp clients, a
JingleCaller and an auto-answering JingleCallee, each with its own aiortc
peer sending a tone (and video):
  1. JMI, audio only, candidates inside initiate/accept;
  2. direct session-initiate, audio+video BUNDLE, trickled transport-info;
  3. JMI audio call upgraded to video with content-add / content-accept;
each ending with session-terminate <success/>, with media checked both ways
through aiortc getStats and decoded-frame counters.
"""
import asyncio
import os
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import jingle_caller as jc  # noqa: E402  (patches aioice to loopback first)
from aiortc import RTCConfiguration, RTCPeerConnection  # noqa: E402
from aiortc.sdp import SessionDescription  # noqa: E402

from harness import Client, Prosody, run_test  # noqa: E402

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "aiortc")
MEDIA_SECONDS = 2.0


# -- unit: the mapping ------------------------------------------------------

def essentials(sdp):
    """What must survive SDP -> Jingle -> SDP, read by aiortc's own SDP parser."""
    description = SessionDescription.parse(sdp)
    result = {"groups": [(g.semantic, list(g.items)) for g in description.group if g.semantic == "BUNDLE"],
              "media": []}
    for m in description.media:
        result["media"].append({
            "kind": m.kind, "mid": m.rtp.muxId, "direction": m.direction, "rtcp_mux": m.rtcp_mux,
            "codecs": [(c.payloadType, c.mimeType, c.clockRate, c.channels, sorted(c.parameters.items()),
                        [(f.type, f.parameter) for f in c.rtcpFeedback]) for c in m.rtp.codecs],
            "hdrext": [(h.id, h.uri) for h in m.rtp.headerExtensions],
            "ice": (m.ice.usernameFragment, m.ice.password),
            "dtls": (m.dtls.role, [(f.algorithm, f.value) for f in m.dtls.fingerprints]),
            "candidates": [(c.foundation, c.component, c.protocol, c.priority, c.ip, c.port, c.type)
                           for c in m.ice_candidates],
            "ssrc": [(s.ssrc, s.cname) for s in m.ssrc],
            "ssrc_group": [(g.semantic, list(g.items)) for g in m.ssrc_group],
            "msid": m.msid,
        })
    return result


async def offer_and_answer():
    offerer = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    offerer.addTrack(jc.ToneTrack())
    offerer.addTrack(jc.CounterVideoTrack())
    await offerer.setLocalDescription(await offerer.createOffer())
    answerer = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    await answerer.setRemoteDescription(offerer.localDescription)
    answerer.addTrack(jc.ToneTrack())
    answerer.addTrack(jc.CounterVideoTrack())
    await answerer.setLocalDescription(await answerer.createAnswer())
    offer, answer = offerer.localDescription.sdp, answerer.localDescription.sdp
    await offerer.close()
    await answerer.close()
    return offer, answer


def check_round_trip(sdp, role):
    jingle = jc.sdp_to_jingle(sdp, role, action="session-initiate", sid="s1")
    # Through text and back, as the stanza travels.
    wire = ET.fromstring(ET.tostring(jingle))
    again = jc.jingle_to_sdp(wire, role)
    before, after = essentials(sdp), essentials(again)
    assert before["media"] and before["media"][0]["codecs"] and before["media"][0]["candidates"], before
    for key in before:
        assert before[key] == after[key], f"{role}: {key} changed:\n{before[key]}\n{after[key]}"
    # SDP -> Jingle -> SDP -> Jingle is a fixed point (ids of candidates aside).
    third = jc.sdp_to_jingle(again, role, action="session-initiate", sid="s1")
    assert canonical(wire) == canonical(third), "second round trip differs"
    return wire


def check_conversations_shape(jingle, setup):
    """The elements of Conversations' session-initiate (docs/client-quirks.md#conversations-calls)."""
    group = jingle.find(jc.q(jc.NS_GROUP, "group"))
    assert group is not None and group.get("semantics") == "BUNDLE", "no BUNDLE group"
    contents = jingle.findall(jc.q(jc.NS_JINGLE, "content"))
    assert [c.get("name") for c in group] == [c.get("name") for c in contents] == ["0", "1"]
    for content in contents:
        assert content.get("creator") == "initiator" and content.get("senders") == "both", content.attrib
        description = content.find(jc.q(jc.NS_RTP, "description"))
        assert description.find(jc.q(jc.NS_RTP, "rtcp-mux")) is not None
        assert description.find(jc.q(jc.NS_RTP, "payload-type")) is not None
        assert description.find(jc.q(jc.NS_HDREXT, "rtp-hdrext")) is not None
        source = description.find(jc.q(jc.NS_SSMA, "source"))
        names = [p.get("name") for p in source]
        assert "cname" in names and "msid" in names, names
        msid = next(p.get("value") for p in source if p.get("name") == "msid")
        assert len(msid.split(" ")) == 2 and msid == msid.strip(), msid  # docs/client-quirks.md#movim-calls
        transport = content.find(jc.q(jc.NS_ICE, "transport"))
        assert transport.get("ufrag") and transport.get("pwd"), transport.attrib
        fingerprint = transport.find(jc.q(jc.NS_DTLS, "fingerprint"))
        assert fingerprint.get("hash") == "sha-256" and fingerprint.get("setup") == setup, fingerprint.attrib
        assert len(fingerprint.text.split(":")) == 32, fingerprint.text
        for candidate in transport.findall(jc.q(jc.NS_ICE, "candidate")):
            for attribute in ("component", "foundation", "generation", "id", "ip", "port", "priority",
                              "protocol", "type"):
                assert candidate.get(attribute), (attribute, candidate.attrib)
    video = contents[1].find(jc.q(jc.NS_RTP, "description"))
    vp8 = next(p for p in video if p.get("name") == "VP8")
    assert {(f.get("type"), f.get("subtype")) for f in vp8} >= {("nack", None), ("nack", "pli")}, vp8
    fid = video.find(jc.q(jc.NS_SSMA, "ssrc-group"))
    assert fid.get("semantics") == "FID" and len(fid) == 2, fid


def check_fixture():
    """fixtures/aiortc/session-initiate.xml (an aiortc offer as this module
    maps it) still maps to an SDP aiortc accepts, with its ids intact."""
    path = os.path.join(FIXTURES, "session-initiate.xml")
    with open(path) as f:
        first = f.readline()
    assert first.startswith("<!--") and "aiortc" in first, first
    iq = ET.parse(path).getroot()
    jingle = iq.find(jc.q(jc.NS_JINGLE, "jingle"))
    sdp = jc.jingle_to_sdp(jingle, "initiator")
    parsed = essentials(sdp)
    assert [m["mid"] for m in parsed["media"]] == ["0", "1"], parsed
    assert [c[0] for c in parsed["media"][0]["codecs"]] == [96, 0, 8], parsed["media"][0]["codecs"]
    assert parsed["media"][0]["ice"] == ("oxGp", "aMCwiVLdTCmreYdtuDhHe8"), parsed["media"][0]["ice"]
    assert parsed["media"][1]["ssrc_group"] == [("FID", [2910559949, 1584738048])], parsed["media"][1]
    assert parsed["media"][0]["candidates"][0][4:6] == ("127.0.0.1", 57967), parsed["media"][0]["candidates"]
    # Golden: today's mapper still turns the fixture's source SDP into the fixture.
    with open(os.path.join(FIXTURES, "offer.sdp")) as f:
        mapped = jc.sdp_to_jingle(f.read(), "initiator", action="session-initiate", sid=jingle.get("sid"),
                                  initiator=jingle.get("initiator"))
    assert canonical(mapped) == canonical(jingle), "sdp_to_jingle no longer produces fixtures/aiortc/session-initiate.xml"


def canonical(jingle):
    """Text of `jingle` without whitespace and candidate ids (random per run)."""
    jingle = jc.copy.deepcopy(jingle)
    for element in jingle.iter():
        element.text = (element.text or "").strip() or None
        element.tail = None
        if element.tag == jc.q(jc.NS_ICE, "candidate"):
            element.attrib.pop("id", None)
    return ET.tostring(jingle)


def check_senders():
    for role in jc.ROLES:
        for direction in ("sendrecv", "sendonly", "recvonly", "inactive"):
            senders = jc.senders_from_direction(direction, role)
            assert jc.direction_from_senders(senders, role) == direction, (role, direction, senders)
    assert jc.senders_from_direction("sendonly", "responder") == "responder"
    assert jc.senders_from_direction("recvonly", "initiator") == "responder"


async def unit():
    offer, answer = await offer_and_answer()
    check_conversations_shape(check_round_trip(offer, "initiator"), "actpass")
    accept = check_round_trip(answer, "responder")
    fingerprint = accept.find(f".//{jc.q(jc.NS_DTLS, 'fingerprint')}")
    assert fingerprint.get("setup") == "active", fingerprint.attrib  # never actpass in an answer
    check_fixture()
    check_senders()
    print("unit: SDP <-> Jingle round trips keep codecs, ids, ICE, DTLS, candidates, SSRCs, BUNDLE")


# -- interop: two slixmpp clients on Prosody ---------------------------------

def check_media(who, stats, kinds):
    for kind in kinds:
        s = stats[kind]
        # 2 s of 20 ms audio is 100 packets; 30 fps video is 60 frames.
        assert s["packets_sent"] > 40 and s["packets_received"] > 40, (who, kind, s)
        assert s["frames_decoded"] > 20, (who, kind, s)
        if kind == "audio":
            assert s["loud_frames"] > 20, (who, "the tone did not arrive", s)


async def one_call(caller_xmpp, callee, callee_jid, name, media, jmi, trickle, upgrade=False):
    caller = jc.JingleCaller(caller_xmpp, callee_jid, media=media, jmi=jmi, trickle=trickle)
    await caller.call()
    answered = await callee.next_call()
    await asyncio.wait_for(asyncio.shield(answered.connected), jc.TIMEOUT)
    assert answered.sid == caller.sid and answered.jmi == jmi, (answered.sid, caller.sid)
    if jmi:
        assert answered.proposed_media == list(media), answered.proposed_media
        log = caller.dispatcher.jmi_log
        assert ("out", "propose", caller.sid) in log and ("in", "proceed", caller.sid) in log, log
        assert ("in", "ringing", caller.sid) in log, log
    kinds = list(media)
    if upgrade:
        await caller.wait_media(("audio",))
        action = await caller.add_content("video")
        assert action == "content-accept", action
        assert "content-add" in answered.received and "content-accept" in caller.received
        kinds.append("video")
    await caller.wait_media(kinds)
    await answered.wait_media(kinds)
    await asyncio.sleep(MEDIA_SECONDS)
    expected = ["session-accept"] + (["transport-info"] if trickle else [])
    assert caller.received[:len(expected)] == expected, caller.received
    if trickle:
        assert caller.sent.count("transport-info") >= 1 and answered.remote_candidates >= 1, caller.sent
        assert "transport-info" in answered.sent and caller.remote_candidates >= 1, answered.sent
        initiate = answered.remote_contents["0"].find(jc.q(jc.NS_ICE, "transport"))
        assert initiate.find(jc.q(jc.NS_ICE, "candidate")) is None, "trickle: the initiate has no candidates"
    await caller.terminate("success")
    reason = await asyncio.wait_for(answered.terminated, jc.TIMEOUT)
    assert reason == "success", reason
    assert answered.received[-1] == "session-terminate", answered.received
    if jmi:
        deadline = asyncio.get_running_loop().time() + jc.TIMEOUT
        while ("in", "finish", caller.sid) not in answered.dispatcher.jmi_log:
            assert asyncio.get_running_loop().time() < deadline, answered.dispatcher.jmi_log
            await asyncio.sleep(0.05)
    caller_stats, callee_stats = await caller.stats(), await answered.stats()
    check_media(f"{name} caller", caller_stats, kinds)
    check_media(f"{name} callee", callee_stats, kinds)
    print(f"{name}: caller {caller_stats} | callee {callee_stats}")


async def interop():
    prosody = Prosody(users=[("alice", "alice-secret"), ("bob", "bob-secret")])
    prosody.start()
    alice = bob = None
    try:
        alice = await Client(prosody, "alice", "alice-secret").online()
        bob = await Client(prosody, "bob", "bob-secret").online()
        callee = jc.JingleCallee(bob)
        bare, full = f"bob@{prosody.domain}", str(bob.boundjid)
        await one_call(alice, callee, bare, "JMI audio", ("audio",), jmi=True, trickle=False)
        callee.trickle = True
        await one_call(alice, callee, full, "direct audio+video trickle", ("audio", "video"), jmi=False,
                       trickle=True)
        callee.trickle = False
        await one_call(alice, callee, bare, "JMI audio -> video upgrade", ("audio",), jmi=True, trickle=False,
                       upgrade=True)

        # A Jingle IQ for a session nobody knows gets item-not-found (XEP-0166 §7.2.7).
        iq = alice.make_iq_set(ito=full)
        iq.xml.append(jc.ET.Element(jc.q(jc.NS_JINGLE, "jingle"), {"action": "transport-info", "sid": "nope"}))
        try:
            await iq.send(timeout=jc.TIMEOUT)
        except Exception as error:  # noqa: BLE001 — slixmpp raises IqError
            assert "item-not-found" in str(getattr(error, "iq", error)), error
        else:
            raise AssertionError("unknown sid was accepted")
    finally:
        await jc.close_all()
        for client in (alice, bob):
            if client:
                client.disconnect()
        prosody.cleanup()


async def main():
    await unit()
    await interop()


if __name__ == "__main__":
    run_test(main)
