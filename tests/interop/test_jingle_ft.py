#!/usr/bin/python3
"""Jingle File Transfer (XEP-0234 :5) into parrot, from a slixmpp sender.

slixmpp has no Jingle FT, so the sender here builds the stanzas itself in the
shapes Conversations, Dino and Gajim send (docs/client-quirks.md#files). Each
file is made with os.urandom, its sha-256 computed with hashlib and compared
with the one in parrot's report (<report xmlns='urn:parrot:report:1'>).

  1. IBB (XEP-0261 + XEP-0047): 0 B, 1 B, 1 MiB (block 4096, with a correct
     checksum after the data, Conversations-style) and 16 MiB (block 65535);
     1 MiB offered in the older :4 and :3 namespaces, answered in kind;
  2. SOCKS5 direct (XEP-0260): the test's own SOCKS5 streamhost on loopback
     as the sender's candidate: 0 B, 1 B, 1 MiB, 64 MiB, and a Gajim 1.x
     streamhost that expects the Jingle session id in DST.ADDR;
  3. SOCKS5 through Prosody's mod_proxy65: the sender's proxy candidate,
     activated by the sender after parrot's candidate-used (1 MiB, 64 MiB),
     and parrot's own proxy candidate (found through disco, offered in
     session-accept with dstaddr, activated by parrot when the sender
     nominates it): 1 B, 1 MiB;
  3c. parrot's own direct candidate (a listener on --s5b-address
     127.0.0.1): the sender connects with each DST.ADDR senders use
     (owner first as Conversations and Dino, initiator first as Psi, the
     session sid as Gajim 1.x), after a wrong DST.ADDR that parrot refuses
     without ending the transfer: 1 B, 1 MiB;
  4. transport-replace from SOCKS5 to IBB after parrot's candidate-error;
  5. bad input: a wrong advertised hash (HASH MISMATCH), more bytes than
     announced over IBB and SOCKS5 (TOO LONG), a sender that disconnects
     mid-stream (SHORT), IBB blocks out of order and over the block size
     (error replies, FAILED), only unknown transports (session-terminate
     unsupported-transports, REFUSED), a file over --max-file-bytes
     (decline + file-too-large, REFUSED), and 50 offers at once from one
     contact: the per-contact limit answers busy while another contact's
     transfer goes on.
"""
import asyncio
import base64
import hashlib
import json
import os
import secrets
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from slixmpp.exceptions import IqError  # noqa: E402
from slixmpp.xmlstream.handler import Callback  # noqa: E402
from slixmpp.xmlstream.matcher.base import MatcherBase  # noqa: E402

NS_JINGLE = "urn:xmpp:jingle:1"
NS_FT = "urn:xmpp:jingle:apps:file-transfer:5"
NS_FT4 = "urn:xmpp:jingle:apps:file-transfer:4"
NS_FT3 = "urn:xmpp:jingle:apps:file-transfer:3"
NS_IBB_T = "urn:xmpp:jingle:transports:ibb:1"
NS_S5B = "urn:xmpp:jingle:transports:s5b:1"
NS_IBB = "http://jabber.org/protocol/ibb"
NS_BYTESTREAMS = "http://jabber.org/protocol/bytestreams"
NS_HASHES = "urn:xmpp:hashes:2"
NS_REPORT = "urn:parrot:report:1"
MiB = 1024 * 1024
MAX_FILE = 128 * MiB
TIMEOUT = 60


def q(ns, name):
    return f"{{{ns}}}{name}"


class _JingleMatcher(MatcherBase):
    def match(self, stanza):
        xml = stanza.xml
        return xml.tag == "{jabber:client}iq" and xml.get("type") == "set" and xml.find(q(NS_JINGLE, "jingle")) is not None


