"""A real Jingle caller and callee for parrot's call interop tests.

python3-slixmpp carries the signalling and python3-aiortc (RTCPeerConnection)
does ICE, DTLS-SRTP, Opus and VP8. Between them sits a SDP <-> Jingle mapper
modelled on Conversations' (`SessionDescription`, `RtpDescription.of`,
`IceUdpTransportInfo.of`, see docs/client-quirks.md#conversations-calls): one <content> per
m-line named after its a=mid, XEP-0167 payload types, XEP-0176 ICE-UDP
transport with the XEP-0320 fingerprint inside, XEP-0338 BUNDLE group,
XEP-0339 sources, XEP-0293 rtcp-fb and XEP-0294 header extensions.

Flows: XEP-0353 JMI (propose -> proceed -> session-initiate) or a direct
session-initiate; optional trickle (one candidate per transport-info, as
Conversations and Dino do); content-add to upgrade audio to video;
session-terminate with a reason (plus JMI <finish/> after a JMI call).

Library only; tests/interop/test_jingle_caller.py is its test. Import it
after nothing else touched aioice: importing this module limits aioice to
127.0.0.1 (the test machines only have loopback).

aiortc 1.4.0 facts this module works around:
* setLocalDescription gathers every candidate before it returns, so
  "trickle" here means: the initiate/accept carries none and every candidate
  follows in its own transport-info.
* the first offer has one transport per m-line (it only bundles once the
  answer names a BUNDLE group); a content added later is sent with the first
  bundled content's transport, as Conversations does.
* the only SRTP profile is SRTP_AES128_CM_HMAC_SHA1_80; rtcp-mux always.
"""
import asyncio
import contextlib
import copy
import fractions
import logging
import math
import secrets
import time
import xml.etree.ElementTree as ET
from collections import OrderedDict, deque

import aioice.ice

# Only loopback: aioice would otherwise gather on every interface.
aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"]

import av  # noqa: E402
import numpy  # noqa: E402
from aiortc import RTCConfiguration, RTCIceCandidate, RTCPeerConnection, RTCSessionDescription  # noqa: E402
from aiortc.mediastreams import AudioStreamTrack, MediaStreamError, VideoStreamTrack  # noqa: E402
from aiortc.codecs import HEADER_EXTENSIONS  # noqa: E402
from aiortc.rtcrtpparameters import RTCRtpHeaderExtensionParameters  # noqa: E402
from slixmpp.xmlstream.handler import Callback  # noqa: E402
from slixmpp.xmlstream.matcher.base import MatcherBase  # noqa: E402

log = logging.getLogger("jingle_caller")

# aiortc 1.4.0 gives ssrc-audio-level (audio) and abs-send-time (video) the
# same id 2 but parses a BUNDLE transport's packets with one map, so every
# audio packet of an audio+video call dies in struct.error. Distinct ids, as
# RFC 8843 §9.1 requires across a bundle, fix it (in place: rtcpeerconnection
# holds the same dict).
HEADER_EXTENSIONS["video"] = [
    RTCRtpHeaderExtensionParameters(id=1, uri="urn:ietf:params:rtp-hdrext:sdes:mid"),
    RTCRtpHeaderExtensionParameters(id=3, uri="http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"),
]

NS_JINGLE = "urn:xmpp:jingle:1"
NS_RTP = "urn:xmpp:jingle:apps:rtp:1"
NS_ICE = "urn:xmpp:jingle:transports:ice-udp:1"
NS_DTLS = "urn:xmpp:jingle:apps:dtls:0"
NS_GROUP = "urn:xmpp:jingle:apps:grouping:0"
NS_SSMA = "urn:xmpp:jingle:apps:rtp:ssma:0"
NS_FB = "urn:xmpp:jingle:apps:rtp:rtcp-fb:0"
NS_HDREXT = "urn:xmpp:jingle:apps:rtp:rtp-hdrext:0"
NS_ICE_OPTION = "http://gultsch.de/xmpp/drafts/jingle/transports/ice-udp/option"
NS_JMI = "urn:xmpp:jingle-message:0"
NS_RECEIPTS = "urn:xmpp:receipts"
NS_HINTS = "urn:xmpp:hints"

ROLES = ("initiator", "responder")
# Candidate attributes in the order Conversations writes them (XEP-0176 §5.1).
CANDIDATE_ATTRIBUTES = ("component", "foundation", "generation", "id", "ip", "network", "port", "priority",
                        "protocol", "rel-addr", "rel-port", "type")
TIMEOUT = 15


# Every session ever made, so a failing test can close them all (close_all).
SESSIONS = []


async def close_all():
    """Closes every session's peer connection; for a test's finally."""
    for session in SESSIONS:
        if session.final_stats is None:
            try:
                await session._close()
            except Exception:  # noqa: BLE001 — best effort on the way out
                log.exception("closing %s", session.sid)
    SESSIONS.clear()


@contextlib.asynccontextmanager
async def parrot_and_alice(extra=(), wrapper=()):
    """A throwaway Prosody with parrot (gathering on 127.0.0.1, plus `extra`
    flags) online and alice as its contact, the welcome read; yields
    (prosody, parrot, alice) and afterwards closes every call, alice, parrot
    and Prosody, whatever happened."""
    import harness  # here: harness is the tests' helper, not this module's
    prosody = harness.Prosody(users=[("parrot", "parrot-secret"), ("alice", "alice-secret")])
    prosody.start()
    parrot = harness.Parrot(prosody, extra=["--ice-address", "127.0.0.1", *extra], wrapper=list(wrapper)).start()
    alice = None
    try:
        await parrot.until_log("online as")
        alice = await harness.Client(prosody, "alice", "alice-secret").online()
        await alice.befriend(parrot.jid)
        await alice.next_message(predicate=lambda m: "!help" in m["body"])
        yield prosody, parrot, alice
    finally:
        await close_all()
        if alice:
            alice.disconnect()
        parrot.stop()
        prosody.cleanup()


def q(namespace, tag):
    return f"{{{namespace}}}{tag}"


def other(role):
    return ROLES[1 - ROLES.index(role)]


# --------------------------------------------------------------------------
# SDP -> structure
# --------------------------------------------------------------------------

