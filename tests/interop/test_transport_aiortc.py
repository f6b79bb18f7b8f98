#!/usr/bin/python3
"""parrot's transport (libnice ICE + OpenSSL DTLS-SRTP) against a third-party
stack: aiortc (aioice + pyOpenSSL + pylibsrtp) on 127.0.0.1.

transport_peer (tests/interop/transport_peer.cpp) runs a CallTransport with
an EchoEngine behind it and speaks JSON lines on stdin/stdout in place of
Jingle. aiortc gathers, connects, completes DTLS, sends Opus from a track
and receives parrot's echo through an RTCRtpReceiver. Both role pairings:
parrot answering (ICE controlled, DTLS client, setup='active') as with
every real caller, and parrot as ICE controlling / DTLS server.

Asserts what a user would check: ICE and DTLS connected on both sides, the
SRTP profile, host/host on 127.0.0.1, RTP both ways, and the echo's count.
"""
import asyncio
import json
import os
import sys

import aioice.ice

# Only loopback: aioice would otherwise gather on every interface.
aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"]

from aiortc.mediastreams import AudioStreamTrack  # noqa: E402
from aiortc.rtcdtlstransport import RTCCertificate, RTCDtlsFingerprint, RTCDtlsParameters, RTCDtlsTransport  # noqa: E402
from aiortc.rtcicetransport import RTCIceCandidate, RTCIceGatherer, RTCIceParameters, RTCIceTransport  # noqa: E402
from aiortc.rtcrtpparameters import (  # noqa: E402
    RTCRtcpParameters,
    RTCRtpCodecParameters,
    RTCRtpDecodingParameters,
    RTCRtpReceiveParameters,
    RTCRtpSendParameters,
)
from aiortc.rtcrtpreceiver import RemoteStreamTrack, RTCRtpReceiver  # noqa: E402
from aiortc.rtcrtpsender import RTCRtpSender  # noqa: E402

PEER = os.environ.get("PARROT_TRANSPORT_PEER", "build-test/tests/transport_peer")
OPUS = RTCRtpCodecParameters(mimeType="audio/opus", clockRate=48000, channels=2, payloadType=111)
TIMEOUT = 20


