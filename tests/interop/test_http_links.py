#!/usr/bin/python3
"""HTTP Upload links: a slixmpp client uploads files through
XEP-0363 (slixmpp's own xep_0363 plugin) to a real Prosody's
mod_http_file_share, served over HTTPS on loopback with the test's own CA,
and sends parrot the link the way Conversations does (body = URL plus
XEP-0066 oob), once with a XEP-0447 <file-sharing> carrying a XEP-0300
sha-256 (as Dino does). parrot's JSON report must carry the sha-256 this test
computed with hashlib.

  1. positive (parrot A, --allow-private-links since the uploads are on
     127.0.0.1): 0 B, 1 MiB and 64 MiB downloaded and hashed; the upload
     host is allowed because disco finds it on the sender's domain (XEP-0363
     §3); the XEP-0447 hash matches, a wrong one gives HASH MISMATCH; the
     link messages are not echoed as chat, and !report returns the last one;
  2. a server that sends headers then nothing (a small Python HTTPS server
     here) is cut off after --transfer-idle-seconds with a clear message;
  3. an oversized file (parrot B, --max-file-bytes 1000) is refused;
  4. without --allow-private-links (parrot C) the same upload link is refused
     because it resolves to loopback; a plain http:// link and a link to a
     host that is neither the sender's domain nor its upload service are
     refused too. Each refusal is a REFUSED report with its reason.
"""
import asyncio
import hashlib
import json
import os
import socket
import ssl
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
import slixmpp.plugins.xep_0363.http_upload as http_upload  # noqa: E402
import aiohttp  # noqa: E402
import slixmpp  # noqa: E402
from aiohttp.abc import AbstractResolver  # noqa: E402

REPORT_NS = "urn:parrot:report:1"
UPLOAD_HOST = f"upload.{harness.DOMAIN}"
STALL_HOST = f"stall.{harness.DOMAIN}"
MiB = 1024 * 1024


class LoopbackResolver(AbstractResolver):
    """aiohttp: every *.parrot.test name is 127.0.0.1 (no DNS in tests)."""

    async def resolve(self, host, port=0, family=socket.AF_INET):
        return [{"hostname": host, "host": "127.0.0.1", "port": port, "family": socket.AF_INET,
                 "proto": 0, "flags": 0}]

    async def close(self):
        pass


def trust_test_ca(ca_file):
    """slixmpp's xep_0363 opens its own aiohttp ClientSession: give it the
    loopback resolver and the test CA."""
    context = ssl.create_default_context(cafile=ca_file)
    original = aiohttp.ClientSession

    def session(*args, **kwargs):
        kwargs["connector"] = aiohttp.TCPConnector(resolver=LoopbackResolver(), ssl=context)
        return original(*args, **kwargs)
    http_upload.ClientSession = session


def enable_file_share(prosody, https_port, size_limit=100 * MiB):
    """mod_http_file_share on upload.parrot.test, HTTPS on loopback with the
    harness's certificate (its SAN covers *.parrot.test)."""
    with open(prosody.config) as f:
        config = f.read()
    config = config.replace("https_ports = { }", f"https_ports = {{ {https_port} }}\nhttps_interfaces = {{ \"127.0.0.1\" }}\n"
                            f"https_ssl = {{ certificate = \"{prosody.root}/{prosody.domain}.crt\"; "
                            f"key = \"{prosody.root}/{prosody.domain}.key\" }}")
    config += f"""
Component "{UPLOAD_HOST}" "http_file_share"
  http_file_share_size_limit = {size_limit}
  http_file_share_daily_quota = {16 * size_limit}
"""
    with open(prosody.config, "w") as f:
        f.write(config)


class StallingServer:
    """HTTPS that sends its headers and a few bytes, then nothing."""

    def __init__(self, cert, key):
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(cert, key)
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(4)
        self.port = self.listener.getsockname()[1]
        self.connections = []
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while True:
            try:
                raw, _ = self.listener.accept()
            except OSError:
                return
            try:
                conn = self.context.wrap_socket(raw, server_side=True)
                conn.recv(4096)
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\nContent-Type: text/plain\r\n\r\npartial")
                self.connections.append(conn)  # held open, silent
            except (OSError, ssl.SSLError):
                raw.close()

    def close(self):
        self.listener.close()
        for conn in self.connections:
            conn.close()


