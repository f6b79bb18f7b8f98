#!/usr/bin/python3
"""Legacy file transfer into parrot: XEP-0095/0096 Stream Initiation with the
bytes over XEP-0065 SOCKS5 (direct and through Prosody's mod_proxy65) and
XEP-0047 IBB, sent with python3-slixmpp's own xep_0095/0096/0065/0047.

  1. SOCKS5 via proxy (slixmpp's xep_0065 offers only proxies): 0 B, 1 B,
     1 MiB and 64 MiB; parrot's sha-256 equals hashlib's, the md5 the offer
     advertised (XEP-0096 'hash') matches, transport "SOCKS5 proxy".
  2. SOCKS5 direct: the test listens on loopback as the streamhost; the first
     streamhost offered is a port nobody listens on, so parrot must try the
     next one; 1 MiB and 64 MiB; transport "SOCKS5 direct".
  3. IBB (slixmpp's xep_0047, 4096-byte blocks): 0 B, 1 B, 1 MiB (IBB moves
     one block per IQ round trip, so 64 MiB would take minutes; 1 MiB is
     enough to cover sequence and end handling).
  4. Bad input: a sender that closes mid-stream (report: SHORT, "closed
     the stream after"), one that sends more than announced (TOO LONG), IBB
     blocks out of order (unexpected-request, FAILED) and over the block
     size (not-acceptable, FAILED), an offer over --max-file-bytes
     (forbidden + REFUSED report), an offer with no usable stream method
     (bad-request + <no-valid-streams/>), a fourth transfer at once from one
     contact (forbidden + REFUSED report).
"""
import asyncio
import base64
import hashlib
import json
import os
import sys
import uuid
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from slixmpp.exceptions import IqError  # noqa: E402

REPORT_NS = "urn:parrot:report:1"
SI_NS = "http://jabber.org/protocol/si"
IBB_NS = "http://jabber.org/protocol/ibb"
MIB = 1 << 20
MAX_FILE_BYTES = 100_000_000
TIMEOUT = 60


def with_proxy65(prosody):
    """Adds Prosody's mod_proxy65 as proxy.<domain> on a free loopback port."""
    port = harness.free_port()
    with open(prosody.config) as f:
        text = f.read()
    text = f'proxy65_ports = {{ {port} }}\n' + text + \
        f'\nComponent "proxy.{prosody.domain}" "proxy65"\n  proxy65_address = "127.0.0.1"\n'
    with open(prosody.config, "w") as f:
        f.write(text)
    return port


async def report_for(client, sid):
    def for_sid(message):
        element = message.xml.find(f"{{{REPORT_NS}}}report")
        return element is not None and json.loads(element.text).get("id") == sid
    message = await client.next_message(timeout=TIMEOUT, predicate=for_sid)
    report = json.loads(message.xml.find(f"{{{REPORT_NS}}}report").text)
    assert report["kind"] == "file", report
    return report


def check_ok(report, data, transport):
    assert report["verdict"] == "FILE OK", report
    assert report["bytes_received"] == len(data) and report["size"] == len(data), report
    assert report["sha256"] == hashlib.sha256(data).hexdigest(), report
    assert report["sha1"] == hashlib.sha1(data).hexdigest(), report
    assert report["advertised"].get("md5") == hashlib.md5(data).hexdigest(), report
    assert report["match"] is True, report
    assert report["transport"] == transport, report


async def offer(alice, parrot_full, data, name, methods=None):
    sid = uuid.uuid4().hex
    # slixmpp 1.8.3's xep_0095.offer() hands its method names to xep_0004's
    # add_field() as plain strings, which that rejects; option dicts pass.
    methods = methods or ["http://jabber.org/protocol/bytestreams", IBB_NS]
    kwargs = {"methods": [{"value": method} for method in methods]}
    result = await alice["xep_0096"].request_file_transfer(parrot_full, sid=sid, name=name, size=len(data),
                                                            hash=hashlib.md5(data).hexdigest(), timeout=TIMEOUT,
                                                            **kwargs)
    chosen = result["si"]["feature_neg"]["form"]["values"]["stream-method"]
    return sid, chosen