class Sender:
    """One slixmpp account sending files: Jingle IQs from parrot land in a
    queue per sid (each acknowledged), reports in a dict by report id."""

    def __init__(self, client, parrot_full):
        self.client = client
        self.parrot = parrot_full
        self.inbox = {}
        self.reports = {}
        self.report_waiters = []
        client.register_handler(Callback("ft-jingle", _JingleMatcher(None), self._on_jingle))
        client.add_event_handler("message", self._on_message)

    def _queue(self, sid):
        return self.inbox.setdefault(sid, asyncio.Queue())

    def _on_jingle(self, iq):
        iq.reply().send()
        jingle = iq.xml.find(q(NS_JINGLE, "jingle"))
        self._queue(jingle.get("sid")).put_nowait(jingle)

    def _on_message(self, message):
        element = message.xml.find(q(NS_REPORT, "report"))
        if element is not None:
            report = json.loads(element.text)
            self.reports[report["id"]] = report

    async def report(self, rid, timeout=TIMEOUT):
        deadline = asyncio.get_running_loop().time() + timeout
        while rid not in self.reports:
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"no report for {rid}; have {sorted(self.reports)}")
            await asyncio.sleep(0.02)
        return self.reports[rid]

    async def expect(self, sid, action, timeout=TIMEOUT):
        """The next Jingle element from parrot for sid; asserts its action."""
        jingle = await asyncio.wait_for(self._queue(sid).get(), timeout)
        assert jingle.get("action") == action, f"expected {action}, got {ET.tostring(jingle).decode()}"
        return jingle

    def iq(self, child):
        iq = self.client.make_iq_set(ito=self.parrot)
        iq.xml.append(child)
        return iq

    def jingle(self, action, sid):
        element = ET.Element(q(NS_JINGLE, "jingle"), {"action": action, "sid": sid})
        if action == "session-initiate":
            element.set("initiator", str(self.client.boundjid))
        return element

    @staticmethod
    def file_content(name, size, transport, content_name="a-file-offer", hashes=(), media_type=None, ns=NS_FT):
        content = ET.Element(q(NS_JINGLE, "content"),
                             {"creator": "initiator", "name": content_name, "senders": "initiator"})
        description = ET.SubElement(content, q(ns, "description"))
        # :3 wraps the file in <offer> (XEP-0234 0.15).
        holder = ET.SubElement(description, q(ns, "offer")) if ns == NS_FT3 else description
        file = ET.SubElement(holder, q(ns, "file"))
        ET.SubElement(file, q(ns, "name")).text = name
        ET.SubElement(file, q(ns, "size")).text = str(size)
        if media_type:
            # Conversations writes mediaType (docs/client-quirks.md#conversations-files).
            ET.SubElement(file, q(ns, "mediaType")).text = media_type
        for algo, value in hashes:
            ET.SubElement(file, q(NS_HASHES, "hash"), {"algo": algo}).text = value
        content.append(transport)
        return content

    async def initiate(self, sid, contents):
        jingle = self.jingle("session-initiate", sid)
        for content in contents:
            jingle.append(content)
        await self.iq(jingle).send(timeout=TIMEOUT)

    async def send_jingle(self, sid, action, children):
        jingle = self.jingle(action, sid)
        for child in children:
            jingle.append(child)
        return await self.iq(jingle).send(timeout=TIMEOUT)

    async def checksum(self, sid, content_name, algo, digest):
        checksum = ET.Element(q(NS_FT, "checksum"), {"creator": "initiator", "name": content_name})
        file = ET.SubElement(checksum, q(NS_FT, "file"))
        ET.SubElement(file, q(NS_HASHES, "hash"), {"algo": algo}).text = base64.b64encode(digest).decode()
        await self.send_jingle(sid, "session-info", [checksum])

    async def ibb(self, ibb_sid, data, block, window=8, seqs=None, close=False, open_block=None):
        """XEP-0047 open, then data IQs with up to `window` in flight (as
        Conversations keeps 3). Returns the first error reply, if any."""
        await self.iq(ET.Element(q(NS_IBB, "open"), {"sid": ibb_sid, "block-size": str(open_block or block),
                                                     "stanza": "iq"})).send(timeout=TIMEOUT)
        pending = []
        chunks = [data[i:i + block] for i in range(0, len(data), block)]
        error = None
        for index, chunk in enumerate(chunks):
            seq = seqs[index] if seqs else index % 65536
            element = ET.Element(q(NS_IBB, "data"), {"sid": ibb_sid, "seq": str(seq)})
            element.text = base64.b64encode(chunk).decode()
            pending.append(self.iq(element).send(timeout=TIMEOUT))
            if len(pending) >= window:
                answer = await _iq_error(pending.pop(0))
                error = error or answer
        for future in pending:
            answer = await _iq_error(future)
            error = error or answer
        if close:
            await _iq_error(self.iq(ET.Element(q(NS_IBB, "close"), {"sid": ibb_sid})).send(timeout=TIMEOUT))
        return error