def parse_sdp(sdp):
    """Splits an SDP into a session dict and a list of media dicts.

    Only what the Jingle mapping needs is kept; unknown lines are dropped,
    like Conversations' SessionDescription.parse does."""
    session = {"groups": [], "ufrag": None, "pwd": None, "ice_options": [], "fingerprint": None, "setup": None}
    media = []
    current = session
    for raw in sdp.splitlines():
        line = raw.strip()
        if line.startswith("m="):
            kind, port, proto, *formats = line[2:].split()
            current = {"media": kind, "port": port, "proto": proto, "formats": formats, "mid": None,
                       "direction": "sendrecv", "rtcp_mux": False, "codecs": OrderedDict(), "fb_all": [],
                       "hdrext": [], "extmap_allow_mixed": False, "ssrcs": OrderedDict(), "ssrc_groups": [],
                       "msid": None, "ufrag": None, "pwd": None, "ice_options": [], "fingerprint": None,
                       "setup": None, "candidates": [], "end_of_candidates": False}
            for pt in formats:
                current["codecs"][pt] = {"name": None, "clockrate": None, "channels": None, "params": [], "fb": []}
            media.append(current)
            continue
        if not line.startswith("a="):
            continue
        name, _, value = line[2:].partition(":")
        if name == "group":
            semantics, *mids = value.split()
            session["groups"].append((semantics, mids))
        elif name == "ice-ufrag":
            current["ufrag"] = value
        elif name == "ice-pwd":
            current["pwd"] = value
        elif name == "ice-options":
            current["ice_options"] = value.split()
        elif name == "fingerprint":
            hash_name, fingerprint = value.split(None, 1)
            current["fingerprint"] = (hash_name, fingerprint.strip())
        elif name == "setup":
            current["setup"] = value
        elif current is session:
            continue
        elif name == "mid":
            current["mid"] = value
        elif name in ("sendrecv", "sendonly", "recvonly", "inactive"):
            current["direction"] = name
        elif name == "rtcp-mux":
            current["rtcp_mux"] = True
        elif name == "rtpmap":
            pt, encoding = value.split(None, 1)
            parts = encoding.split("/")
            codec = current["codecs"].setdefault(pt, {"params": [], "fb": []})
            codec["name"] = parts[0]
            codec["clockrate"] = parts[1] if len(parts) > 1 else None
            codec["channels"] = parts[2] if len(parts) > 2 else None
        elif name == "fmtp":
            pt, _, parameters = value.partition(" ")
            codec = current["codecs"].setdefault(pt, {"name": None, "params": [], "fb": []})
            for parameter in filter(None, (p.strip() for p in parameters.split(";"))):
                key, sep, val = parameter.partition("=")
                # An fmtp without key=value (telephone-event "0-15") becomes a
                # parameter with an empty name, as Conversations does.
                codec["params"].append((key, val) if sep else ("", key))
        elif name == "rtcp-fb":
            pt, _, feedback = value.partition(" ")
            type_, _, subtype = feedback.partition(" ")
            if pt == "*":
                current["fb_all"].append((type_, subtype))
            else:
                current["codecs"].setdefault(pt, {"name": None, "params": [], "fb": []})["fb"].append((type_, subtype))
        elif name == "extmap":
            ident, uri = value.split()[:2]
            ident, _, direction = ident.partition("/")
            current["hdrext"].append((ident, uri, direction))
        elif name == "extmap-allow-mixed":
            current["extmap_allow_mixed"] = True
        elif name == "ssrc":
            ssrc, _, attribute = value.partition(" ")
            key, _, val = attribute.partition(":")
            current["ssrcs"].setdefault(ssrc, []).append((key, val))
        elif name == "ssrc-group":
            semantics, *ssrcs = value.split()
            current["ssrc_groups"].append((semantics, ssrcs))
        elif name == "msid":
            current["msid"] = value
        elif name == "candidate":
            current["candidates"].append(candidate_from_sdp_attribute(value))
        elif name == "end-of-candidates":
            current["end_of_candidates"] = True
    for m in media:
        # Session-level ICE and DTLS lines apply to every m-line (RFC 8839 §5.4, RFC 8122 §5).
        for key in ("ufrag", "pwd", "fingerprint", "setup"):
            m[key] = m[key] or session[key]
        m["ice_options"] = m["ice_options"] or session["ice_options"]
    return session, media


def candidate_from_sdp_attribute(value):
    """a=candidate value (RFC 8839 §5.1) -> XEP-0176 attribute dict."""
    bits = value.split()
    candidate = {"foundation": bits[0], "component": bits[1], "protocol": bits[2].lower(), "priority": bits[3],
                 "ip": bits[4], "port": bits[5], "type": bits[7], "generation": "0", "network": "0",
                 "id": secrets.token_hex(5)}
    for key, val in zip(bits[8::2], bits[9::2]):
        if key == "raddr":
            candidate["rel-addr"] = val
        elif key == "rport":
            candidate["rel-port"] = val
        elif key == "generation":
            candidate["generation"] = val
    return candidate


def candidate_to_sdp_attribute(candidate):
    """XEP-0176 <candidate/> attributes -> a=candidate value."""
    value = (f"{candidate['foundation']} {candidate['component']} {candidate['protocol']} {candidate['priority']} "
             f"{candidate['ip']} {candidate['port']} typ {candidate['type']}")
    if candidate.get("rel-addr") and candidate.get("rel-port"):
        value += f" raddr {candidate['rel-addr']} rport {candidate['rel-port']}"
    return value + f" generation {candidate.get('generation', '0')}"


def candidate_element(candidate):
    return ET.Element(q(NS_ICE, "candidate"), {k: candidate[k] for k in CANDIDATE_ATTRIBUTES if k in candidate})


def candidate_to_aiortc(attributes, mid):
    """A Jingle candidate as aiortc's RTCIceCandidate for pc.addIceCandidate."""
    candidate = RTCIceCandidate(component=int(attributes["component"]), foundation=attributes["foundation"],
                                ip=attributes["ip"], port=int(attributes["port"]),
                                priority=int(attributes["priority"]), protocol=attributes["protocol"],
                                type=attributes["type"], relatedAddress=attributes.get("rel-addr"),
                                relatedPort=int(attributes["rel-port"]) if "rel-port" in attributes else None,
                                sdpMid=mid)
    return candidate


# --------------------------------------------------------------------------
# SDP -> Jingle
# --------------------------------------------------------------------------

def senders_from_direction(direction, role):
    """a=sendrecv/... written by `role` -> XEP-0166 senders."""
    return {"sendrecv": "both", "inactive": "none", "sendonly": role, "recvonly": other(role)}[direction]


def direction_from_senders(senders, role):
    """XEP-0166 senders in a stanza from `role` -> the direction `role`'s SDP had."""
    if senders in (None, "both"):
        return "sendrecv"
    if senders == "none":
        return "inactive"
    return "sendonly" if senders == role else "recvonly"


