"""parrot against a real Prosody, spoken to by a real slixmpp client:
subscription and welcome, echo in order, chat states, corrections, receipts,
commands, refusals, disco/caps/version, and what is never echoed."""
import asyncio

import slixmpp
from slixmpp.exceptions import IqError

import harness

EXPECTED_FEATURES = {
    "http://jabber.org/protocol/caps", "http://jabber.org/protocol/chatstates",
    "http://jabber.org/protocol/disco#info", "http://jabber.org/protocol/disco#items",
    "jabber:iq:version", "urn:xmpp:message-correct:0", "urn:xmpp:ping", "urn:xmpp:receipts",
    # calls
    "urn:xmpp:jingle:1", "urn:xmpp:jingle:apps:rtp:1", "urn:xmpp:jingle:apps:rtp:audio",
    "urn:xmpp:jingle:apps:rtp:video", "urn:xmpp:jingle:transports:ice-udp:1", "urn:xmpp:jingle:apps:dtls:0",
    "urn:xmpp:jingle-message:0", "urn:xmpp:jingle:apps:rtp:rtcp-fb:0", "urn:xmpp:jingle:apps:grouping:0",
    "urn:xmpp:jingle:apps:rtp:ssma:0", "urn:ietf:rfc:5888", "urn:ietf:rfc:5576",
    # XEP-0050 ad-hoc commands ("report")
    "http://jabber.org/protocol/commands",
    # file transfers: legacy SI over SOCKS5 and IBB
    "http://jabber.org/protocol/si", "http://jabber.org/protocol/si/profile/file-transfer",
    "http://jabber.org/protocol/bytestreams", "http://jabber.org/protocol/ibb",
    # file transfers: Jingle FT over SOCKS5 and IBB, XEP-0300 hashes
    "urn:xmpp:jingle:apps:file-transfer:5", "urn:xmpp:jingle:apps:file-transfer:4",
    "urn:xmpp:jingle:apps:file-transfer:3", "urn:xmpp:jingle:transports:s5b:1",
    "urn:xmpp:jingle:transports:ibb:1", "urn:xmpp:hashes:2",
    "urn:xmpp:hash-function-text-names:sha-256",
}


