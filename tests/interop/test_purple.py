#!/usr/bin/python3
"""parrot with libpurple 2.14 (the core of Pidgin and Finch, Debian 12's
libpurple-dev) as the client: purple_client.cpp, a headless "null UI", lets
libpurple's own XMPP, XEP-0115, SI and Jingle code do everything, and reports
what libpurple saw as JSON events.

  1. login over STARTTLS (libpurple checks the chain against the test CA);
  2. roster: libpurple adds parrot and asks to subscribe, parrot approves and
     asks back, libpurple authorizes, parrot comes online and welcomes;
  3. chat: a message comes back as libpurple shows it;
  4. SI file (XEP-0096, serv_send_file): the transfer completes and parrot's
     chat reply carries the file's full sha-256 (64 hex digits): libpurple,
     like most clients, drops parrot's <report/> element, so the chat text
     is all a Pidgin user sees to compare with `sha256sum`;
  5. caps: libpurple validates parrot's XEP-0115 caps itself (a strict
     validator: the hash over what disco#info answers must be the ver, a
     duplicate feature breaks it) and then believes parrot can do Jingle
     audio (purple_prpl_get_media_caps); on exit it stores parrot's caps in
     its own cache (xmpp-caps.xml), which is read back. Nothing is seeded;
  6. call: purple_prpl_initiate_media(PURPLE_MEDIA_AUDIO): libpurple's
     session-initiate (payload-types with channels='0', no DTLS, no
     rtcp-mux) is accepted, ICE connects on loopback, libpurple's speaker
     receives parrot's echo of its 440 Hz tone (decoded buffers, loud ones),
     parrot's stored report counts RTP both ways, and the chat summary
     arrives with a MEDIA OK verdict.
Each part runs even when an earlier one failed (the call needs the caps),
and the test fails at the end listing every failed part with libpurple's
events and parrot's log.

Two client-side workarounds, both in purple_client.cpp, neither about parrot:
- farstream's nice transmitter gathers no loopback candidates unless given
  preferred-local-candidates (libpurple has no setting for it): the client
  supplies 127.0.0.1 through its own subclass of libpurple's media backend;
- on Debian 12, GStreamer's srtpenc/srtpdec fail with the packaged libsrtp2
  ("Could not initialize SRTP encoder") and libpurple then decodes nothing:
  the client hides the two elements from GStreamer's registry in its own
  process. A Pidgin user on Debian 12 has the same defect.
"""
import asyncio
import hashlib
import json
import os
import re
import shutil
import sqlite3
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402

TIMEOUT = 20
FILE_BYTES = 300_000
CALL_SECONDS = 3
RTP_AUDIO = "urn:xmpp:jingle:apps:rtp:audio"


def purple_client_binary():
    return os.environ.get("PARROT_PURPLE_CLIENT") or os.path.join(
        os.path.dirname(__file__), "../../build/tests/purple_client")