def link_message(client, to, url, sfs_sha256=None, size=None, name=None):
    message = client.make_message(mto=to, mbody=url, mtype="chat")
    message["oob"]["url"] = url
    if sfs_sha256 is not None:
        # XEP-0447 with XEP-0446 metadata and a XEP-0300 hash, as Dino sends.
        from xml.etree import ElementTree as ET
        sharing = ET.Element("{urn:xmpp:sfs:0}file-sharing", {"id": f"sfs-{time.monotonic_ns()}"})
        file = ET.SubElement(sharing, "{urn:xmpp:file:metadata:0}file")
        ET.SubElement(file, "{urn:xmpp:file:metadata:0}name").text = name
        ET.SubElement(file, "{urn:xmpp:file:metadata:0}size").text = str(size)
        digest = ET.SubElement(file, "{urn:xmpp:hashes:2}hash", {"algo": "sha-256"})
        import base64
        digest.text = base64.b64encode(sfs_sha256).decode()
        sources = ET.SubElement(sharing, "{urn:xmpp:sfs:0}sources")
        ET.SubElement(sources, "{http://jabber.org/protocol/url-data}url-data", {"target": url})
        message.append(sharing)
    message.send()


async def report_for(client, timeout=60, url=None):
    """The next report; every other message before it must not echo `url`
    (a shared link is fetched, not echoed as chat)."""
    def is_report(message):
        assert url is None or message["body"] != url, f"the link was echoed: {message}"
        return message.xml.find(f"{{{REPORT_NS}}}report") is not None
    message = await client.next_message(timeout, is_report)
    return message["body"], json.loads(message.xml.find(f"{{{REPORT_NS}}}report").text)


async def upload(client, directory, name, data):
    path = os.path.join(directory, name)
    with open(path, "wb") as f:
        f.write(data)
    return await client.plugin["xep_0363"].upload_file(path, domain=harness.DOMAIN, timeout=60)


