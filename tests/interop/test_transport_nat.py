#!/usr/bin/python3
"""ICE through a NAT, with a local coturn for STUN and TURN.

The test builds its own network out of three namespaces:

  caller ns            nat ns                          public ns
  10.0.0.2 ── veth ── 10.0.0.1 | 203.0.113.2 ── veth ── 203.0.113.1
  (transport_peer       MASQUERADE out of the           parrot's transport_peer
   --send, STUN+TURN)   public side                     + coturn :3478

The public side has no route back to 10.0.0.0/24, so the caller's host
candidate is useless to parrot; what connects is what STUN and TURN make.
Case 1: the NAT lets everything through: the caller's srflx address is what
parrot sees. Case 2: the NAT lets the caller reach only coturn's UDP port,
so only the relay works. Case 3: only TCP to coturn passes (a UDP-hostile
network), so the caller allocates its relay over TURN-TCP; case 4 the same
over TURN-TLS (coturn's port 5349, a certificate the test makes). Each case asserts the candidate types in the report
and RTP echoed both ways.

Needs root (namespaces, veth, iptables); otherwise it says so and exits 77,
which CTest counts as skipped. Nothing here touches the host's own network.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

PEER = os.environ.get("PARROT_TRANSPORT_PEER", "build-test/tests/transport_peer")
TAG = f"p{os.getpid() % 100000}"
NS = {name: f"{TAG}-{name}" for name in ("caller", "nat", "public")}
CALLER_IP, NAT_INSIDE, NAT_OUTSIDE, PUBLIC_IP = "10.0.0.2", "10.0.0.1", "203.0.113.2", "203.0.113.1"
TURN_USER, TURN_PASSWORD = "parrot", "test-secret"
TIMEOUT = 20


def sh(*args, ns=None, check=True):
    command = (["ip", "netns", "exec", ns] if ns else []) + list(args)
    return subprocess.run(command, check=check, capture_output=True, text=True)


def build_network():
    for ns in NS.values():
        sh("ip", "netns", "add", ns)
        sh("ip", "link", "set", "lo", "up", ns=ns)
    # veth pairs, created in the root namespace and moved at once.
    sh("ip", "link", "add", f"{TAG}c", "type", "veth", "peer", "name", f"{TAG}nc")
    sh("ip", "link", "set", f"{TAG}c", "netns", NS["caller"])
    sh("ip", "link", "set", f"{TAG}nc", "netns", NS["nat"])
    sh("ip", "link", "add", f"{TAG}p", "type", "veth", "peer", "name", f"{TAG}np")
    sh("ip", "link", "set", f"{TAG}p", "netns", NS["public"])
    sh("ip", "link", "set", f"{TAG}np", "netns", NS["nat"])
    for ns, dev, address in ((NS["caller"], f"{TAG}c", CALLER_IP), (NS["nat"], f"{TAG}nc", NAT_INSIDE),
                             (NS["nat"], f"{TAG}np", NAT_OUTSIDE), (NS["public"], f"{TAG}p", PUBLIC_IP)):
        sh("ip", "addr", "add", f"{address}/24", "dev", dev, ns=ns)
        sh("ip", "link", "set", dev, "up", ns=ns)
    sh("ip", "route", "add", "default", "via", NAT_INSIDE, ns=NS["caller"])
    sh("sysctl", "-qw", "net.ipv4.ip_forward=1", ns=NS["nat"])
    sh("iptables", "-t", "nat", "-A", "POSTROUTING", "-o", f"{TAG}np", "-j", "MASQUERADE", ns=NS["nat"])


def only_turn_passes(protocol, port=3478):
    """Cases 2 to 4: from the caller's side, only coturn's port crosses the NAT."""
    sh("iptables", "-F", "FORWARD", ns=NS["nat"])
    sh("iptables", "-A", "FORWARD", "-i", f"{TAG}nc", "-p", protocol, "--dport", str(port), "-j", "ACCEPT", ns=NS["nat"])
    sh("iptables", "-A", "FORWARD", "-i", f"{TAG}nc", "-j", "DROP", ns=NS["nat"])


def tear_down():
    for ns in NS.values():
        sh("ip", "netns", "del", ns, check=False)


def start_coturn(directory):
    certificate, key = os.path.join(directory, "turn.crt"), os.path.join(directory, "turn.key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-subj", "/CN=turn.parrot.test", "-days", "1", "-keyout", key, "-out", certificate],
                   check=True, capture_output=True)
    log = open(os.path.join(directory, "turnserver.log"), "w")
    process = subprocess.Popen(
        ["ip", "netns", "exec", NS["public"], "turnserver", "--listening-ip", PUBLIC_IP, "--relay-ip", PUBLIC_IP,
         "--listening-port", "3478", "--min-port", "49152", "--max-port", "49352", "--lt-cred-mech",
         "--user", f"{TURN_USER}:{TURN_PASSWORD}", "--realm", "parrot.test", "--no-dtls", "--no-cli",
         "--tls-listening-port", "5349", "--cert", certificate, "--pkey", key,
         "--no-tcp-relay", "--log-file", "stdout", "--pidfile", os.path.join(directory, "turn.pid"),
         "--userdb", os.path.join(directory, "turn.db")],
        stdout=log, stderr=subprocess.STDOUT)
    deadline = time.time() + TIMEOUT
    while time.time() < deadline:  # ready when its UDP and TLS sockets are bound
        if (sh("ss", "-Hlun", "sport", "=", ":3478", ns=NS["public"]).stdout.strip() and
                sh("ss", "-Hltn", "sport", "=", ":5349", ns=NS["public"]).stdout.strip()):
            return process
        if process.poll() is not None:
            break
        time.sleep(0.05)
    raise AssertionError("coturn did not start: " + open(os.path.join(directory, "turnserver.log")).read())


class Peer:
    """A transport_peer in a namespace; events read on a thread."""

    def __init__(self, ns, *args):
        self.proc = subprocess.Popen(["ip", "netns", "exec", ns, PEER, *args], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        self.events = []
        self.lock = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            with self.lock:
                self.events.append(json.loads(line))
                self.lock.notify_all()

    def send(self, kind, **fields):
        self.proc.stdin.write(json.dumps({**fields, "type": kind}) + "\n")
        self.proc.stdin.flush()

    def wait(self, kind, count=1):
        with self.lock:
            ok = self.lock.wait_for(lambda: sum(e["type"] == kind for e in self.events) >= count or
                                    any(e["type"] == "failed" for e in self.events), TIMEOUT)
            failed = [e for e in self.events if e["type"] == "failed"]
            assert not failed, failed
            assert ok, f"no '{kind}' within {TIMEOUT} s; got {[e['type'] for e in self.events]}"
            return [e for e in self.events if e["type"] == kind][count - 1]

    def of(self, kind):
        with self.lock:
            return [e for e in self.events if e["type"] == kind]

    def stop(self):
        self.send("stop")
        stats = self.wait("stats")
        self.proc.wait(TIMEOUT)
        return stats


def wait_for_echoes(caller, more_than):
    """Until the caller (sending 50 packets/s) has more than `more_than` echoes back."""
    deadline = time.time() + TIMEOUT
    asked = 0
    while True:
        caller.send("count")
        asked += 1
        count = caller.wait("count", asked)
        if count["echoes"] > more_than:
            return
        assert time.time() < deadline, f"{count} after {TIMEOUT} s"
        time.sleep(0.05)


def call(case, turn_transport="udp", expect_srflx=True, turn_port=3478):
    stun = f"{PUBLIC_IP}:3478"
    parrot = Peer(NS["public"], "--role", "controlled", "--address", PUBLIC_IP, "--stun", stun)
    caller = Peer(NS["caller"], "--role", "controlling", "--address", CALLER_IP, "--stun", stun,
                  "--turn", f"{PUBLIC_IP}:{turn_port}:{TURN_USER}:{TURN_PASSWORD}", "--turn-transport", turn_transport,
                  "--send")
    try:
        offer, answer = caller.wait("local"), parrot.wait("local")
        parrot.send("remote", ufrag=offer["ufrag"], pwd=offer["pwd"], fingerprint=offer["fingerprint"], hash="sha-256")
        caller.send("remote", ufrag=answer["ufrag"], pwd=answer["pwd"], fingerprint=answer["fingerprint"], hash="sha-256")
        caller.wait("gathering-done")
        parrot.wait("gathering-done")
        for source, target in ((caller, parrot), (parrot, caller)):
            for candidate in source.of("candidate"):
                target.send("candidate", attributes=candidate["attributes"])
        caller_types = sorted({c["attributes"]["type"] for c in caller.of("candidate")})
        wanted = {"host", "srflx", "relay"} if expect_srflx else {"host", "relay"}
        assert wanted <= set(caller_types), caller_types
        parrot.wait("keys")
        caller.wait("keys")
        seen_by_parrot, seen_by_caller = parrot.wait("connected"), caller.wait("connected")
        wait_for_echoes(caller, 30)
        caller_stats, parrot_stats = caller.stop(), parrot.stop()
    finally:
        for peer in (caller, parrot):
            if peer.proc.poll() is None:
                peer.proc.kill()
    print(f"{case}: caller gathered {caller_types}; parrot's pair local={seen_by_parrot['local_type']} "
          f"remote={seen_by_parrot['remote_type']} ({seen_by_parrot['remote_ip']}), caller's pair "
          f"local={seen_by_caller['local_type']} remote={seen_by_caller['remote_type']}; caller sent "
          f"{caller_stats['sent']}, parrot echoed {parrot_stats['sent']}, caller got {caller_stats['received']} back")
    assert seen_by_parrot["local_type"] == "host"
    assert caller_stats["sent"] > 30 and parrot_stats["received"] > 30 and caller_stats["received"] > 20, \
        (caller_stats, parrot_stats)
    return seen_by_parrot, seen_by_caller


def main():
    if os.geteuid() != 0 or not shutil.which("turnserver") or not shutil.which("iptables"):
        print("SKIP: needs root, coturn and iptables to build namespaces with a NAT")
        return 77
    directory = tempfile.mkdtemp(prefix="parrot-nat-")
    try:
        try:
            build_network()
        except subprocess.CalledProcessError as error:
            print(f"SKIP: cannot build network namespaces here ({error.stderr.strip()})")
            return 77
        coturn = start_coturn(directory)
        try:
            parrot_view, _ = call("NAT open")
            # Through the NAT: parrot sees the caller's mapped address, which it
            # knows as the srflx candidate (or learns as prflx).
            assert parrot_view["remote_type"] in ("srflx", "prflx"), parrot_view
            assert parrot_view["remote_ip"] == NAT_OUTSIDE, parrot_view
            only_turn_passes("udp")
            parrot_view, caller_view = call("only TURN passes")
            assert caller_view["local_type"] == "relay", caller_view
            assert parrot_view["remote_type"] == "relay" and parrot_view["remote_ip"] == PUBLIC_IP, parrot_view
            # No UDP at all leaves the caller's network: STUN fails, TURN-TCP works.
            only_turn_passes("tcp")
            parrot_view, caller_view = call("only TCP to TURN passes", turn_transport="tcp", expect_srflx=False)
            assert caller_view["local_type"] == "relay", caller_view
            assert parrot_view["remote_type"] == "relay" and parrot_view["remote_ip"] == PUBLIC_IP, parrot_view
            only_turn_passes("tcp", 5349)
            parrot_view, caller_view = call("only TLS to TURN passes", turn_transport="tls", expect_srflx=False,
                                            turn_port=5349)
            assert caller_view["local_type"] == "relay", caller_view
            assert parrot_view["remote_type"] == "relay" and parrot_view["remote_ip"] == PUBLIC_IP, parrot_view
        finally:
            coturn.terminate()
            coturn.wait(TIMEOUT)
    finally:
        tear_down()
        shutil.rmtree(directory, ignore_errors=True)
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