class PurpleClient:
    """purple_client as a process: JSON commands in, JSON events out, every
    event kept (`events`) so a failure can show what libpurple saw."""

    def __init__(self, prosody, user, password, resource="pidgin"):
        self.prosody = prosody
        self.jid = f"{user}@{prosody.domain}/{resource}"
        self.password = password
        self.user_dir = f"{prosody.root}/purple-{user}"
        self.ca_dir = f"{prosody.root}/purple-ca"
        self.stderr_path = f"{prosody.root}/purple-{user}.stderr"
        self.events = []
        self.arrived = asyncio.Event()
        self.process = None

    async def start(self):
        os.makedirs(self.user_dir, exist_ok=True)
        os.makedirs(self.ca_dir, exist_ok=True)
        shutil.copy(self.prosody.ca_file, f"{self.ca_dir}/parrot-test-ca.pem")
        self.stderr = open(self.stderr_path, "wb")
        wrapper = os.environ.get("PARROT_PURPLE_WRAPPER", "").split()
        self.process = await asyncio.create_subprocess_exec(
            *wrapper, purple_client_binary(), "--jid", self.jid, "--server", "127.0.0.1", "--port", str(self.prosody.port),
            "--ca-dir", self.ca_dir, "--user-dir", self.user_dir, "--local-ip", "127.0.0.1",
            env=dict(os.environ, PURPLE_PASSWORD=self.password), stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE, stderr=self.stderr)
        self.reader = asyncio.create_task(self._read())
        return self

    async def _read(self):
        while line := await self.process.stdout.readline():
            try:
                self.events.append(json.loads(line))
            except ValueError:
                self.events.append({"event": "unparsed", "line": line.decode(errors="replace")})
            self.arrived.set()
        self.events.append({"event": "exited", "code": await self.process.wait()})
        self.arrived.set()

    def send(self, **command):
        self.process.stdin.write((json.dumps(command) + "\n").encode())

    def mark(self):
        return len(self.events)

    async def wait(self, description, predicate, timeout=TIMEOUT, since=0):
        """The first event from index `since` on that satisfies `predicate`."""
        deadline = asyncio.get_running_loop().time() + timeout
        checked = since
        while True:
            for event in self.events[checked:]:
                if predicate(event):
                    return event
                if event["event"] == "exited":
                    raise AssertionError(f"purple_client exited before {description}")
            checked = len(self.events)
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise AssertionError(f"libpurple: no {description} within {timeout} s")
            self.arrived.clear()
            try:
                await asyncio.wait_for(self.arrived.wait(), remaining)
            except asyncio.TimeoutError:
                pass

    def found(self, predicate, since=0):
        return [e for e in self.events[since:] if predicate(e)]

    async def quit(self):
        if self.process and self.process.returncode is None:
            try:
                self.send(cmd="quit")
                await asyncio.wait_for(self.process.wait(), 15)
            except (asyncio.TimeoutError, ConnectionError):
                self.process.kill()
                await self.process.wait()
            await self.reader
        if self.process:
            self.stderr.close()

    def event_log(self):
        return "\n".join(json.dumps(e) for e in self.events)

    def debug_lines(self, pattern):
        """libpurple's debug lines (stderr) that match `pattern`."""
        with open(self.stderr_path, "rb") as f:
            return [line for line in f.read().decode(errors="replace").splitlines() if re.search(pattern, line)]

    def debug_tail(self, lines=60):
        with open(self.stderr_path, "rb") as f:
            return "\n".join(f.read().decode(errors="replace").splitlines()[-lines:])


def is_event(name, **fields):
    return lambda e: e["event"] == name and all(e.get(k) == v for k, v in fields.items())


def from_parrot(parrot):
    return lambda jid: (jid or "").split("/")[0] == parrot.jid


async def roster(client, parrot):
    """libpurple adds parrot; both subscriptions end up approved; parrot welcomes."""
    mark = client.mark()
    client.send(cmd="add", jid=parrot.jid)
    ours = from_parrot(parrot)
    await client.wait("authorization request from parrot", lambda e: e["event"] == "authorize" and ours(e["jid"]),
                      since=mark)
    await client.wait("parrot online in the buddy list", lambda e: e["event"] == "buddy-online" and ours(e["jid"]),
                      since=mark)
    welcome = await client.wait("welcome message", lambda e: e["event"] == "message" and ours(e["from"]), since=mark)
    print(f"roster: subscribed both ways, parrot online; welcome: {welcome['body'][:60]!r}")


async def chat(client, parrot):
    mark = client.mark()
    text = "hello from libpurple 2.14"
    client.send(cmd="msg", jid=parrot.jid, body=text)
    echo = await client.wait("echo", lambda e: e["event"] == "message" and from_parrot(parrot)(e["from"])
                             and e["body"] == text, since=mark)
    print(f"chat: echoed {echo['body']!r}")


async def si_file(client, parrot, root):
    data = os.urandom(FILE_BYTES)
    path = f"{root}/from-pidgin.bin"
    with open(path, "wb") as f:
        f.write(data)
    sha256 = hashlib.sha256(data).hexdigest()
    mark = client.mark()
    client.send(cmd="file", jid=f"{parrot.jid}/parrot", path=path)
    done = await client.wait("file transfer end", lambda e: e["event"] == "file" and e["state"] != "start",
                             timeout=30, since=mark)
    # (libpurple's own byte count at "complete" can lag behind the socket;
    # parrot's count in its reply is the one checked.)
    assert done["state"] == "complete", f"libpurple's transfer: {done}"
    reply = await client.wait("file report in chat", lambda e: e["event"] == "message"
                              and from_parrot(parrot)(e["from"]) and "sha-256" in e["body"], since=mark)
    print(f"file: libpurple sent it; parrot replied {reply['body']!r}")
    assert reply["body"].startswith("FILE OK") and f"{FILE_BYTES:,} bytes" in reply["body"], \
        f"the chat reply is not FILE OK with {FILE_BYTES:,} bytes: {reply['body']!r}"
    hexes = re.findall(r"\b[0-9a-f]{64}\b", reply["body"])
    assert sha256 in hexes, (f"the chat reply does not carry the file's full sha-256 {sha256} (a Pidgin user "
                             f"sees only the chat text; libpurple drops <report/>): {reply['body']!r}")


