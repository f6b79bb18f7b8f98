#!/usr/bin/python3
"""parrot as an XEP-0114 component of a real Prosody (its component port),
spoken to by a real slixmpp client, with every byte parrot writes recorded
by a proxy in between:

  1. the component answers subscriptions itself: subscribed + subscribe
     back, its available presence with caps from echo.<domain>/parrot, the
     welcome once (not again on a second subscribe);
  2. chat echo from the JID addressed, the domain's and a localpart's, the
     echo marker naming the instance (--instance-name);
  3. disco#info, XEP-0092 version and XEP-0050 "report" (answered by gloox)
     from the JID asked;
  4. a JMI call with its report, !report the same, an IQ for an unknown
     Jingle session refused with unknown-session;
  5. a file sent over SI + IBB, its report FILE OK;
  6. parrot restarted: no unavailable when it stops, its presence to the
     subscriber in its store when it is back;
  7. Prosody restarted under parrot: parrot reconnects and echoes again;
  8. every stanza parrot wrote carries a `from` of its domain (ejabberd's
     ejabberd_service ends the stream otherwise; Prosody, which this test
     runs, fills a missing one in, so only the recording can tell);
  9. a wrong secret: parrot says so and exits 3.
Then the same parrot as a component of a real ejabberd (ejabberd_service,
which ends the stream on a stanza without a `from` of the component's
domain): subscription, echo, disco/version/XEP-0050, a call and a file,
all on the first stream parrot opened.
"""
import asyncio
import hashlib
import json
import os
import sys
import uuid
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import jingle_caller as jc  # noqa: E402  (patches aioice to loopback first)
import harness  # noqa: E402
from slixmpp.exceptions import IqError  # noqa: E402

COMPONENT = "echo." + harness.DOMAIN
SECRET = "component-secret"
INSTANCE = "test-instance-1"
REPORT_NS = "urn:parrot:report:1"
MARKER_NS = "urn:parrot:echo:1"
CAPS_NS = "http://jabber.org/protocol/caps"
COMMANDS = "http://jabber.org/protocol/commands"
IBB_NS = "http://jabber.org/protocol/ibb"
TIMEOUT = 30


class RecordingProxy:
    """A TCP proxy from parrot to the server's component port that parses
    what parrot writes and keeps every stanza (the stream's children)."""

    def __init__(self, upstream_port):
        self.upstream_port = upstream_port
        self.stanzas = []
        self.server = None
        self.port = None

    async def start(self):
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]

    async def _serve(self, reader, writer):
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        except OSError:
            writer.close()
            return
        parser = ET.XMLPullParser(events=("start", "end"))
        depth = [0]  # this connection's: a stream cut off mid-way leaves its own behind

        async def pump(source, sink, parse):
            try:
                while data := await source.read(65536):
                    if parse:
                        self._parse(parser, depth, data)
                    sink.write(data)
                    await sink.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                sink.close()

        await asyncio.gather(pump(reader, up_writer, True), pump(up_reader, writer, False))

    def _parse(self, parser, depth, data):
        parser.feed(data)
        for event, element in parser.read_events():
            if event == "start":
                depth[0] += 1
            else:
                if depth[0] == 2:
                    self.stanzas.append(element)
                depth[0] -= 1

    def close(self):
        if self.server:
            self.server.close()


def check_every_from(stanzas):
    """Each stanza parrot wrote (but the handshake) is from its domain."""
    checked = 0
    for stanza in stanzas:
        name = stanza.tag.split("}")[-1]
        if name == "handshake":
            continue
        sender = stanza.get("from", "")
        domain = sender.split("@")[-1].split("/")[0]
        assert domain == COMPONENT, f"parrot wrote a {name} without a from of {COMPONENT}: " + \
            ET.tostring(stanza, encoding="unicode")[:400]
        checked += 1
        if os.environ.get("PARROT_SHOW_STANZAS"):
            print(ET.tostring(stanza, encoding="unicode")[:300])
    return checked


def report_of(message):
    return json.loads(message.xml.find(f"{{{REPORT_NS}}}report").text)


def has_report(message):
    return message.xml.find(f"{{{REPORT_NS}}}report") is not None


async def subscribe(alice):
    """Alice adds the component; returns its available presence (with caps)."""
    available = asyncio.get_running_loop().create_future()

    def on_presence(presence):
        if presence["from"].full == f"{COMPONENT}/parrot" and not available.done():
            available.set_result(presence)
    alice.add_event_handler("presence_available", on_presence)
    await alice.befriend(COMPONENT)
    return await asyncio.wait_for(available, TIMEOUT)


async def echo_from(alice, to, body):
    alice.send_message(mto=to, mbody=body, mtype="chat")
    echo = await alice.next_message(predicate=lambda m: m["body"] == body)
    assert echo["from"].full == to, (to, echo["from"])
    marker = echo.xml.find(f"{{{MARKER_NS}}}parrot")
    assert marker is not None and marker.get("instance") == INSTANCE, echo
    return echo