def media_to_content(m, role, creator="initiator", candidates=True):
    """One parsed m-line -> <content> (XEP-0166 §7.3, XEP-0167 §5, XEP-0176 §5)."""
    content = ET.Element(q(NS_JINGLE, "content"), {"creator": creator, "name": m["mid"] or m["media"],
                                                   "senders": senders_from_direction(m["direction"], role)})
    description = ET.SubElement(content, q(NS_RTP, "description"), {"media": m["media"]})
    for pt, codec in m["codecs"].items():
        if codec.get("name") is None:
            continue  # static payload type without rtpmap: nothing to name it by
        attributes = {"id": pt, "name": codec["name"]}
        if codec.get("clockrate"):
            attributes["clockrate"] = codec["clockrate"]
        if codec.get("channels"):
            attributes["channels"] = codec["channels"]
        payload = ET.SubElement(description, q(NS_RTP, "payload-type"), attributes)
        for key, val in codec["params"]:
            ET.SubElement(payload, q(NS_RTP, "parameter"), {"name": key, "value": val})
        for type_, subtype in codec["fb"]:
            ET.SubElement(payload, q(NS_FB, "rtcp-fb"), {"type": type_, **({"subtype": subtype} if subtype else {})})
    for type_, subtype in m["fb_all"]:
        ET.SubElement(description, q(NS_FB, "rtcp-fb"), {"type": type_, **({"subtype": subtype} if subtype else {})})
    for ident, uri, direction in m["hdrext"]:
        attributes = {"id": ident, "uri": uri}
        if direction:
            attributes["senders"] = senders_from_direction(direction, role)
        ET.SubElement(description, q(NS_HDREXT, "rtp-hdrext"), attributes)
    if m["extmap_allow_mixed"]:
        ET.SubElement(description, q(NS_HDREXT, "extmap-allow-mixed"))
    for ssrc, attributes in m["ssrcs"].items():
        source = ET.SubElement(description, q(NS_SSMA, "source"), {"ssrc": ssrc})
        for key, val in attributes:
            ET.SubElement(source, q(NS_SSMA, "parameter"), {"name": key, **({"value": val} if val else {})})
        # A media-level a=msid travels as a source parameter (Conversations);
        # exactly "stream track", no trailing space (docs/client-quirks.md#movim-calls).
        if m["msid"] and not any(key == "msid" for key, _ in attributes):
            ET.SubElement(source, q(NS_SSMA, "parameter"), {"name": "msid", "value": m["msid"].strip()})
    for semantics, ssrcs in m["ssrc_groups"]:
        group = ET.SubElement(description, q(NS_SSMA, "ssrc-group"), {"semantics": semantics})
        for ssrc in ssrcs:
            ET.SubElement(group, q(NS_SSMA, "source"), {"ssrc": ssrc})
    if m["rtcp_mux"]:
        ET.SubElement(description, q(NS_RTP, "rtcp-mux"))

    transport = ET.SubElement(content, q(NS_ICE, "transport"), {"ufrag": m["ufrag"] or "", "pwd": m["pwd"] or ""})
    if m["fingerprint"]:
        fingerprint = ET.SubElement(transport, q(NS_DTLS, "fingerprint"),
                                    {"hash": m["fingerprint"][0], "setup": m["setup"] or "actpass"})
        fingerprint.text = m["fingerprint"][1]
    for option in m["ice_options"]:
        if option in ("trickle", "renomination"):
            ET.SubElement(transport, q(NS_ICE_OPTION, option))
    if candidates:
        for candidate in m["candidates"]:
            transport.append(candidate_element(candidate))
    return content


def sdp_to_jingle(sdp, role, action=None, sid=None, creator="initiator", candidates=True, initiator=None):
    """SDP written by `role` ('initiator' or 'responder') -> <jingle/>.

    `creator` goes on every content (XEP-0166: who created the content, so an
    answer echoes the offer's). `candidates=False` leaves the transports
    empty for trickle. Returns the <jingle> element; its children are the
    BUNDLE <group/> (if any) and one <content/> per m-line."""
    assert role in ROLES, role
    session, media = parse_sdp(sdp)
    jingle = ET.Element(q(NS_JINGLE, "jingle"))
    if action:
        jingle.set("action", action)
    if sid:
        jingle.set("sid", sid)
    if initiator:
        jingle.set("initiator", initiator)
    for semantics, mids in session["groups"]:
        group = ET.SubElement(jingle, q(NS_GROUP, "group"), {"semantics": semantics})
        for mid in mids:
            ET.SubElement(group, q(NS_GROUP, "content"), {"name": mid})
    for m in media:
        if m["media"] in ("audio", "video"):
            jingle.append(media_to_content(m, role, creator, candidates))
    return jingle


# --------------------------------------------------------------------------
# Jingle -> SDP
# --------------------------------------------------------------------------

def content_to_sdp_lines(content, role, end_of_candidates=False):
    description = content.find(q(NS_RTP, "description"))
    transport = content.find(q(NS_ICE, "transport"))
    if description is None or transport is None:
        raise ValueError(f"content {content.get('name')!r} lacks an RTP description or ICE-UDP transport")
    payloads = description.findall(q(NS_RTP, "payload-type"))
    candidates = [c.attrib for c in transport.findall(q(NS_ICE, "candidate"))
                  if c.get("protocol", "udp").lower() == "udp"]
    host, port = ("0.0.0.0", "9")
    if candidates:
        host, port = candidates[0]["ip"], candidates[0]["port"]
    lines = [f"m={description.get('media')} {port} UDP/TLS/RTP/SAVPF {' '.join(p.get('id') for p in payloads)}",
             f"c=IN IP4 {host}", f"a={direction_from_senders(content.get('senders'), role)}"]
    for ext in description.findall(q(NS_HDREXT, "rtp-hdrext")):
        ident = ext.get("id")
        if ext.get("senders") not in (None, "both"):
            ident += "/" + direction_from_senders(ext.get("senders"), role)
        lines.append(f"a=extmap:{ident} {ext.get('uri')}")
    if description.find(q(NS_HDREXT, "extmap-allow-mixed")) is not None:
        lines.append("a=extmap-allow-mixed")
    lines.append(f"a=mid:{content.get('name')}")
    sources = description.findall(q(NS_SSMA, "source"))
    msid = next((p.get("value") for s in sources for p in s.findall(q(NS_SSMA, "parameter"))
                 if p.get("name") == "msid"), None)
    if msid:
        lines.append(f"a=msid:{msid}")
    lines.append("a=rtcp:9 IN IP4 0.0.0.0")
    if description.find(q(NS_RTP, "rtcp-mux")) is not None:
        lines.append("a=rtcp-mux")
    for group in description.findall(q(NS_SSMA, "ssrc-group")):
        ssrcs = " ".join(s.get("ssrc") for s in group.findall(q(NS_SSMA, "source")))
        lines.append(f"a=ssrc-group:{group.get('semantics')} {ssrcs}")
    for source in sources:
        for parameter in source.findall(q(NS_SSMA, "parameter")):
            value = parameter.get("value")
            lines.append(f"a=ssrc:{source.get('ssrc')} {parameter.get('name')}" + (f":{value}" if value else ""))
    for fb in description.findall(q(NS_FB, "rtcp-fb")):
        lines.append(f"a=rtcp-fb:* {fb.get('type')}" + (f" {fb.get('subtype')}" if fb.get("subtype") else ""))
    for payload in payloads:
        pt = payload.get("id")
        encoding = f"{payload.get('name')}/{payload.get('clockrate')}"
        if payload.get("channels") and payload.get("channels") != "1":
            encoding += f"/{payload.get('channels')}"
        lines.append(f"a=rtpmap:{pt} {encoding}")
        for fb in payload.findall(q(NS_FB, "rtcp-fb")):
            lines.append(f"a=rtcp-fb:{pt} {fb.get('type')}" + (f" {fb.get('subtype')}" if fb.get("subtype") else ""))
        parameters = [(p.get("name"), p.get("value")) for p in payload.findall(q(NS_RTP, "parameter"))]
        if parameters:
            lines.append(f"a=fmtp:{pt} " + ";".join(f"{k}={v}" if k else v for k, v in parameters))
    for candidate in candidates:
        lines.append(f"a=candidate:{candidate_to_sdp_attribute(candidate)}")
    if end_of_candidates:
        lines.append("a=end-of-candidates")
    lines += [f"a=ice-ufrag:{transport.get('ufrag')}", f"a=ice-pwd:{transport.get('pwd')}"]
    options = [o for o in ("trickle", "renomination") if transport.find(q(NS_ICE_OPTION, o)) is not None]
    if options:
        lines.append(f"a=ice-options:{' '.join(options)}")
    fingerprint = transport.find(q(NS_DTLS, "fingerprint"))
    if fingerprint is not None:
        lines.append(f"a=fingerprint:{fingerprint.get('hash')} {(fingerprint.text or '').strip()}")
        lines.append(f"a=setup:{fingerprint.get('setup', 'actpass')}")
    return lines