async def _iq_error(future):
    try:
        await future
        return None
    except IqError as error:
        return error.iq["error"]["condition"]


def ibb_transport(sid, block):
    return ET.Element(q(NS_IBB_T, "transport"), {"sid": sid, "block-size": str(block)})


def s5b_transport(sid, candidates):
    transport = ET.Element(q(NS_S5B, "transport"), {"sid": sid})
    for cid, host, jid, port, priority, kind in candidates:
        ET.SubElement(transport, q(NS_S5B, "candidate"), {"cid": cid, "host": host, "jid": jid, "port": str(port),
                                                           "priority": str(priority), "type": kind})
    return transport


def content_ref(name="a-file-offer"):
    return ET.Element(q(NS_JINGLE, "content"), {"creator": "initiator", "name": name})


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def check(report, data, verdict="FILE OK", transport=None):
    assert report["verdict"] == verdict, report
    if verdict in ("FILE OK", "HASH MISMATCH"):
        assert report["bytes_received"] == len(data), report
        assert report["sha256"] == sha256(data), (report["sha256"], sha256(data))
        assert report["sha1"] == hashlib.sha1(data).hexdigest(), report
    if transport:
        assert report["transport"] == transport, report


class Streamhost:
    """A SOCKS5 streamhost on loopback (the sender's direct candidate): it
    accepts parrot's CONNECT for the expected DST.ADDR, then sends the file
    once `go` is set (after parrot's candidate-used, XEP-0260 §2.4)."""

    def __init__(self, dst_addr, data, extra=b"", cut_after=None):
        self.dst_addr = dst_addr.encode()
        self.data = data
        self.extra = extra
        self.cut_after = cut_after
        self.go = asyncio.Event()
        self.connected = asyncio.Event()
        self.refused = 0

    async def start(self):
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def _serve(self, reader, writer):
        try:
            addr, port = await harness.socks5_read_connect(reader, writer)
            if addr != self.dst_addr or port != b"\x00\x00":
                self.refused += 1
                harness.socks5_reply(writer, 2, addr)
                await writer.drain()
                writer.close()
                return
            harness.socks5_reply(writer, 0, addr)
            await writer.drain()
            self.connected.set()
            await self.go.wait()
            await send_all(writer, self.data, self.cut_after)
            if self.cut_after is None and self.extra:
                writer.write(self.extra)
            await writer.drain()
            writer.close()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    def close(self):
        self.server.close()


async def send_all(writer, data, cut_after=None):
    view = memoryview(data)[:cut_after] if cut_after is not None else memoryview(data)
    for i in range(0, len(view), 256 * 1024):
        writer.write(view[i:i + 256 * 1024])
        await writer.drain()


def dst_addr(sid, initiator, target):
    return hashlib.sha1(f"{sid}{initiator}{target}".encode()).hexdigest()


