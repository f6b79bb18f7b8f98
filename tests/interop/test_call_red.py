#!/usr/bin/python3
"""An audio+video call whose caller sends what Chromium sends by default:
VP8 inside RFC 2198 RED, with ULPFEC (RFC 5109) inside RED too, in the
video's own sequence space, and Opus inside red/48000 with the previous
frame repeated before each one. aiortc does none of it, so this caller
(jingle_caller.py's slixmpp + aiortc) offers red/90000, ulpfec/90000 and
red/48000 as Chromium does and rewrites its media on the wire: each VP8
packet becomes a RED packet with one block, after every tenth frame an
ULPFEC packet in RED takes the next sequence number, and each Opus packet
becomes RED with the previous frame as a redundant block. What comes back
is unwrapped again (the primary block) before aiortc sees it.

It checks what RED and ULPFEC need, end to end through Prosody, ICE,
DTLS-SRTP and parrot's CallMedia:
  - the echo comes back as it went (RED, the same VP8 inside, decoded by the
    caller) and the echoed FEC names parrot's own sequence numbers and
    timestamps (SN base, TS recovery), not the caller's;
  - the report names the codecs "VP8/90000 in RED" and "opus/48000 in RED",
    gives the resolution, frame rate and keyframes of what was sent and the
    level of the caller's tone, and counts red_packets and fec_packets.
"""
import asyncio
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import jingle_caller as jc  # noqa: E402  (patches aioice to loopback first)
from aiortc.rtp import RtpPacket, is_rtcp  # noqa: E402

from test_call import REPORT_NS, report_of  # noqa: E402

RED_PT = 118      # Chromium's ids
ULPFEC_PT = 127
AUDIO_RED_PT = 63
OPUS_FRAME_TICKS = 960  # 20 ms at 48 kHz
FEC_EVERY_FRAMES = 10
MEDIA_PACKETS = 150  # 3 s of the caller's audio after the echo started


def ulpfec_over(packet):
    """An RFC 5109 FEC payload protecting one RTP packet (a one-bit mask):
    SN base, TS recovery and the XOR of one packet, which is the packet."""
    body = packet.payload
    header = struct.pack("!BBHIH", 0x00, (packet.marker << 7) | packet.payload_type, packet.sequence_number,
                         packet.timestamp, len(body))
    return header + struct.pack("!HH", len(body), 0x8000) + body


def red_primary(payload):
    """RFC 2198: the primary block's payload type and bytes (the last block)."""
    at = redundant = 0
    while payload[at] & 0x80:
        redundant += ((payload[at + 2] & 0x03) << 8) | payload[at + 3]
        at += 4
    return payload[at] & 0x7F, payload[at + 1 + redundant:]