async def send_file_ibb(alice, to, data):
    sid = uuid.uuid4().hex
    result = await alice["xep_0096"].request_file_transfer(
        to, sid=sid, name="component.bin", size=len(data), hash=hashlib.md5(data).hexdigest(), timeout=TIMEOUT,
        methods=[{"value": IBB_NS}])
    assert result["si"]["feature_neg"]["form"]["values"]["stream-method"] == IBB_NS, result
    stream = await alice["xep_0047"].open_stream(to, sid=sid, block_size=4096, timeout=TIMEOUT)
    await stream.sendall(data, timeout=TIMEOUT)
    await stream.close(timeout=TIMEOUT)
    return sid


async def online_alice(prosody):
    alice = harness.Client(prosody, "alice", "alice-secret")
    for plugin in ("xep_0047", "xep_0050", "xep_0095", "xep_0096"):
        alice.register_plugin(plugin)
    return await alice.online()


def with_component_listener(ejabberd):
    """Adds an ejabberd_service listener for COMPONENT on a free loopback
    port to an Ejabberd not yet started; returns the port."""
    port = harness.free_port()
    with open(ejabberd.config) as f:
        text = f.read()
    assert "\nlisten:\n" in text, "the harness's ejabberd config changed; update with_component_listener"
    text = text.replace("\nlisten:\n", f"""
listen:
  -
    port: {port}
    ip: "127.0.0.1"
    module: ejabberd_service
    hosts:
      "{COMPONENT}":
        password: "{SECRET}"
""", 1)
    with open(ejabberd.config, "w") as f:
        f.write(text)
    ejabberd.component_port = port
    return port


async def against_ejabberd():
    ejabberd = harness.Ejabberd(users=[("alice", "alice-secret")])
    with_component_listener(ejabberd)
    ejabberd.start()
    proxy = RecordingProxy(ejabberd.component_port)
    await proxy.start()
    parrot = harness.ComponentParrot(ejabberd, COMPONENT, SECRET, port=proxy.port,
                                     extra=["--ice-address", "127.0.0.1", "--instance-name", INSTANCE,
                                            "--ping-interval", "1"]).start()
    full = f"{COMPONENT}/parrot"
    alice = None
    try:
        await parrot.until_log("online as")
        alice = await online_alice(ejabberd)
        presence = await subscribe(alice)
        assert presence.xml.find(f"{{{CAPS_NS}}}c") is not None, presence
        await alice.next_message(predicate=lambda m: "!help" in m["body"])
        await echo_from(alice, COMPONENT, "hello ejabberd")
        await echo_from(alice, f"anyone@{COMPONENT}", "hello localpart on ejabberd")
        await alice["xep_0030"].get_info(jid=full, timeout=TIMEOUT)
        await alice["xep_0092"].get_version(full, timeout=TIMEOUT)
        await alice["xep_0050"].send_command(full, "report")
        caller = jc.JingleCaller(alice, COMPONENT, media=("audio",), jmi=True)
        await caller.call()
        await caller.wait_media(("audio",), frames=25)
        await caller.terminate("success")
        assert report_of(await alice.next_message(timeout=TIMEOUT, predicate=has_report))["id"] == caller.sid
        data = os.urandom(20_000)
        sid = await send_file_ibb(alice, full, data)
        file_report = report_of(await alice.next_message(
            timeout=TIMEOUT, predicate=lambda m: has_report(m) and report_of(m).get("id") == sid))
        assert file_report["verdict"] == "FILE OK", file_report
        # ejabberd ends the stream on a stanza without a proper from: parrot
        # must still be on the stream it opened first.
        log = await parrot.until_log("online as")
        assert log.count("online as") == 1 and "disconnected" not in log, parrot.tail()
        print(f"ejabberd: subscription, echo, disco, version, XEP-0050, a call and a file on one stream; "
              f"{check_every_from(proxy.stanzas)} stanzas, each from {COMPONENT}")
    finally:
        await jc.close_all()
        if alice:
            alice.disconnect()
        parrot.stop()
        proxy.close()
        ejabberd.cleanup()


async def main():
    await against_prosody()
    await against_ejabberd()


