#!/usr/bin/python3
"""An ICE restart in the middle of a call loses no echo.

The caller is tests/interop/transport_peer (libnice, DTLS-SRTP) driven by
this script's Jingle over a throwaway Prosody: it sends numbered RTP every
20 ms and matches each echo to its number. Mid-call it offers an ICE restart
the way libwebrtc does (Conversations, Monal, browsers): new credentials and
its candidates in a transport-info, while it keeps sending on the pair that
works (RFC 8445 §9: media continues on the previously selected pair). parrot
answers with its own new credentials, which the caller applies only after
a dozen more echoes have come back: parrot is restarting meanwhile and must
go on sending on the old pair too. aiortc 1.4 cannot restart ICE, hence
this caller.

Asserted: every packet the caller sent was echoed, exactly once, across the
restart; parrot's report counts exactly the echoes the caller received as
packets_sent (the caller stops sending and the echo drains before the
hang-up, so nothing is in flight), with no drops.not_sent, and one restart.
"""
import asyncio
import json
import os
import secrets
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import jingle_caller as jc  # noqa: E402
import harness  # noqa: E402

PEER = os.environ.get("PARROT_TRANSPORT_PEER", "build/tests/transport_peer")
REPORT_NS = "urn:parrot:report:1"
TIMEOUT = 20
CONTENT = "audio"
ECHOES_BEFORE_RESTART = 25
ECHOES_WHILE_PARROT_RESTARTS = 12  # before parrot's answer reaches the caller
ECHOES_AFTER_RESTART = 25