async def ibb_case(alice, size, block, with_checksum=False, wrong_hash=False, name=None, ns=NS_FT):
    data = os.urandom(size)
    sid, tsid = secrets.token_hex(8), secrets.token_hex(8)
    hashes = []
    if wrong_hash:
        hashes = [("sha-256", base64.b64encode(hashlib.sha256(b"not the file").digest()).decode())]
    await alice.initiate(sid, [Sender.file_content(name or f"ibb-{size}.bin", size, ibb_transport(tsid, block),
                                                   hashes=hashes, media_type="application/octet-stream", ns=ns)])
    accept = await alice.expect(sid, "session-accept")
    transport = accept.find(f"{q(NS_JINGLE, 'content')}/{q(NS_IBB_T, 'transport')}")
    assert transport is not None and transport.get("sid") == tsid, ET.tostring(accept)
    assert int(transport.get("block-size")) == block, ET.tostring(transport)
    assert accept.find(f".//{q(ns, 'description')}") is not None, "parrot answers in the offer's namespace"
    assert accept.find(f".//{q(ns, 'range')}") is None, "parrot must not ask for a range"
    error = await alice.ibb(tsid, data, block)
    assert error is None, error
    if with_checksum:
        await alice.checksum(sid, "a-file-offer", "sha-256", hashlib.sha256(data).digest())
    info = await alice.expect(sid, "session-info")
    assert info.find(q(ns, "received")) is not None, ET.tostring(info)
    terminate = await alice.expect(sid, "session-terminate")
    assert terminate.find(f"{q(NS_JINGLE, 'reason')}/{q(NS_JINGLE, 'success')}") is not None, ET.tostring(terminate)
    report = await alice.report(sid)
    check(report, data, "HASH MISMATCH" if wrong_hash else "FILE OK", "IBB")
    if with_checksum:
        assert report["match"] is True, report
    print(f"IBB {size} B block {block}: {report['verdict']}, {report['throughput_mbps']:.1f} Mbit/s")
    return report


async def s5b_case(alice, parrot_full, size, gajim=False, extra=b"", cut_after=None, proxy=None, verdict="FILE OK"):
    data = os.urandom(size)
    sid, tsid = secrets.token_hex(8), secrets.token_hex(8)
    me = str(alice.client.boundjid)
    # Gajim 1.x hashes the Jingle session id instead of the transport's.
    expected = dst_addr(sid if gajim else tsid, me, parrot_full)
    if proxy:
        candidates = [("proxy1", "127.0.0.1", proxy.jid, proxy.port, 10 << 16, "proxy")]
    else:
        host = await Streamhost(expected, data, extra, cut_after).start()
        candidates = [("dead", "127.0.0.1", me, harness.free_port(), 126 << 16, "direct"),
                      ("live", "127.0.0.1", me, host.port, 120 << 16, "direct")]
    await alice.initiate(sid, [Sender.file_content(f"s5b-{size}.bin", size, s5b_transport(tsid, candidates))])
    accept = await alice.expect(sid, "session-accept")
    assert accept.find(f".//{q(NS_S5B, 'transport')}").get("sid") == tsid
    info = await alice.expect(sid, "transport-info")
    used = info.find(f".//{q(NS_S5B, 'candidate-used')}")
    assert used is not None, ET.tostring(info)
    if proxy:
        assert used.get("cid") == "proxy1"
        await proxy.send(alice, tsid, expected, parrot_full, data, sid)
    else:
        assert used.get("cid") == "live", ET.tostring(used)
        # parrot offered no candidates: the sender's own is nominated.
        await alice.send_jingle(sid, "transport-info", [
            _with(content_ref(), _with(ET.Element(q(NS_S5B, "transport"), {"sid": tsid}),
                                       ET.Element(q(NS_S5B, "candidate-error"))))])
        host.go.set()
    if verdict == "FILE OK":
        await alice.expect(sid, "session-info")
    terminate = await alice.expect(sid, "session-terminate")
    report = await alice.report(sid)
    kind = "SOCKS5 proxy" if proxy else "SOCKS5 direct"
    if verdict == "FILE OK":
        assert terminate.find(f".//{q(NS_JINGLE, 'success')}") is not None, ET.tostring(terminate)
        check(report, data, verdict, kind)
    else:
        assert report["verdict"] == verdict, report
    print(f"{kind} {size} B{' (Gajim sid)' if gajim else ''}: {report['verdict']}, "
          f"{report['throughput_mbps']:.1f} Mbit/s")
    if not proxy:
        host.close()
    return report


def _with(parent, child):
    parent.append(child)
    return parent