async def send_via_proxy(alice, parrot_full, data, name):
    sid, chosen = await offer(alice, parrot_full, data, name)
    assert chosen == "http://jabber.org/protocol/bytestreams", chosen
    proto = await alice["xep_0065"].handshake(parrot_full, sid=sid, timeout=TIMEOUT)
    assert proto is not None, "proxy handshake failed"
    for i in range(0, len(data), 256 * 1024):
        await proto.write(data[i:i + 256 * 1024])
    proto.transport.close()
    return sid


class DirectStreamhost:
    """A SOCKS5 server on loopback: the sender's own direct streamhost."""

    def __init__(self):
        self.expected_dst = None
        self.payload = b""
        self.go = None
        self.connected = None

    async def start(self):
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self.server.sockets[0].getsockname()[1]

    def arm(self, dst, payload):
        self.expected_dst = dst
        self.payload = payload
        self.go = asyncio.Event()
        self.connected = asyncio.get_running_loop().create_future()

    async def _serve(self, reader, writer):
        try:
            addr, port = await harness.socks5_read_connect(reader, writer)
            assert addr.decode() == self.expected_dst, (addr, self.expected_dst)
            assert port == b"\x00\x00", port
            harness.socks5_reply(writer, 0, addr)
            await writer.drain()
            self.connected.set_result(True)
            await self.go.wait()  # until parrot's streamhost-used came back
            for i in range(0, len(self.payload), 256 * 1024):
                writer.write(self.payload[i:i + 256 * 1024])
                await writer.drain()
        except Exception as error:  # noqa: BLE001 — surfaced through `connected`
            if not self.connected.done():
                self.connected.set_exception(error)
        finally:
            writer.close()


async def send_direct(alice, parrot_full, host, data, name, payload=None):
    sid, chosen = await offer(alice, parrot_full, data, name)
    assert chosen == "http://jabber.org/protocol/bytestreams", chosen
    requester = str(alice.boundjid)
    host.arm(hashlib.sha1((sid + requester + parrot_full).encode()).hexdigest(),
             data if payload is None else payload)
    iq = alice.make_iq_set(ito=parrot_full)
    iq["socks"]["sid"] = sid
    # A streamhost that refuses first: parrot must go on to the next one.
    iq["socks"].add_streamhost(requester, "127.0.0.1", str(harness.free_port()))
    iq["socks"].add_streamhost(requester, "127.0.0.1", str(host.port))
    result = await iq.send(timeout=TIMEOUT)
    assert result["socks"]["streamhost_used"]["jid"] == requester, result
    await asyncio.wait_for(host.connected, TIMEOUT)
    host.go.set()
    return sid


async def send_ibb(alice, parrot_full, data, name):
    sid, chosen = await offer(alice, parrot_full, data, name, methods=[IBB_NS])
    assert chosen == IBB_NS, chosen
    stream = await alice["xep_0047"].open_stream(parrot_full, sid=sid, block_size=4096, timeout=TIMEOUT)
    await stream.sendall(data, timeout=TIMEOUT)
    await stream.close(timeout=TIMEOUT)
    return sid


def ibb_iq(alice, parrot_full, element):
    iq = alice.make_iq_set(ito=parrot_full)
    iq.xml.append(element)
    return iq


async def expect_error(iq, condition):
    try:
        await iq.send(timeout=TIMEOUT)
    except IqError as error:
        assert error.iq["error"]["condition"] == condition, error.iq
        return error.iq
    raise AssertionError(f"expected {condition}, got a result")