async def main():
    https_port = free = harness.free_port()
    del free
    prosody = harness.Prosody(users=[("parrot", "parrot-secret"), ("parrotb", "parrotb-secret"),
                                     ("parrotc", "parrotc-secret"), ("alice", "alice-secret")])
    enable_file_share(prosody, https_port)
    prosody.start()
    harness.wait_for_port(https_port)
    trust_test_ca(prosody.ca_file)
    cert, key = f"{prosody.root}/{prosody.domain}.crt", f"{prosody.root}/{prosody.domain}.key"
    stall = StallingServer(cert, key)
    common = ["--link-ca-file", prosody.ca_file, "--link-resolve", f"{UPLOAD_HOST}:{https_port}:127.0.0.1",
              "--link-resolve", f"{STALL_HOST}:{stall.port}:127.0.0.1"]
    parrot_a = harness.Parrot(prosody, extra=common + ["--allow-private-links", "--transfer-idle-seconds", "2",
                                                        "--link-allow-host", STALL_HOST], log_level="info").start()
    parrot_b = harness.Parrot(prosody, user="parrotb", password="parrotb-secret",
                              extra=common + ["--allow-private-links", "--max-file-bytes", "1000"],
                              log_level="info").start()
    parrot_c = harness.Parrot(prosody, user="parrotc", password="parrotc-secret", extra=common,
                              log_level="info").start()
    alice = None
    scratch = os.path.join(prosody.root, "uploads")
    os.makedirs(scratch)
    try:
        for parrot in (parrot_a, parrot_b, parrot_c):
            await parrot.until_log("online as")
        alice = harness.Client(prosody, "alice", "alice-secret")
        alice.register_plugin("xep_0066")
        alice.register_plugin("xep_0363")
        await alice.online()
        # slixmpp 1.8's find_upload_service passes coroutines to asyncio.wait,
        # which Python 3.11 refuses: check the service with disco here and
        # hand it to the plugin, which then requests slots and PUTs itself.
        info = await alice.plugin["xep_0030"].get_info(jid=UPLOAD_HOST)
        assert "urn:xmpp:http:upload:0" in info["disco_info"]["features"], info
        alice.plugin["xep_0363"].upload_service = slixmpp.JID(UPLOAD_HOST)

        # 1. Positive cases through parrot A.
        files = {"empty.bin": b"", "one-mib.bin": os.urandom(MiB), "big.bin": os.urandom(64 * MiB)}
        urls = {}
        for name, data in files.items():
            urls[name] = await upload(alice, scratch, name, data)
            assert urls[name].startswith(f"https://{UPLOAD_HOST}:{https_port}/"), urls[name]
        for name, data in files.items():
            expected = hashlib.sha256(data).digest()
            with_hash = name == "big.bin"
            started = time.monotonic()
            link_message(alice, parrot_a.jid, urls[name], expected if with_hash else None, len(data), name)
            body, report = await report_for(alice, timeout=90, url=urls[name])
            elapsed = time.monotonic() - started
            print(f"{name}: {body} [{elapsed:.2f} s]")
            assert report["kind"] == "file" and report["verdict"] == "FILE OK", report
            assert report["sha256"] == expected.hex(), (report["sha256"], expected.hex())
            assert report["sha1"] == hashlib.sha1(data).hexdigest(), report
            assert report["bytes_received"] == len(data) and report["transport"] == "HTTPS", report
            assert report["mechanism"] == "http-upload", report
            if with_hash:
                assert report["match"] is True and report["advertised"]["sha-256"] == expected.hex(), report
        # The links were fetched, not echoed: nothing but "Fetching …" and reports came.
        alice.drain()
        link_message(alice, parrot_a.jid, urls["one-mib.bin"], b"\x00" * 32, MiB, "one-mib.bin")
        body, report = await report_for(alice)
        print(f"wrong hash: {body}")
        assert report["verdict"] == "HASH MISMATCH" and report["match"] is False, report
        alice.send_message(mto=parrot_a.jid, mbody="!report", mtype="chat")
        message = await alice.next_message(20, lambda m: m.xml.find(f"{{{REPORT_NS}}}report") is not None)
        assert json.loads(message.xml.find(f"{{{REPORT_NS}}}report").text)["id"] == report["id"]

        # 2. A server that stalls after its headers is cut off.
        link_message(alice, parrot_a.jid, f"https://{STALL_HOST}:{stall.port}/stuck.bin")
        body, report = await report_for(alice)
        print(f"stall: {body}")
        assert report["verdict"] == "FAILED" and "sent nothing for 2 s" in report["failure"], report
        assert report["bytes_received"] == len(b"partial"), report

        # 3. Oversized: the Content-Length is above parrot B's limit.
        link_message(alice, parrot_b.jid, urls["one-mib.bin"])
        body, report = await report_for(alice)
        print(f"oversized: {body}")
        assert report["verdict"] == "REFUSED" and "limit of 1000 bytes" in report["failure"], report
        assert report["bytes_received"] == 0, report

        # 4. Refusals by parrot C: loopback, plain http, a stranger's host.
        link_message(alice, parrot_c.jid, urls["one-mib.bin"])
        body, report = await report_for(alice)
        print(f"loopback: {body}")
        assert report["verdict"] == "REFUSED" and "loopback" in report["failure"], report
        link_message(alice, parrot_c.jid, urls["one-mib.bin"].replace("https://", "http://"))
        body, report = await report_for(alice)
        print(f"plain http: {body}")
        assert report["verdict"] == "REFUSED" and "https://" in report["failure"], report
        link_message(alice, parrot_c.jid, "https://files.example.net/x.bin")
        body, report = await report_for(alice)
        print(f"stranger host: {body}")
        assert report["verdict"] == "REFUSED" and "files.example.net" in report["failure"], report

        # Plain chat still echoes.
        alice.send_message(mto=parrot_c.jid, mbody="see https://example.net here", mtype="chat")
        echo = await alice.next_message(20, lambda m: m["body"] == "see https://example.net here")
        assert echo is not None
    finally:
        if alice:
            alice.disconnect()
        for parrot in (parrot_a, parrot_b, parrot_c):
            parrot.stop()
        stall.close()
        prosody.cleanup()


if __name__ == "__main__":
    harness.run_test(main)