class Proxy65:
    """The sender's side of Prosody's mod_proxy65 (XEP-0065 §6)."""

    def __init__(self, jid, port):
        self.jid = jid
        self.port = port

    async def send(self, alice, tsid, dst, target, data, sid):
        code, _, writer = await harness.socks5_connect(self.port, dst)
        assert code == 0, code
        query = ET.Element(q(NS_BYTESTREAMS, "query"), {"sid": tsid})
        ET.SubElement(query, q(NS_BYTESTREAMS, "activate")).text = target
        iq = alice.client.make_iq_set(ito=self.jid)
        iq.xml.append(query)
        await iq.send(timeout=TIMEOUT)
        await alice.send_jingle(sid, "transport-info", [
            _with(content_ref(), _with(ET.Element(q(NS_S5B, "transport"), {"sid": tsid}),
                                       ET.Element(q(NS_S5B, "activated"), {"cid": "proxy1"})))])
        await send_all(writer, data)
        writer.close()


async def send_via_parrots_proxy(alice, sid, tsid, offered, proxy_port, dst, data):
    """The sender nominates parrot's proxy candidate `offered` (connected to
    the proxy first, as XEP-0260 §2.4 has the nominating side do); parrot,
    its owner, activates it and says so; then the bytes go through."""
    code, _, writer = await harness.socks5_connect(proxy_port, dst)
    assert code == 0, code
    await alice.send_jingle(sid, "transport-info", [
        _with(content_ref(), _with(ET.Element(q(NS_S5B, "transport"), {"sid": tsid}),
                                   ET.Element(q(NS_S5B, "candidate-used"), {"cid": offered.get("cid")})))])
    info = await alice.expect(sid, "transport-info")
    assert info.find(f".//{q(NS_S5B, 'activated')}").get("cid") == offered.get("cid"), ET.tostring(info)
    await send_all(writer, data)
    writer.close()
    check(await alice.report(sid), data, "FILE OK", "SOCKS5 proxy")


async def parrots_direct_case(alice, parrot_full, size, order):
    """The sender reaches parrot's own direct candidate, not the other way."""
    data = os.urandom(size)
    sid, tsid = secrets.token_hex(8), secrets.token_hex(8)
    me = str(alice.client.boundjid)
    await alice.initiate(sid, [Sender.file_content("to-parrots-candidate.bin", size, s5b_transport(
        tsid, [("unreachable", "127.0.0.1", me, harness.free_port(), 126 << 16, "direct")]))])
    accept = await alice.expect(sid, "session-accept")
    transport = accept.find(f".//{q(NS_S5B, 'transport')}")
    direct = [c for c in transport.findall(q(NS_S5B, "candidate")) if c.get("type") == "direct"]
    assert len(direct) == 1, ET.tostring(transport)
    candidate = direct[0]
    assert (candidate.get("host"), candidate.get("jid")) == ("127.0.0.1", parrot_full), ET.tostring(candidate)
    assert int(candidate.get("priority")) >> 16 == 126, ET.tostring(candidate)
    port = int(candidate.get("port"))
    # A CONNECT for some other stream is refused; the transfer goes on.
    code, _, writer = await harness.socks5_connect(port, dst_addr(tsid, me, "mallory@example.org/x"))
    assert code != 0, code
    writer.close()
    dst = {"owner-first": dst_addr(tsid, parrot_full, me),       # Conversations, Dino
           "initiator-first": dst_addr(tsid, me, parrot_full),   # Psi
           "gajim": dst_addr(sid, me, parrot_full)}[order]       # Gajim 1.x: the session sid
    code, _, writer = await harness.socks5_connect(port, dst)
    assert code == 0, code
    info = await alice.expect(sid, "transport-info")
    assert info.find(f".//{q(NS_S5B, 'candidate-error')}") is not None, ET.tostring(info)
    await alice.send_jingle(sid, "transport-info", [
        _with(content_ref(), _with(ET.Element(q(NS_S5B, "transport"), {"sid": tsid}),
                                   ET.Element(q(NS_S5B, "candidate-used"), {"cid": candidate.get("cid")})))])
    await send_all(writer, data)
    writer.close()
    await alice.expect(sid, "session-info")
    report = await alice.report(sid)
    check(report, data, "FILE OK", "SOCKS5 direct")
    print(f"SOCKS5 to parrot's direct candidate {size} B ({order}): FILE OK")


