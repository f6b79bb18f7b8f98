#!/usr/bin/python3
"""Congestion-control feedback with a real sender: an aiortc 1.4 caller
(slixmpp Jingle, tests/interop/jingle_caller.py) offers what aiortc offers —
goog-remb on video, abs-send-time, sdes:mid, ssrc-audio-level, no
transport-cc — and sends a video of random noise, which uses whatever rate
its encoder is given.

Checked end to end:
  - parrot's session-accept keeps goog-remb and the header extensions parrot
    handles, with aiortc's own ids per content, and no transport-cc;
  - aiortc's RTP sender receives parrot's REMB for its video SSRC and its
    VP8 encoder takes the value as its target bitrate (aiortc does exactly
    that with REMB), at or above libwebrtc's 300 kbit/s start rate;
  - the echoed video comes back with the content's mid and an abs-send-time
    (parrot's own, written over aiortc's);
  - the report says what aiortc achieved upstream and which feedback parrot
    gave (goog-remb, with the values), and that audio got none.
The rate figures are printed, not asserted (machines are noisy).
"""
import asyncio
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import jingle_caller as jc  # noqa: E402  (patches aioice to loopback first)
import harness  # noqa: E402
import av  # noqa: E402
import numpy  # noqa: E402
from aiortc import VideoStreamTrack  # noqa: E402
from aiortc.rtcrtpreceiver import RTCRtpReceiver  # noqa: E402
from aiortc.rtcrtpsender import RTCRtpSender  # noqa: E402
from aiortc.rtp import RTCP_PSFB_APP, RtcpPsfbPacket, unpack_remb_fci  # noqa: E402

REPORT_NS = "urn:parrot:report:1"
NS_HDREXT = "urn:xmpp:jingle:apps:rtp:rtp-hdrext:0"
ABS_SEND_TIME = "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"
MID = "urn:ietf:params:rtp-hdrext:sdes:mid"
TRANSPORT_WIDE = "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"
MEDIA_PACKETS = 300  # 6 s of the caller's audio after the echo started


class NoiseVideoTrack(VideoStreamTrack):
    """320x240 random noise at aiortc's 30 frames/s: no encoder rate is enough."""

    kind = "video"

    def __init__(self):
        super().__init__()
        self.random = numpy.random.default_rng(12)

    async def recv(self):
        pts, time_base = await self.next_timestamp()
        frame = av.VideoFrame.from_ndarray(self.random.integers(0, 256, (240, 320, 3), numpy.uint8), format="rgb24")
        frame.pts = pts
        frame.time_base = time_base
        return frame


# What aiortc's sender got in RTCP (REMB values for its SSRC, and the
# encoder target they set), and the extensions on the RTP it received.
rembs = []
targets = []
echoed_extensions = []
_handle_rtcp = RTCRtpSender._handle_rtcp_packet
_handle_rtp = RTCRtpReceiver._handle_rtp_packet


async def spy_rtcp(self, packet):
    await _handle_rtcp(self, packet)
    if isinstance(packet, RtcpPsfbPacket) and packet.fmt == RTCP_PSFB_APP:
        bitrate, ssrcs = unpack_remb_fci(packet.fci)
        if self._ssrc in ssrcs:
            rembs.append(bitrate)
            encoder = getattr(self, "_RTCRtpSender__encoder", None)
            if encoder is not None and hasattr(encoder, "target_bitrate"):
                targets.append(encoder.target_bitrate)


async def spy_rtp(self, packet, arrival_time_ms):
    if self._RTCRtpReceiver__kind == "video":
        echoed_extensions.append((packet.extensions.mid, packet.extensions.abs_send_time))
    await _handle_rtp(self, packet, arrival_time_ms)


RTCRtpSender._handle_rtcp_packet = spy_rtcp
RTCRtpReceiver._handle_rtp_packet = spy_rtp


def extensions_of(content):
    description = content.find(jc.q(jc.NS_RTP, "description"))
    return {e.get("uri"): e.get("id") for e in description.findall(jc.q(NS_HDREXT, "rtp-hdrext"))}


def feedback_of(content):
    description = content.find(jc.q(jc.NS_RTP, "description"))
    return {fb.get("type") for fb in description.iter(jc.q(jc.NS_FB, "rtcp-fb"))}


async def until(condition, what, timeout=jc.TIMEOUT):
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, what
        await asyncio.sleep(0.1)


async def main():
    async with jc.parrot_and_alice() as (_, parrot, alice):
        caller = jc.JingleCaller(alice, f"{parrot.jid}/parrot", media=("audio", "video"), jmi=False,
                                 tracks=lambda kind: jc.ToneTrack() if kind == "audio" else NoiseVideoTrack())
        await caller.call()
        names = list(caller.local_contents)
        audio_offer, video_offer = (extensions_of(caller.local_contents[n]) for n in names)
        audio_answer, video_answer = (extensions_of(caller.remote_contents[n]) for n in names)
        assert ABS_SEND_TIME in video_offer and TRANSPORT_WIDE not in video_offer, video_offer
        # Understood extensions kept, each with the offer's id in its content.
        assert video_answer == {uri: ident for uri, ident in video_offer.items()
                                if uri in (ABS_SEND_TIME, MID)}, (video_offer, video_answer)
        assert audio_answer.get(MID) == audio_offer.get(MID), (audio_offer, audio_answer)
        assert "goog-remb" in feedback_of(caller.remote_contents[names[1]]), feedback_of(caller.remote_contents[names[1]])
        assert "transport-cc" not in feedback_of(caller.remote_contents[names[1]])

        await caller.wait_media(("audio", "video"), frames=10)
        await until(lambda: len(rembs) >= 2, f"aiortc got no REMB for its video from parrot: {rembs}")
        await caller.until_sent((await caller.stats())["audio"]["packets_sent"] + MEDIA_PACKETS)
        await caller.terminate("success")
        message = await alice.next_message(timeout=jc.TIMEOUT,
                                           predicate=lambda m: m.xml.find(f"{{{REPORT_NS}}}report") is not None)
        report = json.loads(message.xml.find(f"{{{REPORT_NS}}}report").text)

    assert min(rembs) >= 300_000, rembs  # never under libwebrtc's start rate
    # aiortc's VP8 encoder takes REMB as its target, within its 250k..1.5M.
    assert targets and all(t == max(250_000, min(r, 1_500_000)) for r, t in zip(rembs, targets)), (rembs, targets)
    assert echoed_extensions, "no echoed video reached aiortc's receiver"
    video_mid = caller.remote_contents[names[1]].get("name")
    assert all(mid == video_mid for mid, _ in echoed_extensions), set(echoed_extensions)
    assert all(send_time is not None for _, send_time in echoed_extensions)

    streams = {s["media"]: s for s in report["streams"]}
    up = streams["video"]["upstream"]
    assert up["feedback"] == "goog-remb", up
    assert up["remb_max_kbps"] >= 300 and up["remb_last_kbps"] >= 300, up
    assert up["mean_kbps"] > 0 and up["peak_kbps"] >= up["mean_kbps"], up
    assert streams["audio"]["upstream"]["feedback"] == "none", streams["audio"]["upstream"]
    print(f"aiortc video upstream: mean {up['mean_kbps']} kbit/s, peak {up['peak_kbps']}, "
          f"reached {up['reached_after_s']}; REMB {len(rembs)}x, {min(rembs) // 1000}..{max(rembs) // 1000} kbit/s; "
          f"encoder targets {sorted(set(t // 1000 for t in targets))} kbit/s")
    print("ok")


if __name__ == "__main__":
    harness.run_test(main)