def jingle_to_sdp(jingle, role, end_of_candidates=False, contents=None):
    """<jingle/> sent by `role` -> SDP text.

    `contents` (optional) replaces the <content/> list, for rebuilding a whole
    session after content-add. Raises ValueError on a content without RTP
    description or ICE-UDP transport."""
    assert role in ROLES, role
    lines = ["v=0", f"o=- {int(time.time())} {int(time.time())} IN IP4 0.0.0.0", "s=-", "t=0 0"]
    for group in jingle.findall(q(NS_GROUP, "group")):
        names = " ".join(c.get("name") for c in group.findall(q(NS_GROUP, "content")))
        lines.append(f"a=group:{group.get('semantics')} {names}")
    lines.append("a=msid-semantic:WMS *")
    for content in (contents if contents is not None else jingle.findall(q(NS_JINGLE, "content"))):
        lines += content_to_sdp_lines(content, role, end_of_candidates)
    return "\r\n".join(lines) + "\r\n"


def strip_candidates(content):
    """A copy of `content` whose transport has no candidates."""
    content = copy.deepcopy(content)
    transport = content.find(q(NS_ICE, "transport"))
    for candidate in transport.findall(q(NS_ICE, "candidate")):
        transport.remove(candidate)
    return content


def reason_element(condition, text=None):
    reason = ET.Element(q(NS_JINGLE, "reason"))
    ET.SubElement(reason, q(NS_JINGLE, condition))
    if text:
        ET.SubElement(reason, q(NS_JINGLE, "text")).text = text
    return reason


def reason_of(element):
    """The condition name inside a <reason/> under `element`, or None."""
    reason = element.find(q(NS_JINGLE, "reason"))
    if reason is None:
        return None
    return next((child.tag.split("}")[1] for child in reason if child.tag != q(NS_JINGLE, "text")), None)


# --------------------------------------------------------------------------
# Media: a tone with clicks, a frame-counter video, a counting sink
# --------------------------------------------------------------------------