class Caller:
    """transport_peer --send, read in the background: its events in order."""

    async def start(self):
        self.proc = await asyncio.create_subprocess_exec(
            PEER, "--role", "controlling", "--send", stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
        self.events = []
        self.changed = asyncio.Event()
        self.reader = asyncio.ensure_future(self._read())
        return self

    async def _read(self):
        while line := await self.proc.stdout.readline():
            self.events.append({**json.loads(line), "_n": len(self.events)})
            self.changed.set()
        self.changed.set()

    def send(self, kind, **fields):
        self.proc.stdin.write((json.dumps({**fields, "type": kind}) + "\n").encode())

    async def wait_for(self, predicate, what, timeout=TIMEOUT):
        """The first event (from the start) matching predicate."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            failed = [e for e in self.events if e["type"] == "failed"]
            assert not failed, f"the caller's transport failed: {failed}; events before: {self.events[-10:]}"
            found = next((e for e in self.events if predicate(e)), None)
            if found:
                return found
            assert not self.reader.done(), f"transport_peer exited before {what}"
            remaining = deadline - asyncio.get_running_loop().time()
            assert remaining > 0, f"no {what} in {timeout} s; events: {self.events[-5:]}"
            self.changed.clear()
            try:
                await asyncio.wait_for(self.changed.wait(), remaining)
            except asyncio.TimeoutError:
                pass

    async def count(self):
        before = len(self.events)
        self.send("count")
        return await self.wait_for(lambda e: e["type"] == "count" and e["_n"] >= before, "count")

    async def until_echoes(self, at_least, what, timeout=TIMEOUT):
        deadline = asyncio.get_running_loop().time() + timeout
        while (count := await self.count())["echoes"] < at_least:
            assert asyncio.get_running_loop().time() < deadline, f"{what}: {count}"
            await asyncio.sleep(0.05)
        return count

    async def stop(self):
        self.send("stop")
        stats = await self.wait_for(lambda e: e["type"] == "stats", "stats")
        assert await asyncio.wait_for(self.proc.wait(), TIMEOUT) == 0
        return stats


class Session:
    """The caller's Jingle: offers, acks what parrot sends, keeps it in order."""

    def __init__(self, xmpp, peer):
        self.xmpp = xmpp
        self.peer = peer
        self.sid = secrets.token_urlsafe(12)
        self.inbox = asyncio.Queue()
        self.unread = []  # other actions skipped by next()
        jc.Dispatcher.of(xmpp).sessions[self.sid] = self

    def deliver(self, iq, jingle):  # jc.Dispatcher's interface
        iq.reply().send()
        self.inbox.put_nowait(jingle)

    def jingle(self, action):
        element = ET.Element(jc.q(jc.NS_JINGLE, "jingle"), {"action": action, "sid": self.sid})
        if action == "session-initiate":
            element.set("initiator", str(self.xmpp.boundjid))
        return element

    async def send(self, jingle):
        iq = self.xmpp.make_iq_set(ito=self.peer)
        iq.xml.append(jingle)
        return await iq.send(timeout=TIMEOUT)

    async def next(self, action):
        while True:
            jingle = await asyncio.wait_for(self.inbox.get(), TIMEOUT)
            if jingle.get("action") == action:
                return jingle
            self.unread.append(jingle)


def transport_element(parent, ufrag, pwd, candidates, fingerprint=None):
    transport = ET.SubElement(parent, jc.q(jc.NS_ICE, "transport"), {"ufrag": ufrag, "pwd": pwd})
    if fingerprint:
        element = ET.SubElement(transport, jc.q(jc.NS_DTLS, "fingerprint"),
                                {"hash": fingerprint["hash"], "setup": "actpass"})
        element.text = fingerprint["fingerprint"]
    for candidate in candidates:
        ET.SubElement(transport, jc.q(jc.NS_ICE, "candidate"), candidate)
    return transport


def content_element(parent):
    return ET.SubElement(parent, jc.q(jc.NS_JINGLE, "content"),
                         {"creator": "initiator", "name": CONTENT, "senders": "both"})


def parrot_transports(jingles):
    """(ufrag, pwd, fingerprint or None, candidate attribute dicts) of each transport parrot sent."""
    out = []
    for jingle in jingles:
        for content in jingle.findall(jc.q(jc.NS_JINGLE, "content")):
            transport = content.find(jc.q(jc.NS_ICE, "transport"))
            if transport is None:
                continue
            fingerprint = transport.find(jc.q(jc.NS_DTLS, "fingerprint"))
            out.append((transport.get("ufrag"), transport.get("pwd"), fingerprint,
                        [dict(c.attrib) for c in transport.findall(jc.q(jc.NS_ICE, "candidate"))]))
    return out


def give_caller(caller, ufrag, pwd, fingerprint, candidates):
    caller.send("remote", ufrag=ufrag, pwd=pwd, hash=fingerprint.get("hash") if fingerprint is not None else "sha-256",
                fingerprint=fingerprint.text if fingerprint is not None else "")
    for candidate in candidates:
        caller.send("candidate", attributes=candidate)


async def forward_trickle(session, caller, ufrag):
    """parrot's transport-info candidates for credentials `ufrag`, as they come."""
    while True:
        jingle = await session.inbox.get()
        for got_ufrag, _, _, candidates in parrot_transports([jingle]):
            if got_ufrag in (None, ufrag):
                for candidate in candidates:
                    caller.send("candidate", attributes=candidate)


async def main():
    async with jc.parrot_and_alice() as (_, parrot, alice):
        caller = await Caller().start()
        try:
            await run_call(alice, f"{parrot.jid}/parrot", caller)
        finally:
            if caller.proc.returncode is None:
                caller.proc.kill()
                await caller.proc.wait()


async def run_call(alice, parrot_full, caller):
    local = await caller.wait_for(lambda e: e["type"] == "local", "local credentials")
    await caller.wait_for(lambda e: e["type"] == "gathering-done", "gathering")
    candidates = [e["attributes"] for e in caller.events if e["type"] == "candidate"]

    session = Session(alice, parrot_full)
    initiate = session.jingle("session-initiate")
    content = content_element(initiate)
    description = ET.SubElement(content, jc.q(jc.NS_RTP, "description"), {"media": "audio"})
    ET.SubElement(description, jc.q(jc.NS_RTP, "payload-type"),
                  {"id": "111", "name": "opus", "clockrate": "48000", "channels": "2"})
    ET.SubElement(description, jc.q(jc.NS_RTP, "rtcp-mux"))
    transport_element(content, local["ufrag"], local["pwd"], candidates, local)
    await session.send(initiate)

    accept = await session.next("session-accept")
    [(ufrag, pwd, fingerprint, accepted_candidates)] = parrot_transports([accept])
    assert fingerprint is not None and fingerprint.get("setup") == "active", ET.tostring(accept)
    give_caller(caller, ufrag, pwd, fingerprint, accepted_candidates)
    for jingle in session.unread:
        for _, _, _, more in parrot_transports([jingle]):
            for candidate in more:
                caller.send("candidate", attributes=candidate)
    session.unread.clear()
    trickle = asyncio.ensure_future(forward_trickle(session, caller, ufrag))
    try:
        await caller.wait_for(lambda e: e["type"] == "keys", "DTLS-SRTP keys")
        await caller.until_echoes(ECHOES_BEFORE_RESTART, "echoes before the restart")
    finally:
        trickle.cancel()

    # The restart offer: new credentials and candidates; the caller keeps
    # sending on the old pair.
    restarts_before = sum(e["type"] == "restarted" for e in caller.events)
    caller.send("restart")
    restarted = await caller.wait_for(lambda e: e["type"] == "restarted", "restart")
    assert restarts_before == 0
    offer = session.jingle("transport-info")
    transport_element(content_element(offer), restarted["ufrag"], restarted["pwd"], restarted["candidates"], local)
    await session.send(offer)

    # parrot's answer: its new credentials and candidates (maybe trickled).
    answers = []
    while not any(t[0] != ufrag and t[3] for t in parrot_transports(answers)):
        answers.append(await session.next("transport-info"))
    new = [t for t in parrot_transports(answers) if t[0] and t[0] != ufrag]
    assert new, [ET.tostring(a) for a in answers]
    new_ufrag, new_pwd = new[0][0], new[0][1]
    # Held back: until the caller has the answer, parrot's new checks cannot
    # complete, so these echoes can only come over the old pair.
    held_at = (await caller.count())["echoes"]
    await caller.until_echoes(held_at + ECHOES_WHILE_PARROT_RESTARTS, "echoes while parrot restarts")
    caller.send("remote", ufrag=new_ufrag, pwd=new_pwd, hash="sha-256", fingerprint="")
    for _, _, _, more in parrot_transports(answers):
        for candidate in more:
            caller.send("candidate", attributes=candidate)
    trickle = asyncio.ensure_future(forward_trickle(session, caller, new_ufrag))
    try:
        await caller.wait_for(lambda e: e["type"] == "state" and e["state"] == "secure" and e["_n"] > restarted["_n"],
                              "the new pair")
        secure_at = (await caller.count())["echoes"]
        await caller.until_echoes(secure_at + ECHOES_AFTER_RESTART, "echoes after the restart")
    finally:
        trickle.cancel()

    # Drain: stop sending, wait for the last echo, then hang up.
    caller.send("pause")
    deadline = asyncio.get_running_loop().time() + TIMEOUT
    while (count := await caller.count())["missing"] > 0 and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.05)
    terminate = session.jingle("session-terminate")
    reason = ET.SubElement(terminate, jc.q(jc.NS_JINGLE, "reason"))
    ET.SubElement(reason, jc.q(jc.NS_JINGLE, "success"))
    await session.send(terminate)
    message = await alice.next_message(timeout=TIMEOUT,
                                       predicate=lambda m: m.xml.find(f"{{{REPORT_NS}}}report") is not None)
    report = json.loads(message.xml.find(f"{{{REPORT_NS}}}report").text)
    stats = await caller.stop()

    stream = report["streams"][0]
    assert stats["sent_while_restarting"] > 0, stats  # the caller, too, sent on its old pair
    assert stats["echoes_while_restarting"] >= ECHOES_WHILE_PARROT_RESTARTS, stats
    assert stats["missing_count"] == 0 and stats["duplicates"] == 0, (
        f"echoes lost across the restart: {stats}; parrot: lost {stream['lost']}, late {stream['late_dropped']}, "
        f"drops {report['drops']}")
    assert stats["received"] == stats["sent"], stats
    assert report["ice"]["restarts"] == 1, report["ice"]
    assert stream["packets_received"] == stats["sent"], (stream, stats)
    assert stream["packets_sent"] == stats["received"], (stream, stats)
    assert "not_sent" not in report["drops"], report["drops"]
    print(f"ICE restart mid-call: {stats['sent']} packets sent, {stats['received']} echoed, none missing; "
          f"{stats['sent_while_restarting']} sent and {stats['echoes_while_restarting']} echoes received "
          f"while the restart ran; parrot's report: packets_sent {stream['packets_sent']}")


if __name__ == "__main__":
    harness.run_test(main)