async def main():
    prosody = harness.Prosody(users=[("parrot", "parrot-secret"), ("alice", "alice-secret"), ("bob", "bob-secret")])
    # Prosody's XEP-0065 proxy on a free loopback port: global options
    # before the VirtualHost, the component after it.
    proxy_port = harness.free_port()
    with open(prosody.config) as f:
        config = f.read()
    config = config.replace('VirtualHost "', f'proxy65_ports = {{ {proxy_port} }}\nproxy65_interfaces = {{ "127.0.0.1" }}\n'
                            'c2s_stanza_size_limit = 1024*1024\nVirtualHost "', 1)
    config += f'Component "proxy.{prosody.domain}" "proxy65"\n  proxy65_address = "127.0.0.1"\n'
    with open(prosody.config, "w") as f:
        f.write(config)
    prosody.start()
    parrot = harness.Parrot(prosody, extra=["--max-file-bytes", str(MAX_FILE), "--transfer-idle-seconds", "3",
                                            "--s5b-address", "127.0.0.1",
                                            # A late checksum comes within ms on loopback;
                                            # 3 s per file would be most of the test.
                                            "--checksum-grace-ms", "1000"],
                            log_level="info").start()
    clients = []
    try:
        await parrot.until_log("online as")
        parrot_full = f"{parrot.jid}/parrot"
        alice_client = harness.Client(prosody, "alice", "alice-secret")
        bob_client = harness.Client(prosody, "bob", "bob-secret")
        for client in (alice_client, bob_client):
            clients.append(client)
            await client.online()
            await client.befriend(parrot.jid)
        alice = Sender(alice_client, parrot_full)
        bob = Sender(bob_client, parrot_full)

        info = await alice_client.plugin["xep_0030"].get_info(jid=parrot_full)
        features = info["disco_info"]["features"]
        for feature in (NS_FT, NS_FT4, NS_FT3, NS_S5B, NS_IBB_T, NS_HASHES,
                        "urn:xmpp:hash-function-text-names:sha-256"):
            assert feature in features, feature

        # 1. IBB.
        for size, block in ((0, 4096), (1, 4096)):
            await ibb_case(alice, size, block)
        await ibb_case(alice, MiB, 4096, with_checksum=True)
        # 16 MiB in blocks of 65535 over Prosody: the large-file path without
        # the half minute 64 MiB of base64 takes (SOCKS5 below keeps 64 MiB).
        await ibb_case(alice, 16 * MiB, 65535)
        # Pre-2017 senders (Conversations <= 2.12 towards old peers, Gajim 0.16).
        await ibb_case(alice, MiB, 4096, ns=NS_FT4)
        await ibb_case(alice, MiB, 4096, ns=NS_FT3)

        # 2. SOCKS5 direct.
        for size in (0, 1, MiB, 64 * MiB):
            await s5b_case(alice, parrot_full, size)
        await s5b_case(alice, parrot_full, MiB, gajim=True)

        # 3. SOCKS5 through the server's proxy.
        proxy = Proxy65(f"proxy.{prosody.domain}", proxy_port)
        for size in (MiB, 64 * MiB):
            await s5b_case(alice, parrot_full, size, proxy=proxy)

        # 3b. parrot's own candidate: its server's proxy (found through
        # disco), nominated by a sender whose direct candidate parrot cannot
        # reach; parrot activates it and says <activated/>.
        await parrot.until_log("offering the server's SOCKS5 proxy")
        for size in (1, MiB):
            data = os.urandom(size)
            sid, tsid = secrets.token_hex(8), secrets.token_hex(8)
            me = str(alice_client.boundjid)
            await alice.initiate(sid, [Sender.file_content("via-parrots-proxy.bin", size, s5b_transport(
                tsid, [("unreachable", "127.0.0.1", me, harness.free_port(), 126 << 16, "direct")]))])
            accept = await alice.expect(sid, "session-accept")
            transport = accept.find(f".//{q(NS_S5B, 'transport')}")
            offered = next((c for c in transport.findall(q(NS_S5B, "candidate")) if c.get("type") == "proxy"), None)
            assert offered is not None and offered.get("type") == "proxy", ET.tostring(transport)
            assert (offered.get("jid"), int(offered.get("port"))) == (proxy.jid, proxy_port), ET.tostring(offered)
            owner_first = dst_addr(tsid, parrot_full, me)  # XEP-0260 §2.2: parrot's proxy, parrot first
            assert transport.get("dstaddr") == owner_first, ET.tostring(transport)
            info = await alice.expect(sid, "transport-info")
            assert info.find(f".//{q(NS_S5B, 'candidate-error')}") is not None, ET.tostring(info)
            await send_via_parrots_proxy(alice, sid, tsid, offered, proxy_port, owner_first, data)
            print(f"SOCKS5 via parrot's proxy {size} B: FILE OK")

        # 3d. Both sides offer only the server's proxy, at equal priority:
        # each sends candidate-used for the other's. XEP-0260 §2.4 gives the
        # tie to the initiator's choice (the sender's candidate-used, naming
        # parrot's proxy), so parrot, its owner, connects and activates it.
        data = os.urandom(MiB)
        sid, tsid = secrets.token_hex(8), secrets.token_hex(8)
        me = str(alice_client.boundjid)
        await alice.initiate(sid, [Sender.file_content("proxy-tie.bin", len(data), s5b_transport(
            tsid, [("proxy1", "127.0.0.1", proxy.jid, proxy_port, 10 << 16, "proxy")]))])
        accept = await alice.expect(sid, "session-accept")
        transport = accept.find(f".//{q(NS_S5B, 'transport')}")
        offered = next(c for c in transport.findall(q(NS_S5B, "candidate")) if c.get("type") == "proxy")
        assert int(offered.get("priority")) == 10 << 16, ET.tostring(offered)
        info = await alice.expect(sid, "transport-info")
        assert info.find(f".//{q(NS_S5B, 'candidate-used')}").get("cid") == "proxy1", ET.tostring(info)
        await send_via_parrots_proxy(alice, sid, tsid, offered, proxy_port, dst_addr(tsid, parrot_full, me), data)
        print("SOCKS5 proxy offered by both sides at equal priority: parrot activated its own, FILE OK")

        # 3c. parrot's own direct candidate, with each sender's DST.ADDR.
        await parrots_direct_case(alice, parrot_full, 1, "initiator-first")
        await parrots_direct_case(alice, parrot_full, MiB, "owner-first")
        await parrots_direct_case(alice, parrot_full, MiB, "gajim")

        # 4. transport-replace to IBB after parrot's candidate-error.
        data = os.urandom(100_000)
        sid, tsid = secrets.token_hex(8), secrets.token_hex(8)
        await alice.initiate(sid, [Sender.file_content("replaced.bin", len(data), s5b_transport(
            tsid, [("gone", "127.0.0.1", str(alice_client.boundjid), harness.free_port(), 126 << 16, "direct")]))])
        await alice.expect(sid, "session-accept")
        info = await alice.expect(sid, "transport-info")
        assert info.find(f".//{q(NS_S5B, 'candidate-error')}") is not None, ET.tostring(info)
        await alice.send_jingle(sid, "transport-replace", [_with(content_ref(), ibb_transport("ibb-" + tsid, 8192))])
        accept = await alice.expect(sid, "transport-accept")
        assert accept.find(f".//{q(NS_IBB_T, 'transport')}").get("sid") == "ibb-" + tsid
        assert await alice.ibb("ibb-" + tsid, data, 8192) is None
        check(await alice.report(sid), data, "FILE OK", "IBB")
        # The sender's <close/> after parrot finished by size gets a result
        # (XEP-0047 §2.3); an error here made slixmpp call the transfer failed.
        await alice.iq(ET.Element(q(NS_IBB, "close"), {"sid": "ibb-" + tsid})).send(timeout=TIMEOUT)
        print("transport-replace SOCKS5 -> IBB: FILE OK")

        # 5. Bad input.
        await ibb_case(alice, 5000, 4096, wrong_hash=True)

        # More bytes than announced, IBB: 4096 announced, 8192 sent.
        sid, tsid = secrets.token_hex(8), secrets.token_hex(8)
        data = os.urandom(8192)
        await alice.initiate(sid, [Sender.file_content("liar.bin", 4096 + 100, ibb_transport(tsid, 4096))])
        await alice.expect(sid, "session-accept")
        error = await alice.ibb(tsid, data, 4096)
        assert error == "not-acceptable", error
        report = await alice.report(sid)
        assert report["verdict"] == "TOO LONG", report
        terminate = await alice.expect(sid, "session-terminate")
        assert terminate.find(f".//{q('urn:xmpp:jingle:apps:file-transfer:errors:0', 'file-too-large')}") is not None
        print("IBB more bytes than announced: TOO LONG")

        # More bytes than announced and a disconnect mid-stream, SOCKS5.
        await s5b_case(alice, parrot_full, MiB, extra=b"surplus", verdict="TOO LONG")
        await s5b_case(alice, parrot_full, MiB, cut_after=300_000, verdict="SHORT")

        # IBB blocks out of order, and over the block size.
        for label, seqs, block, open_block, condition in (
                ("out of order", [0, 2, 1], 4096, None, "unexpected-request"),
                ("over the block size", None, 8192, 4096, "not-acceptable")):
            sid, tsid = secrets.token_hex(8), secrets.token_hex(8)
            data = os.urandom(3 * 4096)
            await alice.initiate(sid, [Sender.file_content("bad.bin", len(data), ibb_transport(tsid, 4096))])
            await alice.expect(sid, "session-accept")
            # The open names the negotiated size; the blocks break it.
            error = await alice.ibb(tsid, data, block, window=1, seqs=seqs, open_block=open_block or 4096)
            assert error == condition, (label, error)
            report = await alice.report(sid)
            assert report["verdict"] == "FAILED", report
            await alice.expect(sid, "session-terminate")
            print(f"IBB blocks {label}: {condition}, {report['verdict']}")

        # Only unknown transports.
        sid = secrets.token_hex(8)
        await alice.initiate(sid, [Sender.file_content("x.bin", 10, ET.Element("{urn:example:teleport}transport"))])
        terminate = await alice.expect(sid, "session-terminate")
        assert terminate.find(f".//{q(NS_JINGLE, 'unsupported-transports')}") is not None, ET.tostring(terminate)
        assert (await alice.report(sid))["verdict"] == "REFUSED"
        print("unknown transports: unsupported-transports, REFUSED")

        # Too large.
        sid = secrets.token_hex(8)
        await alice.initiate(sid, [Sender.file_content("huge.iso", 1 << 30, ibb_transport("t", 4096))])
        terminate = await alice.expect(sid, "session-terminate")
        assert terminate.find(f".//{q(NS_JINGLE, 'decline')}") is not None, ET.tostring(terminate)
        report = await alice.report(sid)
        assert report["verdict"] == "REFUSED" and "limit" in report["failure"], report
        print("too large: decline, REFUSED")

        # 50 offers at once from alice; bob's transfer goes on meanwhile.
        sids = [secrets.token_hex(8) for _ in range(50)]
        await asyncio.gather(*(alice.initiate(sid, [Sender.file_content(f"many-{i}.bin", 1000, ibb_transport(
            f"t{i}", 4096))]) for i, sid in enumerate(sids)))
        answers = [await asyncio.wait_for(alice._queue(sid).get(), TIMEOUT) for sid in sids]
        busy = [a for a in answers if a.get("action") == "session-terminate"
                and a.find(f".//{q(NS_JINGLE, 'busy')}") is not None]
        accepted = [a for a in answers if a.get("action") == "session-accept"]
        assert len(accepted) == 3 and len(busy) == 47, (len(accepted), len(busy))

        async def finish(jingle):
            index = sids.index(jingle.get("sid"))
            data = os.urandom(1000)
            assert await alice.ibb(f"t{index}", data, 4096) is None
            check(await alice.report(jingle.get("sid")), data)

        await asyncio.gather(ibb_case(bob, MiB, 4096), *(finish(jingle) for jingle in accepted))
        for jingle in busy:
            assert (await alice.report(jingle.get("sid")))["verdict"] == "REFUSED"
        print("50 at once: 3 accepted, 47 busy; bob's transfer went on")
        assert parrot.process.poll() is None, "parrot died"
    finally:
        for client in clients:
            client.disconnect()
        parrot.stop()
        prosody.cleanup()


if __name__ == "__main__":
    harness.run_test(main)