class ToneTrack(AudioStreamTrack):
    """48 kHz mono, 20 ms frames: a 440 Hz sine with a 1 ms click at
    irregular intervals (150..450 ms, drawn from `seed`, random by default).

    The clicks' wall-clock times are kept in `click_times`, so an echo of this
    track can be found and timed by echo_delay_ms. Irregular, because an echo
    of regular clicks only gives its delay modulo their period; and a random
    seed per track, so a peer's own tone is not mistaken for our echo."""

    kind = "audio"
    RATE = 48000
    SAMPLES = 960
    CLICK_SAMPLES = RATE // 1000
    CLICK_GAP_SAMPLES = (RATE * 150 // 1000, RATE * 450 // 1000)

    def __init__(self, frequency=440.0, amplitude=8000, seed=None):
        super().__init__()
        self.frequency = frequency
        self.amplitude = amplitude
        self.sent_frames = 0
        self.seed = secrets.randbits(32) if seed is None else seed
        self.rng = numpy.random.default_rng(self.seed)
        self.click_times = deque(maxlen=1000)
        self._next_click = 0
        self._clicks = []  # sample index of each click still (partly) ahead

    def synthesize(self, first, start):
        """The frame of samples [first, first + SAMPLES), sample 0 being played
        at wall-clock `start`; clicks are drawn in order, so frames must be
        asked for in order."""
        t = numpy.arange(first, first + self.SAMPLES)
        samples = self.amplitude * numpy.sin(2 * math.pi * self.frequency * t / self.RATE)
        while self._next_click < first + self.SAMPLES:
            self._clicks.append(self._next_click)
            self.click_times.append(start + self._next_click / self.RATE)
            self._next_click += int(self.rng.integers(*self.CLICK_GAP_SAMPLES))
        for click in self._clicks:
            samples[max(click - first, 0):click + self.CLICK_SAMPLES - first] = 30000
        self._clicks = [c for c in self._clicks if c + self.CLICK_SAMPLES > first + self.SAMPLES]
        frame = av.AudioFrame.from_ndarray(samples.astype(numpy.int16).reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = self.RATE
        frame.pts = first
        frame.time_base = fractions.Fraction(1, self.RATE)
        return frame

    async def recv(self):
        if self.readyState != "live":
            raise MediaStreamError
        # Paced on the wall clock like aiortc's AudioStreamTrack.
        if hasattr(self, "_timestamp"):
            self._timestamp += self.SAMPLES
            await asyncio.sleep(self._start + self._timestamp / self.RATE - time.time())
        else:
            self._start = time.time()
            self._timestamp = 0
        self.sent_frames += 1
        return self.synthesize(self._timestamp, self._start)


class CounterVideoTrack(VideoStreamTrack):
    """320x240 at 30 fps: a bar moving one column per frame and the frame
    number in 16 binary blocks on the top row, so a receiver can tell frames apart."""

    kind = "video"
    WIDTH, HEIGHT = 320, 240

    def __init__(self):
        super().__init__()
        self.sent_frames = 0

    async def recv(self):
        pts, time_base = await self.next_timestamp()
        image = numpy.full((self.HEIGHT, self.WIDTH, 3), 40, numpy.uint8)
        column = (self.sent_frames * 4) % self.WIDTH
        image[:, column:column + 8] = (255, 255, 0)
        for bit in range(16):
            if (self.sent_frames >> bit) & 1:
                image[0:20, bit * 20:bit * 20 + 18] = (255, 255, 255)
        frame = av.VideoFrame.from_ndarray(image, format="rgb24")
        frame.pts = pts
        frame.time_base = time_base
        self.sent_frames += 1
        return frame


class FrameCounter:
    """Consumes a remote track; counts decoded frames (and loud audio frames)
    and keeps the last 30 s of decoded audio as (arrival wall clock, pts in
    seconds, first channel's samples) for echo_delay_ms."""

    def __init__(self, track):
        self.kind = track.kind
        self.frames = 0
        self.loud_frames = 0
        self.audio = deque(maxlen=1500)
        self.task = asyncio.ensure_future(self._run(track))

    def _count(self, frame, arrival):
        self.frames += 1
        if self.kind != "audio":
            return
        # Packed s16 interleaves the channels; aiortc decodes Opus to stereo.
        samples = frame.to_ndarray().reshape(-1, len(frame.layout.channels))[:, 0]
        if numpy.abs(samples).max() > 1000:
            self.loud_frames += 1
        self.audio.append((arrival, float(frame.pts * frame.time_base), samples))

    async def _run(self, track):
        try:
            while True:
                frame = await track.recv()
                self._count(frame, time.time())
        except (MediaStreamError, asyncio.CancelledError):
            pass

    def stop(self):
        self.task.cancel()


def echo_delay_ms(click_times, audio, max_delay_ms=3000):
    """The delay in ms after which the clicks at wall-clock `click_times`
    come back in `audio` (FrameCounter.audio), or None if they do not.

    Each received sample is placed on the wall clock by its pts plus the
    smallest arrival-minus-pts of any frame, so frames handed over in a burst
    (a busy event loop, aiortc's jitter buffer) are timed as the earliest
    one was. The envelope (loudest sample per ms, less its median: the tone)
    is then correlated with the click train at every lag up to
    `max_delay_ms`; the best lag counts only if at least three clicks land on
    it and no lag more than 10 ms away scores half as much."""
    if not click_times or not audio:
        return None
    offset = min(arrival - pts for arrival, pts, _ in audio)
    begin = audio[0][1] + offset
    end = audio[-1][1] + offset + len(audio[-1][2]) / ToneTrack.RATE
    envelope = numpy.zeros(int((end - begin) * 1000) + 1)
    per_ms = ToneTrack.RATE // 1000
    for _, pts, samples in audio:
        first = int(round((pts + offset - begin) * 1000))
        whole = len(samples) // per_ms
        peaks = numpy.abs(samples[:whole * per_ms].astype(numpy.float64)).reshape(whole, per_ms).max(axis=1)
        envelope[first:first + whole] = peaks[:len(envelope) - first]
    envelope = numpy.clip(envelope - numpy.median(envelope), 0, None)
    # A click may straddle two ms: allow one ms either way.
    envelope = numpy.maximum(envelope, numpy.maximum(numpy.roll(envelope, 1), numpy.roll(envelope, -1)))
    clicks = numpy.round((numpy.asarray(click_times) - begin) * 1000).astype(int)
    clicks = clicks[(clicks > -max_delay_ms) & (clicks < len(envelope))]
    lags = numpy.arange(max_delay_ms + 1)
    at = clicks[:, None] + lags[None, :]
    inside = (at >= 0) & (at < len(envelope))
    hits = numpy.where(inside, envelope[numpy.clip(at, 0, len(envelope) - 1)], 0.0)
    scores = hits.sum(axis=0)
    best = int(scores.argmax())
    loud = numpy.count_nonzero(hits[:, best] > envelope.max() / 4)
    elsewhere = numpy.abs(lags - best) > 10
    if loud < 3 or scores[elsewhere].max(initial=0) * 2 > scores[best]:
        return None
    return best


async def collect_stats(pc, counters=(), tracks=()):
    """Per kind: packets_sent, packets_received (aiortc getStats), frames_decoded
    and loud_frames (from FrameCounter); for audio also echo_delay_ms, the
    delay of our own ToneTrack clicks in what we received (None when they
    did not come back, e.g. from a peer that is not an echo)."""
    stats = {kind: {"packets_sent": 0, "packets_received": 0, "frames_decoded": 0, "loud_frames": 0}
             for kind in ("audio", "video")}
    for report in (await pc.getStats()).values():
        if report.type == "outbound-rtp":
            stats[report.kind]["packets_sent"] += report.packetsSent
        elif report.type == "inbound-rtp":
            stats[report.kind]["packets_received"] += report.packetsReceived
    for counter in counters:
        stats[counter.kind]["frames_decoded"] += counter.frames
        stats[counter.kind]["loud_frames"] += counter.loud_frames
    clicks = sorted(t for track in tracks if isinstance(track, ToneTrack) for t in track.click_times)
    delays = (echo_delay_ms(clicks, counter.audio) for counter in counters if counter.kind == "audio")
    stats["audio"]["echo_delay_ms"] = next((d for d in delays if d is not None), None)
    return stats


def default_track(kind):
    return ToneTrack() if kind == "audio" else CounterVideoTrack()


# --------------------------------------------------------------------------
# Signalling
# --------------------------------------------------------------------------

class _JmiMatcher(MatcherBase):
    """A <message/> with any XEP-0353 child."""

    def match(self, stanza):
        xml = stanza.xml
        return xml.tag == "{jabber:client}message" and any(c.tag.startswith("{" + NS_JMI + "}") for c in xml)


class _JingleMatcher(MatcherBase):
    def match(self, stanza):
        xml = stanza.xml
        return (xml.tag == "{jabber:client}iq" and xml.get("type") == "set"
                and xml.find(q(NS_JINGLE, "jingle")) is not None)


class Dispatcher:
    """One per slixmpp client: routes Jingle IQs by sid and JMI messages by id."""

    def __init__(self, xmpp):
        self.xmpp = xmpp
        self.sessions = {}
        self.proposals = {}  # JMI id -> asyncio.Future of the proceed/reject message (caller side)
        self.on_propose = None  # callee side: callable(message, propose_element)
        self.on_initiate = None  # callee side: callable(iq, jingle) -> bool (handled)
        self.jmi_log = []  # (direction, element tag, id) for tests
        xmpp.register_handler(Callback("parrot-jingle", _JingleMatcher(None), self._on_iq))
        xmpp.register_handler(Callback("parrot-jmi", _JmiMatcher(None), self._on_jmi))

    @staticmethod
    def of(xmpp):
        if not hasattr(xmpp, "_parrot_jingle"):
            xmpp._parrot_jingle = Dispatcher(xmpp)
        return xmpp._parrot_jingle

    def _on_iq(self, iq):
        jingle = copy.deepcopy(iq.xml.find(q(NS_JINGLE, "jingle")))
        session = self.sessions.get(jingle.get("sid"))
        if session and session.peer == str(iq["from"]):
            session.deliver(iq, jingle)
        elif jingle.get("action") == "session-initiate" and self.on_initiate:
            self.on_initiate(iq, jingle)
        else:
            # XEP-0166 §7.2.7 / §8.2: unknown session.
            reply = iq.reply()
            reply.error()
            reply["error"]["type"] = "cancel"
            reply["error"]["condition"] = "item-not-found"
            reply["error"].xml.append(ET.Element("{urn:xmpp:jingle:errors:1}unknown-session"))
            reply.send()

    def _on_jmi(self, message):
        element = next(c for c in message.xml if c.tag.startswith("{" + NS_JMI + "}"))
        tag = element.tag.split("}")[1]
        self.jmi_log.append(("in", tag, element.get("id")))
        if tag == "propose" and self.on_propose:
            self.on_propose(message, copy.deepcopy(element))
        elif tag in ("proceed", "reject") and element.get("id") in self.proposals:
            future = self.proposals[element.get("id")]
            if not future.done():
                future.set_result((tag, message))

    def send_jmi(self, to, tag, ident, children=(), message_id=None, receipt=False):
        message = self.xmpp.make_message(mto=to, mtype="chat")
        if message_id:
            message["id"] = message_id
        element = ET.SubElement(message.xml, q(NS_JMI, tag), {"id": ident})
        for child in children:
            element.append(child)
        if receipt:
            ET.SubElement(message.xml, q(NS_RECEIPTS, "request"))
        ET.SubElement(message.xml, q(NS_HINTS, "store"))
        self.jmi_log.append(("out", tag, ident))
        message.send()


class JingleSession:
    """One call: an RTCPeerConnection and the Jingle that drives it.

    Incoming actions are acked at once and then applied one by one in
    arrival order (a transport-info never overtakes its session-initiate)."""

    def __init__(self, xmpp, sid, peer, role, trickle=False, jmi=False, tracks=None, ice_servers=()):
        self.xmpp = xmpp
        self.dispatcher = Dispatcher.of(xmpp)
        self.sid = sid
        self.peer = str(peer)
        self.role = role
        self.trickle = trickle
        self.jmi = jmi
        self.track_factory = tracks or default_track
        # ice_servers: aiortc RTCIceServer list (STUN/TURN), none by default.
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=list(ice_servers)))
        self.local_tracks = []
        self.counters = []
        self.local_contents = OrderedDict()  # name -> <content/> as sent
        self.remote_contents = OrderedDict()  # name -> <content/> as received
        self.groups = []  # latest <group/> elements
        self.received = []  # actions in arrival order
        self.sent = []  # actions we sent
        self.remote_candidates = 0
        self.final_stats = None
        loop = asyncio.get_running_loop()
        self.accepted = loop.create_future()
        self.terminated = loop.create_future()  # -> reason condition
        self.content_accepted = None
        self.connected = loop.create_future()
        self.inbox = asyncio.Queue()
        # aiortc 1.4 starts ICE checks as soon as both descriptions are set;
        # with no remote candidate yet aioice fails at once. Trickled calls
        # hold ICE start until the first remote candidate is known.
        self.remote_candidate_seen = asyncio.Event()
        self.gated = set()
        SESSIONS.append(self)
        self.worker = asyncio.ensure_future(self._work())
        self.dispatcher.sessions[sid] = self

        @self.pc.on("track")
        def on_track(track):
            self.counters.append(FrameCounter(track))

        @self.pc.on("connectionstatechange")
        def on_state():
            if self.pc.connectionState == "connected" and not self.connected.done():
                self.connected.set_result(True)
            elif self.pc.connectionState == "failed" and not self.connected.done():
                self.connected.set_exception(AssertionError("ICE/DTLS failed"))

    # -- sending --------------------------------------------------------

    def _jingle(self, action):
        jingle = ET.Element(q(NS_JINGLE, "jingle"), {"action": action, "sid": self.sid})
        if action == "session-initiate":
            jingle.set("initiator", str(self.xmpp.boundjid))
        elif action == "session-accept":
            jingle.set("responder", str(self.xmpp.boundjid))
        return jingle

    async def send(self, jingle):
        """Sends a Jingle IQ set and waits for its result (raises IqError)."""
        iq = self.xmpp.make_iq_set(ito=self.peer)
        iq.xml.append(jingle)
        self.sent.append(jingle.get("action"))
        return await iq.send(timeout=TIMEOUT)

    def gate_ice(self):
        """Makes every ICE transport of the pc wait for a remote candidate before it starts."""
        for transceiver in self.pc.getTransceivers():
            ice = transceiver.sender.transport.transport
            if id(ice) in self.gated:
                continue
            self.gated.add(id(ice))
            start = ice.start

            async def gated_start(parameters, start=start):
                await self.remote_candidate_seen.wait()
                return await start(parameters)
            ice.start = gated_start

    def add_track(self, kind):
        track = self.track_factory(kind)
        self.local_tracks.append(track)
        self.pc.addTrack(track)
        return track

    async def _local_jingle(self, action, creator="initiator"):
        """Local description -> <jingle action> with its contents (no candidates when trickling)."""
        jingle = sdp_to_jingle(self.pc.localDescription.sdp, self.role, creator=creator,
                               candidates=not self.trickle)
        result = self._jingle(action)
        for child in jingle:
            result.append(child)
        return result

    async def trickle_candidates(self, names):
        """One transport-info per candidate (XEP-0176 §6.2, as Conversations)."""
        _, media = parse_sdp(self.pc.localDescription.sdp)
        bundle = self.bundle_names()
        for m in media:
            if m["mid"] not in names or (bundle and m["mid"] in bundle[1:]):
                continue  # a bundled content shares the first one's candidates
            content = self.local_contents[m["mid"]]
            for candidate in m["candidates"]:
                jingle = self._jingle("transport-info")
                c = ET.SubElement(jingle, q(NS_JINGLE, "content"),
                                  {"creator": content.get("creator"), "name": m["mid"]})
                transport = ET.SubElement(c, q(NS_ICE, "transport"), {"ufrag": m["ufrag"], "pwd": m["pwd"]})
                transport.append(candidate_element(candidate))
                await self.send(jingle)

    def bundle_names(self):
        return next(([c.get("name") for c in g.findall(q(NS_GROUP, "content"))]
                     for g in self.groups if g.get("semantics") == "BUNDLE"), [])

    def stop_sending(self):
        """Takes every track off its sender: aiortc then sends no RTP at all,
        only its RTCP reports, as a client whose microphone and camera died."""
        for transceiver in self.pc.getTransceivers():
            transceiver.sender.replaceTrack(None)

    async def terminate(self, reason="success", text=None):
        """session-terminate with `reason` (XEP-0166 §7.2.15), JMI <finish/> after a JMI call."""
        if self.terminated.done():
            return
        stats = await self.stats()
        jingle = self._jingle("session-terminate")
        jingle.append(reason_element(reason, text))
        self.terminated.set_result(reason)
        try:
            await self.send(jingle)
        finally:
            if self.jmi:
                # XEP-0353 §3.6: <finish/> with the same reason to the full JID.
                self.dispatcher.send_jmi(self.peer, "finish", self.sid, [reason_element(reason, text)])
            await self._close(stats)

    async def _close(self, stats=None):
        self.final_stats = stats or await self.stats()
        for counter in self.counters:
            counter.stop()
        await self.pc.close()
        self.dispatcher.sessions.pop(self.sid, None)
        self.worker.cancel()

    async def stats(self):
        if self.final_stats is not None:
            return self.final_stats
        return await collect_stats(self.pc, self.counters, self.local_tracks)

    async def until(self, future, timeout=TIMEOUT):
        """Awaits `future`, failing early if the session ends first."""
        done, _ = await asyncio.wait([asyncio.shield(future), asyncio.shield(self.terminated)], timeout=timeout,
                                     return_when=asyncio.FIRST_COMPLETED)
        if future.done():
            return future.result()
        if self.terminated.done():
            raise AssertionError(f"{self.role}: session ended ({self.terminated.result()}) while waiting")
        raise AssertionError(f"{self.role}: nothing within {timeout} s")

    async def wait_media(self, kinds=("audio",), frames=25, timeout=TIMEOUT):
        """Waits until `frames` remote frames of every kind in `kinds` were decoded."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            counts = {k: sum(c.frames for c in self.counters if c.kind == k) for k in kinds}
            if all(n >= frames for n in counts.values()):
                return counts
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"{self.role}: only {counts} frames decoded within {timeout} s")
            await asyncio.sleep(0.1)

    async def until_sent(self, packets, kind="audio", timeout=TIMEOUT * 2):
        """Waits until this side has sent `packets` RTP packets of `kind`
        (audio: 50 a second), so a call lasts as long as a test needs."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            stats = await self.stats()
            if stats[kind]["packets_sent"] >= packets:
                return stats
            if asyncio.get_running_loop().time() > deadline or self.terminated.done():
                raise AssertionError(f"{self.role}: sent only {stats[kind]} within {timeout} s")
            await asyncio.sleep(0.2)

    async def until_received(self, packets, kind="audio", timeout=TIMEOUT):
        """Waits until this side has received `packets` RTP packets of `kind`
        in all: the echo keeps flowing."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            stats = await self.stats()
            if stats[kind]["packets_received"] >= packets:
                return stats
            if asyncio.get_running_loop().time() > deadline or self.terminated.done():
                raise AssertionError(f"{self.role}: received only {stats[kind]} within {timeout} s")
            await asyncio.sleep(0.1)

    # -- receiving ------------------------------------------------------

    def deliver(self, iq, jingle):
        iq.reply().send()
        self.received.append(jingle.get("action"))
        self.inbox.put_nowait(jingle)

    async def _work(self):
        while True:
            jingle = await self.inbox.get()
            action = jingle.get("action")
            try:
                await self._apply(action, jingle)
            except Exception as error:  # noqa: BLE001 — a failed step ends the call, visibly
                log.exception("%s: %s failed", self.role, action)
                if not self.terminated.done():
                    await self.terminate("failed-application", f"{action}: {error}")

    async def _apply(self, action, jingle):
        # session-initiate -> _on_session_initiate; an action without a
        # handler (session-info, ...) is acked and otherwise ignored.
        handler = getattr(self, "_on_" + (action or "").replace("-", "_"), None)
        if handler:
            await handler(jingle)

    async def _on_transport_info(self, jingle):
        for content in jingle.findall(q(NS_JINGLE, "content")):
            transport = content.find(q(NS_ICE, "transport"))
            for candidate in transport.findall(q(NS_ICE, "candidate")) if transport is not None else ():
                if candidate.get("protocol", "udp").lower() != "udp":
                    continue
                self.remote_candidates += 1
                await self.pc.addIceCandidate(candidate_to_aiortc(candidate.attrib, content.get("name")))
                self.remote_candidate_seen.set()

    async def _on_session_terminate(self, jingle):
        if not self.terminated.done():
            self.terminated.set_result(reason_of(jingle))
        await self._close()

    def _remember_remote(self, jingle):
        groups = jingle.findall(q(NS_GROUP, "group"))
        if groups:
            self.groups = groups
        for content in jingle.findall(q(NS_JINGLE, "content")):
            self.remote_contents[content.get("name")] = content
            self.remote_candidates += len(content.findall(f"{q(NS_ICE, 'transport')}/{q(NS_ICE, 'candidate')}"))
        if self.remote_candidates:
            self.remote_candidate_seen.set()

    def _remember_local(self, jingle):
        for content in jingle.findall(q(NS_JINGLE, "content")):
            self.local_contents[content.get("name")] = content
        groups = jingle.findall(q(NS_GROUP, "group"))
        if groups and not self.groups:
            self.groups = groups

    def _whole_remote_sdp(self, keep_candidates=()):
        """The peer's description of every content so far, for renegotiation;
        candidates left out (aiortc already has them) except for the contents
        in keep_candidates."""
        jingle = ET.Element(q(NS_JINGLE, "jingle"))
        for group in self.groups:
            jingle.append(group)
        names = list(self.local_contents) if self.role == "initiator" else list(self.remote_contents)
        contents = [self.remote_contents[n] if n in keep_candidates else strip_candidates(self.remote_contents[n])
                    for n in names if n in self.remote_contents]
        return jingle_to_sdp(jingle, other(self.role), contents=contents)


class JingleCaller(JingleSession):
    """Calls `callee` (bare JID with jmi=True, full JID otherwise)."""

    def __init__(self, xmpp, callee, media=("audio",), jmi=True, trickle=False, tracks=None, sid=None, bundle=True,
                 ice_servers=()):
        super().__init__(xmpp, sid or secrets.token_urlsafe(16), callee, "initiator", trickle, jmi, tracks,
                         ice_servers)
        self.callee = str(callee)
        self.media = tuple(media)
        # bundle=False offers no BUNDLE group, as Dino does: one ICE
        # transport per content (aiortc's first offer has one per m-line).
        self.bundle = bundle

    async def propose(self, timeout=TIMEOUT):
        """XEP-0353 §3.1: propose to the bare JID; returns the full JID that proceeded."""
        tag, message = await self.propose_answer(timeout)
        if tag != "proceed":
            raise AssertionError(f"callee answered the propose with {tag}")
        return str(message["from"])

    async def propose_answer(self, timeout=TIMEOUT):
        """Sends the propose; returns the answer's tag ('proceed' or 'reject') and message."""
        future = asyncio.get_running_loop().create_future()
        self.dispatcher.proposals[self.sid] = future
        descriptions = [ET.Element(q(NS_RTP, "description"), {"media": m}) for m in self.media]
        self.dispatcher.send_jmi(self.callee, "propose", self.sid, descriptions,
                                 message_id=f"jm-propose-{self.sid}", receipt=True)
        return await asyncio.wait_for(future, timeout)

    async def call(self, timeout=TIMEOUT):
        """JMI (if asked), session-initiate, session-accept; returns when ICE+DTLS are up."""
        await self.initiate(timeout)
        await self.until(self.accepted, timeout)
        await self.until(self.connected, timeout)

    async def initiate(self, timeout=TIMEOUT, send_candidates=True):
        """JMI (if asked), then the session-initiate and, when trickling, a
        transport-info per candidate; does not wait for the answer.
        With trickle and send_candidates=False the callee gets no candidate at all."""
        if self.jmi:
            self.dispatcher.sessions.pop(self.sid, None)
            self.peer = await self.propose(timeout)
            self.dispatcher.sessions[self.sid] = self
        for kind in self.media:
            self.add_track(kind)
        self.gate_ice()
        await self.pc.setLocalDescription(await self.pc.createOffer())
        jingle = await self._local_jingle("session-initiate")
        if not self.bundle:
            for group in jingle.findall(q(NS_GROUP, "group")):
                jingle.remove(group)
        self._remember_local(jingle)
        await self.send(jingle)
        if self.trickle and send_candidates:
            await self.trickle_candidates(list(self.local_contents))

    async def _on_session_accept(self, jingle):
        names = [c.get("name") for c in jingle.findall(q(NS_JINGLE, "content"))]
        if names != list(self.local_contents):
            raise ValueError(f"session-accept contents {names} differ from the offer's {list(self.local_contents)}")
        self._remember_remote(jingle)
        await self.pc.setRemoteDescription(RTCSessionDescription(jingle_to_sdp(jingle, "responder"), "answer"))
        self.accepted.set_result(jingle)

    async def add_content(self, kind="video", timeout=TIMEOUT):
        """content-add of a new `kind` content: on the BUNDLE transport (as
        Conversations upgrades audio to video), or without BUNDLE on a new
        transport of its own with its candidates (as Dino does); waits for
        content-accept and returns its action ('content-accept' or
        'content-reject')."""
        self.add_track(kind)
        await self.pc.setLocalDescription(await self.pc.createOffer())
        offer = sdp_to_jingle(self.pc.localDescription.sdp, self.role, candidates=not self.bundle)
        master = None
        if self.bundle:
            bundle = [c.get("name") for g in offer.findall(q(NS_GROUP, "group")) for c in g]
            master = self.local_contents[bundle[0]].find(q(NS_ICE, "transport"))
        jingle = self._jingle("content-add")
        if self.bundle:
            jingle.extend(offer.findall(q(NS_GROUP, "group")))
        added = []
        for content in offer.findall(q(NS_JINGLE, "content")):
            if content.get("name") in self.local_contents:
                continue
            if master is not None:
                # XEP-0338 §5: a content added to a bundle uses the bundle's transport.
                content.remove(content.find(q(NS_ICE, "transport")))
                content.append(_transport_copy(master))
            jingle.append(content)
            added.append(content)
        if self.bundle:
            self.groups = offer.findall(q(NS_GROUP, "group"))
        self.content_accepted = asyncio.get_running_loop().create_future()
        for content in added:
            self.local_contents[content.get("name")] = content
        await self.send(jingle)
        answer = await self.until(self.content_accepted, timeout)
        return answer.get("action")

    async def _on_content_reject(self, jingle):
        await self._on_content_accept(jingle)

    async def _on_content_accept(self, jingle):
        if jingle.get("action") == "content-accept":
            self._remember_remote(jingle)
            # A content on a new transport brings that transport's first candidates.
            fresh = () if self.bundle else [c.get("name") for c in jingle.findall(q(NS_JINGLE, "content"))]
            await self.pc.setRemoteDescription(RTCSessionDescription(self._whole_remote_sdp(fresh), "answer"))
        if self.content_accepted and not self.content_accepted.done():
            self.content_accepted.set_result(jingle)
        if jingle.get("action") == "content-accept":
            asyncio.ensure_future(self.request_keyframes(jingle))

    async def request_keyframes(self, jingle, tries=3):
        """RTCP PLI (RFC 4585 §6.3.1) for each accepted video content: the
        peer started sending before our receiver existed, and aiortc's
        jitter buffer never asks for the key frame it missed (libwebrtc would)."""
        for _ in range(tries):
            await asyncio.sleep(0.3)
            for content in jingle.findall(q(NS_JINGLE, "content")):
                description = content.find(q(NS_RTP, "description"))
                source = description.find(q(NS_SSMA, "source")) if description is not None else None
                if description is None or description.get("media") != "video" or source is None:
                    continue
                for transceiver in self.pc.getTransceivers():
                    if transceiver.mid == content.get("name") and self.pc.connectionState == "connected":
                        await transceiver.receiver._send_rtcp_pli(int(source.get("ssrc")))