class RedCaller(jc.JingleCaller):
    """Offers red and ulpfec for video, sends VP8 in RED with FEC, unwraps
    the echo. Counts what it sent and checks the echoed FEC."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.vp8_pt = None
        self.opus_pt = None
        self.previous_opus = None  # the last Opus payload, repeated in the next RED
        self.audio_red_sent = 0
        self.audio_red_echoed = 0
        self.red_sent = 0
        self.fec_sent = 0
        self.fec_echoed = []    # (SN base, TS recovery) of each echoed FEC
        self.red_echoed = 0
        self.last_echoed = {}   # sequence number -> timestamp of echoed media
        self.frames_sent = 0
        self.renumber = 0       # sequence numbers the FEC took so far

    async def _local_jingle(self, action, creator="initiator"):
        jingle = await super()._local_jingle(action, creator)
        if action == "session-initiate":
            for description in jingle.iter(jc.q(jc.NS_RTP, "description")):
                if description.get("media") == "audio":
                    for payload in description.findall(jc.q(jc.NS_RTP, "payload-type")):
                        if payload.get("name", "").lower() == "opus":
                            self.opus_pt = int(payload.get("id"))
                    jc.ET.SubElement(description, jc.q(jc.NS_RTP, "payload-type"),
                                     {"id": str(AUDIO_RED_PT), "name": "red", "clockrate": "48000", "channels": "2"})
                if description.get("media") != "video":
                    continue
                for payload in description.findall(jc.q(jc.NS_RTP, "payload-type")):
                    if payload.get("name", "").upper() == "VP8":
                        self.vp8_pt = int(payload.get("id"))
                for ident, name in ((RED_PT, "red"), (ULPFEC_PT, "ulpfec")):
                    jc.ET.SubElement(description, jc.q(jc.NS_RTP, "payload-type"),
                                     {"id": str(ident), "name": name, "clockrate": "90000"})
            assert self.vp8_pt is not None and self.opus_pt is not None, "aiortc offered no VP8 or no Opus"
            self._patch_transports()
        return jingle

    def _patch_transports(self):
        patched = set()
        for transceiver in self.pc.getTransceivers():
            transport = transceiver.sender.transport
            if transport is None or id(transport) in patched:
                continue
            patched.add(id(transport))
            self._patch(transport)

    def _patch(self, transport):
        send, handle = transport._send_rtp, transport._handle_rtp_data
        extensions = transport._rtp_header_extensions_map

        async def send_red(data):
            if is_rtcp(data):
                return await send(data)
            packet = RtpPacket.parse(data, extensions)
            if packet.payload_type == self.opus_pt:
                # Chromium's red/48000 (fmtp 111/111): the previous frame,
                # 20 ms back, then this one.
                current = packet.payload
                red = b""
                if self.previous_opus is not None and len(self.previous_opus) < 1024:
                    # F=1 | PT, then 14 bits of timestamp offset and 10 of length.
                    offset_and_length = (OPUS_FRAME_TICKS << 10) | len(self.previous_opus)
                    red = bytes([0x80 | self.opus_pt]) + offset_and_length.to_bytes(3, "big")
                packet.payload_type = AUDIO_RED_PT
                packet.payload = red + bytes([self.opus_pt]) + (self.previous_opus if red else b"") + current
                self.previous_opus = current
                self.audio_red_sent += 1
                return await send(packet.serialize(extensions))
            if packet.payload_type != self.vp8_pt:
                return await send(data)
            # One RED block (F=0, the VP8 payload type), as libwebrtc sends
            # video; later packets move up by the FEC packets sent so far.
            packet.sequence_number = (packet.sequence_number + self.renumber) & 0xFFFF
            packet.payload_type = RED_PT
            packet.payload = bytes([self.vp8_pt]) + packet.payload
            await send(packet.serialize(extensions))
            self.red_sent += 1
            if packet.marker:
                self.frames_sent += 1
                if self.frames_sent % FEC_EVERY_FRAMES == 0:
                    fec = RtpPacket(payload_type=RED_PT, marker=0,
                                    sequence_number=(packet.sequence_number + 1) & 0xFFFF,
                                    timestamp=packet.timestamp, ssrc=packet.ssrc)
                    fec.payload = bytes([ULPFEC_PT]) + ulpfec_over(packet)
                    self.renumber += 1
                    await send(fec.serialize(extensions))
                    self.red_sent += 1
                    self.fec_sent += 1

        async def unwrap_red(data, arrival_time_ms):
            packet = RtpPacket.parse(data, extensions)
            if packet.payload_type == AUDIO_RED_PT and packet.payload:
                self.audio_red_echoed += 1
                packet.payload_type, packet.payload = red_primary(packet.payload)
                return await handle(packet.serialize(extensions), arrival_time_ms)
            if packet.payload_type != RED_PT or not packet.payload:
                return await handle(data, arrival_time_ms)
            self.red_echoed += 1
            inner = packet.payload[0] & 0x7F
            assert packet.payload[0] & 0x80 == 0, "parrot's echo carried RED redundancy it never got"
            if inner == ULPFEC_PT:
                base, recovery = struct.unpack("!HI", packet.payload[1 + 2:1 + 8])
                self.fec_echoed.append((packet.sequence_number, base, recovery))
                # aiortc has no FEC decoder: an empty VP8 packet fills the
                # sequence number (as libwebrtc's padding would), so it
                # neither NACKs it nor breaks the frame.
                packet.payload_type = self.vp8_pt
                packet.payload = b""
            else:
                self.last_echoed[packet.sequence_number] = packet.timestamp
                packet.payload_type = inner
                packet.payload = packet.payload[1:]
            return await handle(packet.serialize(extensions), arrival_time_ms)

        transport._send_rtp = send_red
        transport._handle_rtp_data = unwrap_red


async def main():
    async with jc.parrot_and_alice() as (_, parrot, alice):
        caller = RedCaller(alice, f"{parrot.jid}/parrot", media=("audio", "video"), jmi=False, trickle=False)
        await caller.call()
        await caller.wait_media(("audio", "video"), frames=25)
        await caller.until_sent((await caller.stats())["audio"]["packets_sent"] + MEDIA_PACKETS)
        stats = await caller.stats()
        await caller.terminate("success")
        message = await alice.next_message(timeout=jc.TIMEOUT,
                                           predicate=lambda m: m.xml.find(f"{{{REPORT_NS}}}report") is not None)
        report = report_of(message)
        print(f"RED call: {message['body']}")

    assert caller.fec_sent >= 3 and caller.red_sent > 100, (caller.fec_sent, caller.red_sent)
    # The echo came back as it went: RED, decoded by the caller once unwrapped.
    assert caller.red_echoed > 100 and stats["video"]["frames_decoded"] > 50, (caller.red_echoed, stats["video"])
    # The echoed FEC protects the echoed packet before it, in parrot's
    # numbering: SN base and TS recovery were moved with the echo.
    assert len(caller.fec_echoed) >= 3, caller.fec_echoed
    for fec_sequence, base, recovery in caller.fec_echoed:
        protected = (fec_sequence - 1) & 0xFFFF
        assert base == protected, ("FEC names a sequence number parrot never sent", fec_sequence, base)
        assert caller.last_echoed.get(protected) == recovery, ("FEC timestamp not parrot's", recovery,
                                                               caller.last_echoed.get(protected))

    video = next(s for s in report["streams"] if s["media"] == "video")
    assert video["codec"] == "VP8/90000 in RED", video
    width, height = jc.CounterVideoTrack.WIDTH, jc.CounterVideoTrack.HEIGHT
    assert video["resolution"] == f"{width}x{height}", video
    assert 20 <= video["frame_rate_fps"] <= 35, video  # aiortc paces 30 fps, encoder may drop some
    assert video["keyframes"] >= 1, video
    # parrot stopped counting at the terminate, the caller a moment earlier;
    # every packet it received was RED and counted (the probes take what is
    # still queued before the report).
    assert abs(video["red_packets"] - caller.red_sent) <= max(10, caller.red_sent // 20), (video, caller.red_sent)
    assert video["probe_skipped_packets"] == 0 and video["red_packets"] == video["packets_received"], video
    assert abs(video["fec_packets"] - caller.fec_sent) <= 1, (video, caller.fec_sent)
    # The echoed FEC cost the caller nothing: no gaps, so no NACKs or loss.
    assert video["retransmitted"] == 0 and video.get("your_loss_pct", 0) == 0, video
    assert "Video VP8/90000 in RED:" in message["body"] and "of them FEC" in message["body"], message["body"]

    # Opus in red/48000: the echo's primary blocks decode to the caller's
    # tone, and parrot measured that tone inside RED.
    assert caller.audio_red_sent > 100 and caller.audio_red_echoed > 100, (caller.audio_red_sent, caller.audio_red_echoed)
    assert stats["audio"]["frames_decoded"] > 50 and stats["audio"]["loud_frames"] > 20, stats["audio"]
    audio = next(s for s in report["streams"] if s["media"] == "audio")
    assert audio["codec"] == "opus/48000 in RED", audio
    assert -40 < audio["level_dbfs"] < -5, audio
    assert audio["red_packets"] == audio["packets_received"] and audio["fec_packets"] == 0, audio
    assert "Audio opus/48000 in RED:" in message["body"], message["body"]
    print(f"RED video: {caller.red_sent} RED packets sent ({caller.fec_sent} FEC), {caller.red_echoed} came back, "
          f"the caller decoded {stats['video']['frames_decoded']} frames; parrot saw {video['resolution']} "
          f"at {video['frame_rate_fps']} fps, {video['keyframes']} keyframes")
    print(f"RED audio: {caller.audio_red_sent} sent, {caller.audio_red_echoed} came back, "
          f"{stats['audio']['loud_frames']} loud frames decoded; parrot measured {audio['level_dbfs']} dBFS")


if __name__ == "__main__":
    import harness  # noqa: E402
    harness.run_test(main)