async def caps(client, parrot):
    """libpurple itself validated parrot's caps and believes it can do audio."""
    ours = from_parrot(parrot)
    judged = await client.wait("verdict on parrot's caps",
                               lambda e: (e["event"] == "buddy-caps" and ours(e["jid"]))
                               or e["event"] == "caps-invalid")
    disco = client.found(lambda e: e["event"] == "disco-info" and ours(e["from"]) and "#" in e["node"])
    assert disco, "libpurple did not ask parrot's caps node itself (a caps cache answered?)"
    features = disco[-1]["features"]
    duplicates = sorted({f for f in features if features.count(f) > 1})
    print(f"caps: parrot's disco#info on {disco[-1]['node']} lists {len(features)} features"
          + (f", duplicates {duplicates}" if duplicates else ""))
    assert judged["event"] == "buddy-caps", (f"libpurple could not validate parrot's XEP-0115 caps and treats it as "
                                             f"featureless (no call possible): {judged.get('detail')}")
    assert "audio" in judged["media_caps"], f"libpurple believes parrot's media caps are {judged['media_caps']}"
    mark = client.mark()
    client.send(cmd="caps", jid=f"{parrot.jid}/parrot")
    asked = await client.wait("caps answer", is_event("caps"), since=mark)
    assert "audio" in asked["media_caps"], f"purple_prpl_get_media_caps: {asked}"
    print(f"caps: validated by libpurple; media caps {asked['media_caps']}")


def stored_reports(parrot, kind):
    database = f"{parrot.data_dir}/reports.sqlite"
    if not os.path.exists(database):
        return []
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
        return [(summary, json.loads(text)) for summary, text in
                db.execute("SELECT summary, json FROM reports WHERE kind = ? ORDER BY id", (kind,))]


async def call(client, parrot):
    """A Jingle audio call placed by libpurple; RTP both ways."""
    mark = client.mark()
    reports_before = len(stored_reports(parrot, "call"))
    client.send(cmd="call", jid=f"{parrot.jid}/parrot")
    started = await client.wait("call start", is_event("call-initiated"), since=mark)
    assert started["ok"], ("purple_prpl_initiate_media refused to call parrot, so libpurple sent no Jingle; "
                           "libpurple says: " + " / ".join(client.debug_lines(r"^purple [34] jingle")[-2:]))
    stream = await client.wait("media stream", is_event("stream-added"), since=mark)
    assert stream["ok"], f"farstream could not create the stream: {stream}"
    await client.wait("media connected", lambda e: e["event"] in ("media-state", "media-error")
                      and (e["event"] == "media-error" or e["state"] == "connected"), since=mark)
    errors = client.found(is_event("media-error"), since=mark)
    assert not errors, f"libpurple's media failed: {errors}"
    pair = await client.wait("ICE candidate pair", is_event("candidate-pair"), since=mark)
    print(f"call: ICE pair {pair['local']['ip']}:{pair['local']['port']} -> "
          f"{pair['remote']['ip']}:{pair['remote']['port']}")
    heard = await client.wait("parrot's echo in libpurple's speaker",
                              lambda e: e["event"] in ("media-stats", "media-ended")
                              and (e["event"] == "media-ended" or e["loud_buffers"] >= 50), timeout=30, since=mark)
    assert heard["event"] == "media-stats", f"the call ended before the echo was heard: {heard}"
    # A few more seconds of media both ways, then hang up: the client's
    # stats tick once a second on its own clock, so this counts ticks.
    ticks = client.mark()
    await client.wait(f"{CALL_SECONDS} s more of the call",
                      lambda e: len(client.found(is_event("media-stats"), since=ticks)) >= CALL_SECONDS
                      or e["event"] == "media-ended", timeout=CALL_SECONDS + TIMEOUT, since=ticks)
    hung = client.mark()
    client.send(cmd="hangup")
    ended = await client.wait("call end", is_event("media-ended"), since=hung)
    print(f"call: libpurple's speaker got {ended['buffers']} decoded buffers ({ended['bytes']} bytes), "
          f"{ended['loud_buffers']} loud, peak {ended['peak']}")
    # The summary opens with the verdict in capitals ("MEDIA OK. Audio ...").
    summary = await client.wait("call summary in chat", lambda e: e["event"] == "message"
                                and from_parrot(parrot)(e["from"]) and re.match(r"[A-Z][A-Z -]*\. ", e["body"])
                                and "Audio" in e["body"], since=hung)
    print(f"call: parrot's summary: {summary['body']!r}")
    deadline = asyncio.get_running_loop().time() + TIMEOUT
    while len(reports := stored_reports(parrot, "call")) <= reports_before:
        assert asyncio.get_running_loop().time() < deadline, "parrot stored no report for the call"
        await asyncio.sleep(0.1)
    _, report = reports[-1]
    audio = next(s for s in report["streams"] if s["media"] == "audio")
    assert audio["packets_received"] > 100 and audio["packets_sent"] > 100, f"parrot's audio stream: {audio}"
    print(f"call: parrot received {audio['packets_received']} and sent {audio['packets_sent']} RTP packets; "
          f"verdict {report.get('verdict')}")
    assert summary["body"].startswith("MEDIA OK"), f"parrot's verdict for a two-way call: {summary['body']!r}"