class Peer:
    """transport_peer as a subprocess speaking JSON lines."""

    async def start(self, *args):
        self.proc = await asyncio.create_subprocess_exec(
            PEER, *args, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
        self.events = []

    def send(self, kind, **fields):
        self.proc.stdin.write((json.dumps({**fields, "type": kind}) + "\n").encode())

    async def next(self, kind):
        """The next event of `kind`; earlier events stay in self.events."""
        for event in self.events:
            if event["type"] == kind and not event.get("_seen"):
                event["_seen"] = True
                return event
        while True:
            line = await asyncio.wait_for(self.proc.stdout.readline(), TIMEOUT)
            if not line:
                raise AssertionError(f"transport_peer exited before '{kind}' (code {await self.proc.wait()})")
            event = json.loads(line)
            self.events.append(event)
            if event["type"] == "failed":
                raise AssertionError(f"parrot's transport failed: {event}")
            if event["type"] == kind:
                event["_seen"] = True
                return event

    async def stop(self):
        self.send("stop")
        await self.proc.stdin.drain()
        stats = await self.next("stats")
        assert await asyncio.wait_for(self.proc.wait(), TIMEOUT) == 0
        return stats


def to_aiortc(c):
    return RTCIceCandidate(component=int(c["component"]), foundation=c["foundation"], ip=c["ip"],
                           port=int(c["port"]), priority=int(c["priority"]), protocol=c["protocol"],
                           type=c["type"], relatedAddress=c.get("rel-addr"),
                           relatedPort=int(c["rel-port"]) if "rel-port" in c else None)


def from_aiortc(c, index):
    attributes = {"foundation": c.foundation, "component": str(c.component), "generation": "0",
                  "id": f"aiortc{index}", "ip": c.ip, "port": str(c.port), "priority": str(c.priority),
                  "protocol": c.protocol, "type": c.type, "network": "0"}
    if c.relatedAddress:
        attributes["rel-addr"] = c.relatedAddress
        attributes["rel-port"] = str(c.relatedPort)
    return attributes


async def call(parrot_controlling):
    # aiortc gathers first: parrot, like a Jingle answerer, is created with
    # the offer's credentials and fingerprint in hand.
    gatherer = RTCIceGatherer(iceServers=[])
    await gatherer.gather()
    ice = RTCIceTransport(gatherer)
    gatherer._connection.ice_controlling = not parrot_controlling
    certificate = RTCCertificate.generateCertificate()
    dtls = RTCDtlsTransport(ice, [certificate])
    dtls._set_role("client" if parrot_controlling else "server")
    params = gatherer.getLocalParameters()
    fingerprint = next(f for f in dtls.getLocalParameters().fingerprints if f.algorithm == "sha-256")

    peer = Peer()
    await peer.start("--role", "controlling" if parrot_controlling else "controlled")
    peer.send("remote", ufrag=params.usernameFragment, pwd=params.password,
              fingerprint=fingerprint.value, hash="sha-256")
    for index, candidate in enumerate(gatherer.getLocalCandidates()):
        peer.send("candidate", attributes=from_aiortc(candidate, index))
    peer.send("end-of-candidates")
    await peer.proc.stdin.drain()
    local = await peer.next("local")
    assert local["setup"] == ("passive" if parrot_controlling else "active"), local

    # parrot's candidates: trickled, then gathering-done.
    await peer.next("gathering-done")
    for event in peer.events:
        if event["type"] == "candidate":
            await ice.addRemoteCandidate(to_aiortc(event["attributes"]))
    await ice.addRemoteCandidate(None)
    await asyncio.wait_for(ice.start(RTCIceParameters(usernameFragment=local["ufrag"], password=local["pwd"])), TIMEOUT)
    assert ice.state == "completed", ice.state
    await asyncio.wait_for(dtls.start(RTCDtlsParameters(
        fingerprints=[RTCDtlsFingerprint(algorithm="sha-256", value=local["fingerprint"])])), TIMEOUT)
    assert dtls.state == "connected", dtls.state

    keys = await peer.next("keys")
    assert keys["profile"] == "SRTP_AES128_CM_SHA1_80", keys  # aiortc offers only this one
    connected = await peer.next("connected")
    assert connected["local_type"] == "host" and connected["remote_type"] == "host", connected
    assert connected["local_ip"] == "127.0.0.1" and connected["remote_ip"] == "127.0.0.1", connected

    sender = RTCRtpSender(AudioStreamTrack(), dtls)
    receiver = RTCRtpReceiver("audio", dtls)
    receiver._track = RemoteStreamTrack(kind="audio")  # what RTCPeerConnection does
    await sender.send(RTCRtpSendParameters(codecs=[OPUS], rtcp=RTCRtcpParameters(cname="aiortc", mux=True)))
    await receiver.receive(RTCRtpReceiveParameters(
        codecs=[OPUS], encodings=[RTCRtpDecodingParameters(ssrc=int(local["ssrc"]), payloadType=111)],
        rtcp=RTCRtcpParameters(cname="aiortc", mux=True)))
    frames = 0
    loop = asyncio.get_event_loop()
    deadline = loop.time() + 4
    while loop.time() < deadline:
        await asyncio.wait_for(receiver.track.recv(), TIMEOUT)
        frames += 1

    sent = next(s for s in (await sender.getStats()).values() if s.type == "outbound-rtp")
    received = next(s for s in (await receiver.getStats()).values() if s.type == "inbound-rtp")
    stats = await peer.stop()
    await sender.stop()
    await receiver.stop()
    await dtls.stop()
    await ice.stop()

    role = "controlling" if parrot_controlling else "controlled"
    print(f"parrot {role}: aiortc sent {sent.packetsSent}, parrot received {stats['received']} "
          f"and echoed {stats['sent']}, aiortc received {received.packetsReceived} ({frames} frames decoded); "
          f"ICE {stats['connect_ms']} ms, keys {stats['keys_ms']} ms")
    assert sent.packetsSent > 100, sent
    assert stats["received"] > 100 and stats["sent"] > 100, stats
    assert received.packetsReceived > 100, received
    assert frames > 100, frames
    assert stats["srtp_drops"] == 0, stats


async def main():
    await call(parrot_controlling=False)
    await call(parrot_controlling=True)
    print("ok")


if __name__ == "__main__":
    asyncio.run(main())
    sys.exit(0)