def _transport_copy(transport):
    """The transport's credentials and fingerprint, without candidates."""
    result = copy.deepcopy(transport)
    for candidate in result.findall(q(NS_ICE, "candidate")):
        result.remove(candidate)
    return result


class JingleCallee:
    """Answers every incoming call on `xmpp` (JMI or direct) with its own
    tone/video: ringing + proceed to the caller's full JID, session-accept
    with the offer's content names, content-accept for a content-add."""

    def __init__(self, xmpp, trickle=False, tracks=None, reject_content_add=False):
        self.xmpp = xmpp
        self.trickle = trickle
        self.tracks = tracks
        self.reject_content_add = reject_content_add
        self.dispatcher = Dispatcher.of(xmpp)
        self.dispatcher.on_propose = self._on_propose
        self.dispatcher.on_initiate = self._on_initiate
        self.proposals = {}  # sid -> (caller full JID, media list)
        self.calls = asyncio.Queue()

    def _on_propose(self, message, propose):
        caller = str(message["from"])
        media = [d.get("media") for d in propose.findall(q(NS_RTP, "description"))]
        self.proposals[propose.get("id")] = (caller, media)
        if message.xml.find(q(NS_RECEIPTS, "request")) is not None:
            receipt = self.xmpp.make_message(mto=caller)
            ET.SubElement(receipt.xml, q(NS_RECEIPTS, "received"), {"id": message["id"]})
            receipt.send()
        # XEP-0353 0.8.0: responses go to the full JID of the proposer.
        self.dispatcher.send_jmi(caller, "ringing", propose.get("id"))
        self.dispatcher.send_jmi(caller, "proceed", propose.get("id"))

    def _on_initiate(self, iq, jingle):
        sid = jingle.get("sid")
        proposal = self.proposals.pop(sid, None)
        session = _AnsweringSession(self.xmpp, sid, str(iq["from"]), self.trickle, proposal is not None,
                                    self.tracks, self.reject_content_add)
        session.proposed_media = proposal[1] if proposal else None
        session.deliver(iq, jingle)
        self.calls.put_nowait(session)

    async def next_call(self, timeout=TIMEOUT):
        return await asyncio.wait_for(self.calls.get(), timeout)