def cached_caps(client, parrot):
    """After exit: libpurple's own caps cache (it stores only caps whose hash
    verified) holds parrot's node and ver, with Jingle RTP audio."""
    disco = client.found(lambda e: e["event"] == "disco-info" and from_parrot(parrot)(e["from"]) and "#" in e["node"])
    assert disco, "libpurple never asked parrot's caps node"
    node, ver = disco[-1]["node"].split("#", 1)
    path = f"{client.user_dir}/xmpp-caps.xml"
    assert os.path.exists(path), "libpurple stored no caps cache"
    entries = [c for c in ET.parse(path).getroot().findall("client") if c.get("node") == node and c.get("ver") == ver]
    assert entries, f"libpurple's caps cache (xmpp-caps.xml) has no entry for parrot's {node}#{ver}"
    features = {f.get("var") for f in entries[0].findall("feature")}
    assert RTP_AUDIO in features, f"libpurple's cached caps for parrot lack {RTP_AUDIO}: {sorted(features)}"
    print(f"caps: libpurple's cache holds parrot's {node}#{ver} with {len(features)} features")


async def main():
    if not os.path.exists(purple_client_binary()):
        raise AssertionError(f"{purple_client_binary()} is missing (libpurple-dev, libfarstream-0.2-dev: "
                             "deploy/install-deps.sh)")
    prosody = harness.Prosody(users=[("parrot", "parrot-secret"), ("alice", "alice-secret")])
    prosody.start()
    parrot = harness.Parrot(prosody, extra=["--ice-address", "127.0.0.1"]).start()
    client = PurpleClient(prosody, "alice", "alice-secret")
    failures = []

    async def part(name, step, *args):
        try:
            await step(*args) if asyncio.iscoroutinefunction(step) else step(*args)
        except AssertionError as error:
            failures.append(f"{name}: {error}")
            print(f"FAILED {name}: {error}", file=sys.stderr)

    try:
        await parrot.until_log("online as")
        await client.start()
        gst = await client.wait("GStreamer setup", is_event("gstreamer"))
        print(f"client: GStreamer's {gst['srtp_elements']}: hidden {gst['hidden']} (broken on Debian 12)")
        login = await client.wait("login", lambda e: e["event"] in ("logged-in", "connection-error"))
        assert login["event"] == "logged-in", f"libpurple could not log in: {login}"
        print(f"login: {login['jid']}")
        await roster(client, parrot)
        await part("chat", chat, client, parrot)
        await part("SI file", si_file, client, parrot, prosody.root)
        await part("caps", caps, client, parrot)
        await part("call", call, client, parrot)
        await client.quit()
        await part("caps cache", cached_caps, client, parrot)
    except AssertionError as error:
        failures.append(str(error))
    finally:
        await client.quit()
        parrot.stop()
        if failures:
            print("--- libpurple's events ---\n" + client.event_log(), file=sys.stderr)
            print("--- libpurple's debug log (tail) ---\n" + client.debug_tail(), file=sys.stderr)
            print("--- parrot's log (tail) ---\n" + parrot.tail(60), file=sys.stderr)
        prosody.cleanup()
    if failures:
        raise AssertionError(f"{len(failures)} part(s) failed:\n  " + "\n  ".join(failures))


if __name__ == "__main__":
    harness.run_test(main)
