#!/usr/bin/python3
"""XEP-0215: parrot asks its server for STUN/TURN services and uses them.

A throwaway Prosody runs mod_external_services with a STUN entry and a TURN
entry that has a secret, so Prosody hands out time-limited TURN REST
credentials (draft-uberti-behave-turn-rest) valid for TTL seconds; a coturn
on loopback checks them with the same secret.

  1. parrot logs what it discovered: both services, from the server;
  2. a call (slixmpp + aiortc caller): parrot's own candidates, read from the
     Jingle it sends, include a relay candidate on coturn's address, and
     coturn's log shows an allocation made with the credentials Prosody
     generated; without XEP-0215 parrot has no TURN server at all;
  3. before those credentials expire (TTL/2, at least 30 s) parrot asks the
     server again on its own.
"""
import asyncio
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import jingle_caller as jc  # noqa: E402  (patches aioice to loopback first)
import harness  # noqa: E402
from slixmpp.xmlstream.handler import Callback  # noqa: E402
from slixmpp.xmlstream.matcher import MatchXPath  # noqa: E402

SECRET = "turn-rest-secret"
TTL_S = 60  # parrot refreshes after half of it


def start_coturn(root, port):
    log_path = f"{root}/turnserver.log"
    relay_min = 49152 + port % 10000
    process = subprocess.Popen(
        ["turnserver", "-n", "--listening-ip", "127.0.0.1", "--relay-ip", "127.0.0.1", "--listening-port", str(port),
         "--min-port", str(relay_min), "--max-port", str(relay_min + 200), "--use-auth-secret",
         "--static-auth-secret", SECRET, "--realm", "parrot.test", "--no-tls", "--no-dtls", "--no-tcp", "--no-cli",
         "--allow-loopback-peers", "--verbose", "--log-file", "stdout", "--pidfile", f"{root}/turn.pid"],
        stdout=open(log_path, "w"), stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:  # ready when its UDP socket is bound
        out = subprocess.run(["ss", "-Hlun", "sport", "=", f":{port}"], capture_output=True, text=True).stdout
        if out.strip():
            return process, log_path, (relay_min, relay_min + 200)
        if process.poll() is not None:
            break
        time.sleep(0.05)
    raise RuntimeError("coturn did not start:\n" + open(log_path).read()[-2000:])


class CandidateLog:
    """Every <candidate/> parrot sends in Jingle (session-accept, transport-info)."""

    def __init__(self, client, parrot_bare):
        self.candidates = []
        self.parrot_bare = parrot_bare
        client.register_handler(Callback(
            "parrot candidates", MatchXPath(f"{{jabber:client}}iq/{{{jc.NS_JINGLE}}}jingle"), self._on_jingle))

    def _on_jingle(self, iq):
        if iq["from"].bare != self.parrot_bare:
            return
        for candidate in iq.xml.iter(f"{{{jc.NS_ICE}}}candidate"):
            self.candidates.append(dict(candidate.attrib))


async def main():
    turn_port = harness.free_udp_port()
    prosody = harness.Prosody(users=[("parrot", "parrot-secret"), ("alice", "alice-secret")])
    harness.enable_external_services(prosody, turn_port, SECRET, TTL_S)
    coturn, coturn_log, relay_ports = start_coturn(prosody.root, turn_port)
    prosody.start()
    parrot = harness.Parrot(prosody, extra=["--ice-address", "127.0.0.1"]).start()
    alice = None
    try:
        # 1. Discovery, logged with both services and where they came from.
        offered = await parrot.until_log("xep-0215: parrot.test offers")
        line = next(l for l in offered.splitlines() if "xep-0215: parrot.test offers" in l)
        assert f"stun 127.0.0.1:{turn_port} (XEP-0215 parrot.test)" in line, line
        assert f"turn 127.0.0.1:{turn_port}/udp (XEP-0215 parrot.test)" in line, line
        applied = await parrot.until_log(f"turn 127.0.0.1:{turn_port}/udp (XEP-0215")
        assert "ice: servers for new calls:" in applied, parrot.tail()
        print(line.split(" ", 2)[-1])
        discovered_at = time.monotonic()

        # 2. A call: parrot gathers a relay candidate at coturn with them.
        alice = await harness.Client(prosody, "alice", "alice-secret").online()
        await alice.befriend(parrot.jid)
        seen = CandidateLog(alice, parrot.jid)
        caller = jc.JingleCaller(alice, parrot.jid, media=("audio",), jmi=True, trickle=True)
        await caller.call()
        await caller.wait_media(("audio",), frames=10)
        deadline = time.monotonic() + jc.TIMEOUT
        while not any(c.get("type") == "relay" for c in seen.candidates) and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        relays = [c for c in seen.candidates if c.get("type") == "relay"]
        types = sorted({c.get("type") for c in seen.candidates})
        assert relays, f"parrot sent no relay candidate (only {types}); log:\n{parrot.tail()}"
        relay = relays[0]
        assert relay["ip"] == "127.0.0.1" and relay_ports[0] <= int(relay["port"]) <= relay_ports[1], relay
        print(f"parrot's candidates: {types}; relay {relay['ip']}:{relay['port']} from coturn")
        await caller.terminate("success")
        await alice.next_message(timeout=jc.TIMEOUT,
                                 predicate=lambda m: m.xml.find("{urn:parrot:report:1}report") is not None)
        with open(coturn_log) as f:
            turn_log = f.read()
        # TURN REST usernames are the expiry time in Unix seconds.
        users = set(re.findall(r"user <(\d+)>", turn_log))
        assert users, "coturn saw no authenticated TURN user:\n" + turn_log[-3000:]
        assert any(abs(int(u) - time.time() - TTL_S) < TTL_S for u in users), (users, time.time())
        assert re.search(r"ALLOCATE processed, success", turn_log), turn_log[-3000:]
        print(f"coturn allocated for TURN REST user(s) {sorted(users)}")

        # 3. Half the TTL later parrot asks again on its own.
        mark = parrot.log_size()
        await parrot.until_log("are due to expire; asking again", timeout=TTL_S, after=mark)
        await parrot.until_log("xep-0215: parrot.test offers", timeout=jc.TIMEOUT, after=mark)
        print(f"parrot asked again after {time.monotonic() - discovered_at:.0f} s (TTL {TTL_S} s)")
    finally:
        if alice:
            alice.disconnect()
        await jc.close_all()
        parrot.stop()
        coturn.terminate()
        coturn.wait(10)
        prosody.cleanup()


if __name__ == "__main__":
    harness.run_test(main)