async def main():
    prosody = harness.Prosody(users=[("parrot", "parrot-secret"), ("alice", "alice-secret"),
                                     ("bob", "bob-secret"), ("carol", "carol-secret")])
    prosody.start()
    parrot = harness.Parrot(prosody, extra=["--echo-burst", "150", "--echo-rate", "5",
                                            "--max-body-bytes", "1000"]).start()
    clients = []
    try:
        await parrot.until_log("online as")
        alice = await harness.Client(prosody, "alice", "alice-secret").online()
        clients.append(alice)
        parrot_bare = parrot.jid
        parrot_full = f"{parrot.jid}/parrot"

        caps_seen = asyncio.get_running_loop().create_future()

        def on_presence(presence):
            if presence["from"].full == parrot_full and not caps_seen.done():
                caps_seen.set_result(presence)
        alice.add_event_handler("presence_available", on_presence)

        # Subscription: parrot approves, subscribes back, then welcomes once.
        await alice.befriend(parrot_bare)
        welcome = await alice.next_message(predicate=lambda m: "!help" in m["body"])
        assert "parrot" in welcome["body"], welcome
        print("subscription approved, subscribed back, welcome received")

        # Disco, caps and version.
        presence = await asyncio.wait_for(caps_seen, 10)
        info = await alice["xep_0030"].get_info(jid=parrot_full)
        features = set(info["disco_info"]["features"])
        assert features == EXPECTED_FEATURES, features ^ EXPECTED_FEATURES
        identities = list(info["disco_info"]["identities"])
        assert ("client", "bot", None, "parrot") in identities, identities
        ver = presence["caps"]["ver"]
        computed = alice["xep_0115"].generate_verstring(info["disco_info"], "sha-1")
        assert ver == computed, (ver, computed, str(info))
        node_info = await alice["xep_0030"].get_info(jid=parrot_full, node=f"{presence['caps']['node']}#{ver}")
        assert set(node_info["disco_info"]["features"]) == EXPECTED_FEATURES
        # XEP-0115 §5.4: a validating client (libpurple) rejects a reply with
        # a feature listed twice; slixmpp's sets above would hide one.
        for reply in (info, node_info):
            listed = [f.get("var") for f in reply.xml.iter("{http://jabber.org/protocol/disco#info}feature")]
            assert len(listed) == len(set(listed)), sorted(listed)
        version = await alice["xep_0092"].get_version(parrot_full)
        assert version["software_version"]["name"] == "parrot", version
        print("disco, caps ver", ver, "and version verified")

        # Unknown IQ: service-unavailable, and ping answered.
        iq = alice.make_iq_get(queryxmlns="urn:example:nothing", ito=parrot_full)
        try:
            await iq.send(timeout=10)
            raise AssertionError("unknown IQ was answered with a result")
        except IqError as error:
            assert error.condition == "service-unavailable", error.condition
        await alice["xep_0199"].send_ping(parrot_full, timeout=10)
        print("unknown IQ refused, ping answered")

        # 100 messages come back in order, to the full JID, verbatim.
        alice.drain()
        for i in range(100):
            alice.send_message(mto=parrot_bare, mbody=f"message {i} \u00e9\u2713", mtype="chat")
        for i in range(100):
            echo = await alice.next_message(predicate=lambda m: m["body"].startswith("message"))
            assert echo["body"] == f"message {i} \u00e9\u2713", (i, echo["body"])
            assert echo["to"].full == alice.boundjid.full
            assert echo["type"] == "chat"
        print("100 messages echoed in order")

        # Thread and xml:lang survive; normal messages stay normal.
        msg = alice.make_message(mto=parrot_bare, mbody="Hallo Welt", mtype="normal")
        msg["lang"] = "de"
        msg["thread"] = "thread-42"
        msg.send()
        echo = await alice.next_message(predicate=lambda m: m["body"] == "Hallo Welt")
        assert echo["thread"] == "thread-42" and echo["lang"] == "de" and echo["type"] == "normal", echo
        print("thread, xml:lang and type kept")

        # Chat states mirrored.
        msg = alice.make_message(mto=parrot_bare, mtype="chat")
        msg["chat_state"] = "composing"
        msg.send()
        state = await alice.next_message(predicate=lambda m: not m["body"])
        assert state["chat_state"] == "composing", state
        print("chat state mirrored")

        # Correction of a message becomes a correction of the echo.
        msg = alice.make_message(mto=parrot_bare, mbody="helo", mtype="chat")
        msg["id"] = "original-1"
        msg.send()
        first = await alice.next_message(predicate=lambda m: m["body"] == "helo")
        fix = alice.make_message(mto=parrot_bare, mbody="hello", mtype="chat")
        fix["id"] = "fix-1"
        fix["replace"]["id"] = "original-1"
        fix.send()
        corrected = await alice.next_message(predicate=lambda m: m["body"] == "hello")
        assert corrected["replace"]["id"] == first["id"], (corrected, first["id"])
        print("correction mirrored as a correction of", first["id"])

        # Receipt requested: answered with the message's id.
        msg = alice.make_message(mto=parrot_bare, mbody="receipt please", mtype="chat")
        msg["id"] = "want-receipt-1"
        msg["request_receipt"] = True
        msg.send()
        receipt = await alice.next_message(predicate=lambda m: m["receipt"] == "want-receipt-1")
        assert receipt["from"].bare == parrot_bare
        await alice.next_message(predicate=lambda m: m["body"] == "receipt please")
        print("receipt answered")

        # Commands.
        alice.send_message(mto=parrot_bare, mbody="!help", mtype="chat")
        reply = await alice.next_message(predicate=lambda m: m["body"].startswith("Commands:"))
        for name in ("!help", "!ping", "!version", "!stats"):
            assert name in reply["body"], reply["body"]
        alice.send_message(mto=parrot_bare, mbody="!ping", mtype="chat")
        await alice.next_message(predicate=lambda m: m["body"] == "pong")
        alice.send_message(mto=parrot_bare, mbody="!version", mtype="chat")
        await alice.next_message(predicate=lambda m: m["body"].startswith("parrot 0."))
        alice.send_message(mto=parrot_bare, mbody="!stats", mtype="chat")
        stats = await alice.next_message(predicate=lambda m: m["body"].startswith("uptime"))
        assert "messages echoed 104," in stats["body"] and "contacts 1" in stats["body"], stats["body"]
        alice.send_message(mto=parrot_bare, mbody="!frobnicate", mtype="chat")
        unknown = await alice.next_message(predicate=lambda m: "frobnicate" in m["body"])
        assert "Commands:" in unknown["body"]
        print("commands answered:", stats["body"])

        # Too large: refused, not echoed.
        alice.send_message(mto=parrot_bare, mbody="x" * 1500, mtype="chat")
        refusal = await alice.next_message(predicate=lambda m: "1500 bytes" in m["body"])
        assert "x" * 100 not in refusal["body"]
        print("oversized body refused")

        # Never echoed: groupchat, headline, error, bodyless, and another parrot's echo.
        alice.send_message(mto=parrot_bare, mbody="group", mtype="groupchat")
        alice.send_message(mto=parrot_bare, mbody="headline", mtype="headline")
        err = alice.make_message(mto=parrot_bare, mbody="error", mtype="error")
        err["error"]["condition"] = "undefined-condition"
        err.send()
        looped = alice.make_message(mto=parrot_bare, mbody="from another parrot", mtype="chat")
        looped.append(slixmpp.xmlstream.ET.Element("{urn:parrot:echo:1}parrot"))
        looped.send()
        alice.send_message(mto=parrot_bare, mbody="sentinel", mtype="chat")
        await alice.next_message(predicate=lambda m: m["body"] == "sentinel")
        alice.drain()
        await alice.no_message(1.0, lambda m: m["body"] in ("group", "headline", "error", "from another parrot"))
        print("groupchat, headline, error and parrot-marked messages not echoed")

        # Rate limit: bob floods; he gets his burst echoed and one notice.
        bob = await harness.Client(prosody, "bob", "bob-secret").online()
        clients.append(bob)
        for i in range(200):
            bob.send_message(mto=parrot_bare, mbody=f"flood {i}", mtype="chat")
        bob.send_message(mto=parrot_bare, mbody="!ping", mtype="chat")
        # The burst comes back at once; the first message over it brings
        # the notice, and the rest wait in the queue (5 a second).
        received = []
        while not any("faster than I echo" in b for b in received):
            received.append((await bob.next_message(20))["body"])
        echoes = [b for b in received if b.startswith("flood")]
        assert echoes == [f"flood {i}" for i in range(len(echoes))], received[-5:]
        assert 150 <= len(echoes) < 200, len(echoes)
        # The queue plays out in order, with no second notice.
        following = (await bob.next_message(20))["body"]
        assert following == f"flood {len(echoes)}", following
        print(f"rate limit: {len(echoes)} of 200 echoed at once, one notice, the rest paced in order")

    finally:
        for client in clients:
            client.disconnect()
        code = parrot.stop()
        prosody.cleanup()
    assert code == 0, f"parrot exited {code} on SIGTERM"


if __name__ == "__main__":
    harness.run_test(main)