async def ibb_raw(alice, parrot_full, size, blocks, block_size=4096):
    """Opens an IBB stream for an SI offer of `size` bytes and sends the given
    (seq, bytes) blocks by hand; returns (sid, the condition of the last)."""
    data = os.urandom(size)
    sid, _ = await offer(alice, parrot_full, data, "raw.bin", methods=[IBB_NS])
    open_el = ET.Element(f"{{{IBB_NS}}}open", {"sid": sid, "block-size": str(block_size), "stanza": "iq"})
    await ibb_iq(alice, parrot_full, open_el).send(timeout=TIMEOUT)
    condition = None
    for seq, chunk in blocks:
        el = ET.Element(f"{{{IBB_NS}}}data", {"sid": sid, "seq": str(seq)})
        el.text = base64.b64encode(chunk).decode()
        try:
            await ibb_iq(alice, parrot_full, el).send(timeout=TIMEOUT)
        except IqError as error:
            condition = error.iq["error"]["condition"]
            break
    return sid, condition


async def main():
    prosody = harness.Prosody(users=[("parrot", "parrot-secret"), ("alice", "alice-secret")])
    with_proxy65(prosody)
    prosody.start()
    parrot = harness.Parrot(prosody, extra=["--max-file-bytes", str(MAX_FILE_BYTES)]).start()
    parrot_full = f"{parrot.jid}/parrot"
    alice = None
    host = DirectStreamhost()
    host.port = await host.start()
    try:
        await parrot.until_log("online as")
        alice = harness.Client(prosody, "alice", "alice-secret")
        for plugin in ("xep_0047", "xep_0065", "xep_0095", "xep_0096"):
            alice.register_plugin(plugin)
        await alice.online()
        await alice.befriend(parrot.jid)
        alice.drain()

        # Disco says what Pidgin checks before offering (SI profile + a method).
        info = await alice["xep_0030"].get_info(jid=parrot_full, timeout=TIMEOUT)
        features = set(info["disco_info"]["features"])
        for feature in (SI_NS, SI_NS + "/profile/file-transfer", "http://jabber.org/protocol/bytestreams", IBB_NS):
            assert feature in features, features

        # 1. Through the server's proxy.
        proxies = await alice["xep_0065"].discover_proxies(timeout=TIMEOUT)
        assert proxies, "Prosody's proxy65 was not discovered"
        for size in (0, 1, MIB, 64 * MIB):
            data = os.urandom(size)
            sid = await send_via_proxy(alice, parrot_full, data, f"proxy-{size}.bin")
            check_ok(await report_for(alice, sid), data, "SOCKS5 proxy")
            print(f"SOCKS5 proxy {size} bytes: sha-256 matches")

        # 2. Direct, after a streamhost that refuses.
        for size in (1, MIB, 64 * MIB):
            data = os.urandom(size)
            sid = await send_direct(alice, parrot_full, host, data, f"direct-{size}.bin")
            check_ok(await report_for(alice, sid), data, "SOCKS5 direct")
            print(f"SOCKS5 direct {size} bytes (after a refused streamhost): sha-256 matches")

        # 3. In-band.
        for size in (0, 1, MIB):
            data = os.urandom(size)
            sid = await send_ibb(alice, parrot_full, data, f"ibb-{size}.bin")
            check_ok(await report_for(alice, sid), data, "IBB")
            print(f"IBB {size} bytes: sha-256 matches")

        # 4. Bad input.
        data = os.urandom(MIB)
        sid = await send_direct(alice, parrot_full, host, data, "cut.bin", payload=data[:MIB // 2])
        report = await report_for(alice, sid)
        assert report["verdict"] == "SHORT" and "closed the stream after" in report["failure"], report
        assert report["bytes_received"] == MIB // 2, report
        print("sender closing mid-stream:", report["failure"])

        sid = await send_direct(alice, parrot_full, host, data, "long.bin", payload=data + b"extra bytes")
        report = await report_for(alice, sid)
        assert report["verdict"] == "TOO LONG" and "more than" in report["failure"], report
        print("more bytes than announced:", report["failure"])

        sid, condition = await ibb_raw(alice, parrot_full, 8192, [(0, b"a" * 4096), (2, b"b" * 4096)])
        assert condition == "unexpected-request", condition
        report = await report_for(alice, sid)
        assert report["verdict"] == "FAILED" and report["bytes_received"] == 4096, report
        print("IBB out of order:", report["failure"])

        sid, condition = await ibb_raw(alice, parrot_full, 8192, [(0, b"c" * 8192)])
        assert condition == "not-acceptable", condition
        report = await report_for(alice, sid)
        assert report["verdict"] == "FAILED", report
        print("IBB block over the block size:", report["failure"])

        sid = uuid.uuid4().hex
        try:
            await alice["xep_0096"].request_file_transfer(parrot_full, sid=sid, name="huge.iso",
                                                          size=MAX_FILE_BYTES + 1, timeout=TIMEOUT,
                                                          methods=[{"value": IBB_NS}])
            raise AssertionError("an oversized offer was accepted")
        except IqError as error:
            assert error.iq["error"]["condition"] == "forbidden", error.iq
        report = await report_for(alice, sid)
        assert report["verdict"] == "REFUSED" and "at most" in report["failure"], report
        print("oversized offer:", report["failure"])

        sid = uuid.uuid4().hex
        try:
            await alice["xep_0096"].request_file_transfer(parrot_full, sid=sid, name="odd.bin", size=10,
                                                          methods=[{"value": "jabber:iq:oob"}], timeout=TIMEOUT)
            raise AssertionError("an offer without a usable method was accepted")
        except IqError as error:
            assert error.iq["error"]["condition"] == "bad-request", error.iq
            assert error.iq.xml.find(f".//{{{SI_NS}}}no-valid-streams") is not None, error.iq
        report = await report_for(alice, sid)
        assert report["verdict"] == "REFUSED", report
        print("no valid streams: refused")

        # Per-contact limit (3 by default): three accepted offers that never
        # send a byte hold their slots; the fourth is refused at once.
        held = [await offer(alice, parrot_full, b"x" * 10, f"held-{i}.bin") for i in range(3)]
        assert all(chosen for _, chosen in held), held
        sid = uuid.uuid4().hex
        try:
            await alice["xep_0096"].request_file_transfer(
                parrot_full, sid=sid, name="fourth.bin", size=10, timeout=TIMEOUT,
                methods=[{"value": "http://jabber.org/protocol/bytestreams"}])
            raise AssertionError("a fourth concurrent offer was accepted")
        except IqError as error:
            assert error.iq["error"]["condition"] == "forbidden", error.iq
        report = await report_for(alice, sid)
        assert report["verdict"] == "REFUSED" and "already" in report["failure"], report
        print("fourth concurrent transfer:", report["failure"])


        # The last report is what !report returns.
        alice.send_message(mto=parrot.jid, mbody="!report", mtype="chat")
        reply = await alice.next_message(timeout=TIMEOUT, predicate=lambda m: m.xml.find(f"{{{REPORT_NS}}}report") is not None)
        assert json.loads(reply.xml.find(f"{{{REPORT_NS}}}report").text)["id"] == sid

        # The limits count every mechanism: with three SI transfers held, an
        # HTTP Upload link from the same contact is refused as well.
        link = f"https://{parrot.jid.split('@')[1]}/upload/held.bin"
        message = alice.make_message(mto=parrot.jid, mbody=link, mtype="chat")
        oob = ET.SubElement(message.xml, "{jabber:x:oob}x")
        ET.SubElement(oob, "{jabber:x:oob}url").text = link
        message.send()

        def link_report(m):
            element = m.xml.find(f"{{{REPORT_NS}}}report")
            return element is not None and json.loads(element.text).get("mechanism") == "http-upload"
        refused = await alice.next_message(timeout=TIMEOUT, predicate=link_report)
        link_facts = json.loads(refused.xml.find(f"{{{REPORT_NS}}}report").text)
        assert link_facts["verdict"] == "REFUSED" and "3 transfers running" in link_facts["failure"], link_facts
        print("a link while three SI transfers run:", link_facts["failure"])
    finally:
        if alice:
            alice.disconnect()
        host.server.close()
        parrot.stop()
        prosody.cleanup()


if __name__ == "__main__":
    harness.run_test(main)