class _AnsweringSession(JingleSession):
    def __init__(self, xmpp, sid, peer, trickle, jmi, tracks, reject_content_add):
        super().__init__(xmpp, sid, peer, "responder", trickle, jmi, tracks)
        self.reject_content_add = reject_content_add
        self.proposed_media = None

    async def _on_session_initiate(self, jingle):
        self._remember_remote(jingle)
        await self.pc.setRemoteDescription(RTCSessionDescription(jingle_to_sdp(jingle, "initiator"), "offer"))
        for content in jingle.findall(q(NS_JINGLE, "content")):
            self.add_track(content.find(q(NS_RTP, "description")).get("media"))
        self.gate_ice()
        await self.pc.setLocalDescription(await self.pc.createAnswer())
        answer = await self._local_jingle("session-accept")
        self._remember_local(answer)
        await self.send(answer)
        if self.trickle:
            await self.trickle_candidates(list(self.local_contents))

    async def _on_content_add(self, jingle):
        added = jingle.findall(q(NS_JINGLE, "content"))
        if self.reject_content_add:
            reply = self._jingle("content-reject")
            for content in added:
                reply.append(ET.Element(q(NS_JINGLE, "content"),
                                        {"creator": content.get("creator"), "name": content.get("name")}))
            await self.send(reply)
            return
        self._remember_remote(jingle)
        await self.pc.setRemoteDescription(RTCSessionDescription(self._whole_remote_sdp(), "offer"))
        for content in added:
            self.add_track(content.find(q(NS_RTP, "description")).get("media"))
        await self.pc.setLocalDescription(await self.pc.createAnswer())
        answer = sdp_to_jingle(self.pc.localDescription.sdp, self.role, candidates=False)
        for content in added:
            # Dino accepts exactly one content per content-accept (docs/client-quirks.md#dino-calls).
            reply = self._jingle("content-accept")
            reply.extend(answer.findall(q(NS_GROUP, "group")))
            mine = next(c for c in answer.findall(q(NS_JINGLE, "content")) if c.get("name") == content.get("name"))
            mine.set("creator", content.get("creator"))
            reply.append(mine)
            self.local_contents[mine.get("name")] = mine
            await self.send(reply)