async def against_prosody():
    prosody = harness.Prosody(users=[("alice", "alice-secret")], components=[(COMPONENT, SECRET)])
    prosody.start()
    proxy = RecordingProxy(prosody.component_port)
    await proxy.start()
    parrot = harness.ComponentParrot(prosody, COMPONENT, SECRET, port=proxy.port,
                                     extra=["--ice-address", "127.0.0.1", "--instance-name", INSTANCE,
                                            "--ping-interval", "1"]).start()
    full = f"{COMPONENT}/parrot"
    alice = None
    try:
        await parrot.until_log("online as")
        alice = await online_alice(prosody)

        # 1. Subscription, presence with caps, the welcome once.
        presence = await subscribe(alice)
        assert presence.xml.find(f"{{{CAPS_NS}}}c") is not None, presence
        welcome = await alice.next_message(predicate=lambda m: "!help" in m["body"])
        assert welcome["from"].bare == COMPONENT, welcome
        mark = parrot.log_size()
        alice.send_presence(pto=COMPONENT, ptype="subscribe")  # a client re-asking, as after a roster loss
        await parrot.until_log("subscription approved", after=mark)
        await alice.no_message(1.0, lambda m: "!help" in m["body"])
        print("subscription answered by the component, presence with caps, welcome once")

        # 2. Echo from the JID addressed.
        await echo_from(alice, COMPONENT, "hello component")
        await echo_from(alice, f"anyone@{COMPONENT}", "hello localpart")
        print("echoes come from the JID addressed, marked with the instance name")

        # 3. disco#info, version, XEP-0050, from the JID asked.
        info = await alice["xep_0030"].get_info(jid=full, timeout=TIMEOUT)
        assert info["from"].full == full and COMMANDS in info["disco_info"]["features"], info
        version = await alice["xep_0092"].get_version(f"bob@{COMPONENT}", timeout=TIMEOUT)
        assert version["from"].full == f"bob@{COMPONENT}" and version["software_version"]["name"] == "parrot", version
        result = await alice["xep_0050"].send_command(full, "report")
        assert result["from"].full == full and result["command"]["status"] == "completed", result
        print("disco#info, version and the report command answered from the JID asked")

        # 4. A call through JMI, its report, !report; an unknown session.
        caller = jc.JingleCaller(alice, COMPONENT, media=("audio",), jmi=True)
        await caller.call()
        assert ("in", "proceed", caller.sid) in caller.dispatcher.jmi_log, caller.dispatcher.jmi_log
        await caller.wait_media(("audio",), frames=25)
        await caller.terminate("success")
        report = report_of(await alice.next_message(timeout=TIMEOUT, predicate=has_report))
        assert report["kind"] == "call" and report["id"] == caller.sid, report
        alice.send_message(mto=COMPONENT, mbody="!report", mtype="chat")
        again = await alice.next_message(predicate=has_report)
        assert report_of(again) == report, "!report differs from the report sent at hang-up"
        iq = alice.make_iq_set(ito=full)
        iq.xml.append(ET.Element(f"{{{jc.NS_JINGLE}}}jingle", {"action": "transport-info", "sid": "no-such-call"}))
        try:
            await iq.send(timeout=TIMEOUT)
            raise AssertionError("a Jingle IQ for an unknown session was accepted")
        except IqError as error:
            conditions = {child.tag.split("}")[-1] for child in error.iq.xml.find("{jabber:client}error")}
            assert "unknown-session" in conditions, conditions
        print(f"call {report['verdict']}, !report the same, unknown session refused")

        # 5. A file over SI + IBB.
        data = os.urandom(100_000)
        sid = await send_file_ibb(alice, full, data)
        file_report = report_of(await alice.next_message(
            timeout=TIMEOUT, predicate=lambda m: has_report(m) and report_of(m).get("id") == sid))
        assert file_report["verdict"] == "FILE OK", file_report
        assert file_report["sha256"] == hashlib.sha256(data).hexdigest(), file_report
        print("a file over SI + IBB: FILE OK")

        # 6. parrot restarts: it stops without a word of presence (other
        # instances may serve the domain) and, back, sends its presence to
        # the subscribers in its store.
        back = asyncio.get_running_loop().create_future()
        alice.add_event_handler("presence_available", lambda p: p["from"].full == full and not back.done()
                                and back.set_result(p))
        assert parrot.stop() == 0
        mark = parrot.log_size()
        parrot.start()
        await parrot.until_log("online as", after=mark)
        assert (await asyncio.wait_for(back, TIMEOUT)).xml.find(f"{{{CAPS_NS}}}c") is not None
        await parrot.until_log("roster: sending presence to 1 subscribers", after=mark)
        print("restarted: presence sent to the stored subscriber")

        # 7. The server restarts under parrot.
        alice.disconnect()
        alice = None
        await parrot.outlive_server_restart()
        alice = await online_alice(prosody)
        await echo_from(alice, COMPONENT, "after the restart")
        print("reconnected after the server restarted")

        # 8. Every stanza parrot wrote had a from of its domain, and none
        # was an unavailable presence.
        print(f"{check_every_from(proxy.stanzas)} stanzas written by parrot, each from {COMPONENT}")
        assert not [s for s in proxy.stanzas if s.get("type") == "unavailable"], "parrot sent unavailable"

        # 9. A wrong secret ends parrot with exit code 3.
        wrong = harness.ComponentParrot(prosody, COMPONENT, "not-the-secret")
        wrong.log_path = f"{prosody.root}/parrot-wrong.log"
        wrong.data_dir = f"{prosody.root}/parrot-data-wrong"
        wrong.start()
        await wrong.until_log("refused the component secret")
        code = await asyncio.get_running_loop().run_in_executor(None, wrong.process.wait, TIMEOUT)
        assert code == 3, code
        print("a wrong secret: exit 3")
    finally:
        await jc.close_all()
        if alice:
            alice.disconnect()
        parrot.stop()
        proxy.close()
        prosody.cleanup()


if __name__ == "__main__":
    harness.run_test(main)
