#!/usr/bin/python3
"""The NAT lab: real NATs built from network namespaces and netfilter, a
slixmpp + aiortc caller behind each, and parrot's report checked against
what the lab measured, not against what parrot believes.

  caller ns ── veth ── NAT ns ──┐            public ns (this process, unshare --net)
  10.N.0.2            10.N.0.1  │            bridge, 203.0.113.0/24:
                      203.0.113.(100+N)      .1 Prosody, coturn (STUN/TURN, UDP+TCP, TLS on 443)
  public caller ns ─────────────┤            .2 coturn's second address (RFC 5780 probe)
  203.0.113.50                  │            .10 parrot
  parrot2 ns ── veth ── 1:1 NAT ┘            .254 a neighbour nobody answers: the
  10.200.0.2            203.0.113.20              "internet" every unknown address goes to

Cases (each a fresh caller and NAT namespace):
  a  no NAT (the caller on the public segment)
  b  endpoint-independent NAT (MASQUERADE) with STUN
  c  symmetric NAT (MASQUERADE --random-fully) with STUN only
  d  symmetric NAT with STUN and TURN/UDP
  e  NAT with UDP blocked (only TCP passes) and TURN over TCP
  e2 UDP blocked and TCP only to port 443 (and XMPP), TURN over TLS on 443
  f  UDP blocked and no TURN (STUN configured but unreachable)
  f2 a firewall that lets only STUN out (UDP to port 3478), no TURN
  g  NAT and no STUN/TURN at all
  h1 parrot behind a 1:1 NAT (DNAT/SNAT) without --public-address
  h2 the same with --public-address
  i  a NAT that drops parrot->caller RTP/RTCP only (u32 on the first UDP
     payload byte, RFC 7983: STUN and DTLS pass)

Ground truth, measured in the caller's namespace before the call: a STUN
probe sends binding requests from ONE UDP socket to coturn's two addresses
(RFC 5780 §4.3, test I and II); the same mapped address for both is an
endpoint-independent mapping, different ports a symmetric one, the
caller's own address no NAT, no answer UDP blocked. The same probe where
each parrot runs tells whether parrot itself is behind a NAT. During the call the
caller's own side tells the rest: the candidates it offered, the pair
aioice nominated (its local candidate type is the path), and its RTP
counters (verdict). The expected "nat" fields follow from those by
docs/nat.md's rules; each case asserts verdict, mapping, udp, path, the
address parrot saw, and that non-empty advice reaches the chat.

Needs root (namespaces, veths, iptables) and coturn; otherwise it says so
and exits 77 (CTest: skipped). The public side is this process's own
network namespace and the others carry a per-process prefix; all of them
go on the way out, so runs can overlap and nothing touches the host.
"""
import asyncio
import json
import os
import secrets
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

MARKER = "PARROT_NAT_LAB_PUBLIC_NAMESPACE"
TAG = f"nl{os.getpid() % 100000}"
BRIDGE = f"{TAG}br"
PUBLIC = "203.0.113.1"       # Prosody, coturn
PUBLIC_ALT = "203.0.113.2"   # coturn's second address, for the mapping probe
PARROT_IP = "203.0.113.10"
PUBLIC_CALLER = "203.0.113.50"
PARROT2_PUBLIC, PARROT2_INSIDE = "203.0.113.20", "10.200.0.2"
NOWHERE, NOWHERE_MAC = "203.0.113.254", "02:00:5e:00:00:fe"
STUN_PORT = 3478
TURN_TLS_PORT = 443
TURN_USER, TURN_PASSWORD = "lab", "lab-secret"
# The first UDP payload byte in 128..191 (two top bits 10): RTP or RTCP (RFC 7983).
RTP_OR_RTCP = "0>>22&0x3C@8>>30=2"
REPORT_NS = "urn:parrot:report:1"
CALLER_DEADLINE_S = 90   # one case's caller process, end to end
SETUP_TIMEOUT_S = 20


def sh(*args, ns=None, check=True):
    command = (["ip", "netns", "exec", ns] if ns else []) + [str(a) for a in args]
    result = subprocess.run(command, capture_output=True, text=True)
    if check and result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)}: {result.stderr.strip()}")
    return result


# --------------------------------------------------------------------------
# The network
# --------------------------------------------------------------------------

class Lab:
    """The public segment (this namespace) and the namespaces hung off it."""

    def __init__(self):
        self.namespaces = []
        self.links = 0

    def build_public(self):
        sh("ip", "link", "set", "lo", "up")
        sh("ip", "link", "add", BRIDGE, "type", "bridge")
        # A fixed MAC: a bridge otherwise takes its lowest port's and changes
        # it as ports come and go, and neighbours' ARP entries go stale.
        sh("ip", "link", "set", BRIDGE, "address", "02:00:5e:00:00:01")
        for address in (PUBLIC, PUBLIC_ALT, PARROT_IP):
            sh("ip", "addr", "add", f"{address}/24", "dev", BRIDGE)
        sh("ip", "link", "set", BRIDGE, "up")
        self.route_to_nowhere(None, BRIDGE)

    @staticmethod
    def route_to_nowhere(ns, dev):
        """Every address nobody here owns goes to a neighbour that never
        answers, as on the internet: sending to a caller's private host
        candidate is silently lost instead of failing with ENETUNREACH
        (coturn drops a whole allocation on that error)."""
        sh("ip", "neigh", "replace", NOWHERE, "lladdr", NOWHERE_MAC, "nud", "permanent", "dev", dev, ns=ns)
        sh("ip", "route", "add", "default", "via", NOWHERE, "dev", dev, ns=ns)

    def namespace(self, name):
        ns = f"{TAG}-{name}"
        sh("ip", "netns", "add", ns)
        self.namespaces.append(ns)
        sh("ip", "link", "set", "lo", "up", ns=ns)
        return ns

    def veth(self, ns_a, ns_b):
        """A veth pair between two namespaces (None: this one); returns the names."""
        self.links += 1
        a, b = f"{TAG}a{self.links}", f"{TAG}b{self.links}"
        sh("ip", "link", "add", a, "type", "veth", "peer", "name", b)
        for dev, ns in ((a, ns_a), (b, ns_b)):
            if ns:
                sh("ip", "link", "set", dev, "netns", ns)
        return a, b

    def on_bridge(self, ns, address):
        """A namespace with `address` on the public segment; returns its device."""
        outside, port = self.veth(ns, None)
        sh("ip", "link", "set", port, "master", BRIDGE)
        sh("ip", "link", "set", port, "up")
        sh("ip", "addr", "add", f"{address}/24", "dev", outside, ns=ns)
        sh("ip", "link", "set", outside, "up", ns=ns)
        return outside

    def router(self, name, public_address, inside_net):
        """A NAT namespace on the bridge and a host namespace behind it at
        inside_net.2 (gateway .1). Returns (host ns, router ns, inside
        device, outside device)."""
        router = self.namespace(f"{name}-nat")
        host = self.namespace(f"{name}-in")
        outside = self.on_bridge(router, public_address)
        self.route_to_nowhere(router, outside)
        host_dev, inside = self.veth(host, router)
        sh("ip", "addr", "add", f"{inside_net}.1/24", "dev", inside, ns=router)
        sh("ip", "link", "set", inside, "up", ns=router)
        sh("ip", "addr", "add", f"{inside_net}.2/24", "dev", host_dev, ns=host)
        sh("ip", "link", "set", host_dev, "up", ns=host)
        sh("ip", "route", "add", "default", "via", f"{inside_net}.1", ns=host)
        sh("sysctl", "-qw", "net.ipv4.ip_forward=1", ns=router)
        return host, router, inside, outside

    def remove(self, ns):
        sh("ip", "netns", "del", ns, check=False)
        if ns in self.namespaces:
            self.namespaces.remove(ns)

    def tear_down(self):
        for ns in list(self.namespaces):
            self.remove(ns)


# --------------------------------------------------------------------------
# The servers
# --------------------------------------------------------------------------

def start_coturn(directory):
    """coturn on both public addresses: STUN and TURN over UDP and TCP on
    3478, TURN over TLS on 443 (what gets through a strict firewall) with a
    certificate for its IP. Returns the process and that certificate."""
    log_path = os.path.join(directory, "turnserver.log")
    certificate, key = os.path.join(directory, "turn.crt"), os.path.join(directory, "turn.key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-subj", "/CN=turn.parrot.test", "-addext", f"subjectAltName=IP:{PUBLIC}", "-days", "1",
                    "-keyout", key, "-out", certificate], check=True, capture_output=True)
    process = subprocess.Popen(
        ["turnserver", "-n", "--listening-ip", PUBLIC, "--listening-ip", PUBLIC_ALT, "--relay-ip", PUBLIC,
         "--listening-port", str(STUN_PORT), "--tls-listening-port", str(TURN_TLS_PORT), "--cert", certificate,
         "--pkey", key, "--min-port", "49152", "--max-port", "49652", "--lt-cred-mech",
         "--user", f"{TURN_USER}:{TURN_PASSWORD}", "--realm", "parrot.test", "--no-dtls", "--no-cli",
         "--no-tcp-relay", "--log-file", "stdout", "--pidfile", os.path.join(directory, "turn.pid"),
         "--userdb", os.path.join(directory, "turn.db")],
        stdout=open(log_path, "w"), stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + SETUP_TIMEOUT_S
    while time.monotonic() < deadline:  # ready when UDP, TCP and TLS are bound on both addresses
        udp = sh("ss", "-Hlun", "sport", "=", f":{STUN_PORT}").stdout
        tcp = sh("ss", "-Hltn", "sport", "=", f":{STUN_PORT}").stdout
        tls = sh("ss", "-Hltn", "sport", "=", f":{TURN_TLS_PORT}").stdout
        if all(a in udp and a in tcp and a in tls for a in (PUBLIC, PUBLIC_ALT)):
            return process, certificate
        if process.poll() is not None:
            break
        time.sleep(0.05)
    raise AssertionError("coturn did not start:\n" + open(log_path).read()[-3000:])


def start_prosody(users):
    import harness
    prosody = harness.Prosody(users=users)
    with open(prosody.config) as f:
        config = f.read()
    listen = 'interfaces = { "127.0.0.1" }'
    assert listen in config, "the harness's Prosody config changed; update the lab"
    with open(prosody.config, "w") as f:
        f.write(config.replace(listen, f'interfaces = {{ "127.0.0.1", "{PUBLIC}" }}', 1))
    prosody.start()
    return prosody


def lab_parrot(prosody, user, ns=None, extra=()):
    """parrot as an operator runs it; in namespace `ns` (reaching Prosody
    at its public address) or on the public segment."""
    import harness

    class LabParrot(harness.Parrot):
        def command(self):
            command = super().command()
            if ns:
                command[command.index("--server") + 1] = f"{PUBLIC}:{prosody.port}"
            return command

    wrapper = ["ip", "netns", "exec", ns] if ns else []
    parrot = LabParrot(prosody, user=user, password=f"{user}-secret", extra=list(extra), wrapper=wrapper)
    parrot.log_start = parrot.log_size()
    parrot.start()
    parrot.wait_log("online as", timeout=SETUP_TIMEOUT_S)
    return parrot


# --------------------------------------------------------------------------
# The ground truth: a STUN probe from inside the caller's namespace
# --------------------------------------------------------------------------

def stun_binding(sock, server, tries=4, wait_s=0.4):
    """One RFC 8489 Binding request to `server` from `sock`; the
    XOR-MAPPED-ADDRESS of the answer as "ip:port", or None."""
    transaction = secrets.token_bytes(12)
    request = struct.pack("!HHI", 0x0001, 0, 0x2112A442) + transaction
    for _ in range(tries):
        sock.sendto(request, server)
        deadline = time.monotonic() + wait_s
        while (remaining := deadline - time.monotonic()) > 0:
            sock.settimeout(remaining)
            try:
                data, _ = sock.recvfrom(2048)
            except socket.timeout:
                break
            if len(data) < 20 or data[8:20] != transaction or struct.unpack("!H", data[:2])[0] != 0x0101:
                continue
            offset = 20
            while offset + 4 <= len(data):
                kind, length = struct.unpack("!HH", data[offset:offset + 4])
                value = data[offset + 4:offset + 4 + length]
                if kind == 0x0020 and value[1] == 1:  # XOR-MAPPED-ADDRESS, IPv4
                    port = struct.unpack("!H", value[2:4])[0] ^ 0x2112
                    ip = bytes(b ^ m for b, m in zip(value[4:8], struct.pack("!I", 0x2112A442)))
                    return f"{socket.inet_ntoa(ip)}:{port}"
                offset += 4 + (length + 3) // 4 * 4
    return None


def probe_mapping(host_ip):
    """RFC 5780 §4.3 tests I and II from one socket: the NAT's mapping as
    the lab measures it."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind((host_ip, 0))
        mapped = [stun_binding(sock, (server, STUN_PORT)) for server in (PUBLIC, PUBLIC_ALT)]
    if None in mapped:
        mapping = "udp blocked"
    elif all(m.rsplit(":", 1)[0] == host_ip for m in mapped):
        mapping = "none"
    elif mapped[0] == mapped[1]:
        mapping = "endpoint-independent"
    else:
        mapping = "address-dependent"
    return {"mapped": mapped, "mapping": mapping}


def probe_in(ns, host_ip):
    """probe_mapping run inside namespace `ns`."""
    done = subprocess.run(["ip", "netns", "exec", ns, sys.executable, os.path.abspath(__file__), "--probe", host_ip],
                          capture_output=True, text=True, timeout=SETUP_TIMEOUT_S, check=True)
    return json.loads(done.stdout)


# --------------------------------------------------------------------------
# The caller: runs in its namespace as a child process (--caller SPEC)
# --------------------------------------------------------------------------

async def caller_main(spec):
    import aioice.ice
    import jingle_caller as jc  # patches aioice to 127.0.0.1; this namespace has other addresses
    import harness
    from aiortc import RTCIceServer

    aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: [spec["host_ip"]]
    os.environ["SSL_CERT_FILE"] = spec["trust"]
    result = {"probe": probe_mapping(spec["host_ip"])}

    class Where:  # what harness.Client reads of a Prosody
        domain, ca_file, port = spec["domain"], spec["ca_file"], spec["port"]

    class LabClient(harness.Client):
        async def get_dns_records(self, domain, port=None):
            return [(domain, PUBLIC, spec["port"])]

        def connect(self, address=None, **kwargs):
            return super().connect(address=(PUBLIC, spec["port"]), **kwargs)

    servers = [RTCIceServer(urls=spec["stun"])] if spec["stun"] else []
    if spec["turn"]:
        servers.append(RTCIceServer(urls=spec["turn"], username=TURN_USER, credential=TURN_PASSWORD))
    alice = await LabClient(Where, spec["user"], spec["password"]).online()
    try:
        await alice.befriend(spec["parrot"])
        await alice.next_message(timeout=jc.TIMEOUT, predicate=lambda m: "!help" in m["body"])
        caller = jc.JingleCaller(alice, spec["parrot"] + "/parrot", media=("audio",), jmi=False,
                                 ice_servers=servers)
        await caller.initiate()
        await caller.until(caller.accepted)
        try:
            await caller.until(caller.connected, timeout=jc.TIMEOUT)
            result["connected"] = True
        except AssertionError as error:  # ICE failed or timed out: parrot ends the call and reports
            result["connected"] = False
            result["connect_error"] = str(error)
        connection = caller.pc.getTransceivers()[0].sender.transport.transport._connection
        _, media = jc.parse_sdp(caller.pc.localDescription.sdp)
        result["offered"] = [f"{c['type']} {c['ip']}:{c['port']}" for c in media[0]["candidates"]
                             if c["component"] == "1" and c["protocol"] == "udp"]
        if result["connected"]:
            await caller.until_sent(spec["packets"])
            pair = connection._nominated.get(1)
            result["nominated"] = {"local_type": pair.local_candidate.type,
                                   "local": f"{pair.local_candidate.host}:{pair.local_candidate.port}",
                                   "remote": f"{pair.remote_candidate.host}:{pair.remote_candidate.port}"}
            result["stats"] = (await caller.stats())["audio"]
            await caller.terminate("success")
        else:
            result["nominated"] = None
            result["stats"] = (await caller.stats())["audio"]
        message = await alice.next_message(timeout=spec["report_timeout"],
                                           predicate=lambda m: m.xml.find(f"{{{REPORT_NS}}}report") is not None)
        result["report"] = json.loads(message.xml.find(f"{{{REPORT_NS}}}report").text)
        result["body"] = message["body"]
    finally:
        await jc.close_all()
        alice.disconnect()
    print("LAB-RESULT " + json.dumps(result), flush=True)


# --------------------------------------------------------------------------
# The cases
# --------------------------------------------------------------------------

@dataclass
class Case:
    name: str
    title: str
    nat: str = None            # None (caller on the public segment), "masquerade", "random-fully"
    stun: bool = True
    turn: str = None           # None, "udp", "tcp"
    udp_blocked: bool = False
    udp_only_to_stun: bool = False  # a firewall that lets STUN out and nothing else
    tcp_only_to_443: bool = False  # besides XMPP
    drop_rtp_to_caller: bool = False
    parrot_behind_nat: bool = False  # the second parrot, behind a 1:1 NAT; else the public one
    parrot_stun: bool = True         # parrot's own --stun (coturn)
    public_address: bool = False     # --public-address for the parrot behind NAT
    packets: int = 250         # the caller's audio packets: 50 a second
    report_timeout: int = 20


CASES = [
    Case("a", "no NAT"),
    Case("b", "endpoint-independent NAT, STUN", nat="masquerade"),
    Case("c", "symmetric NAT, STUN only", nat="random-fully"),
    Case("d", "symmetric NAT, STUN + TURN/UDP", nat="random-fully", turn="udp"),
    Case("e", "UDP blocked, TURN/TCP", nat="masquerade", udp_blocked=True, turn="tcp"),
    Case("e2", "UDP blocked, TCP only to 443, TURN/TLS on 443", nat="masquerade", udp_blocked=True,
         tcp_only_to_443=True, turn="tls"),
    Case("f", "UDP blocked, STUN only", nat="masquerade", udp_blocked=True, report_timeout=40),
    Case("f2", "UDP only to STUN, no TURN", nat="masquerade", udp_only_to_stun=True, report_timeout=40),
    Case("g", "NAT, no STUN/TURN", nat="masquerade", stun=False),
    Case("h1", "parrot behind 1:1 NAT, no STUN", parrot_behind_nat=True, parrot_stun=False),
    Case("h2", "parrot behind 1:1 NAT, --public-address", parrot_behind_nat=True, public_address=True),
    Case("h3", "parrot behind 1:1 NAT, STUN, no --public-address", parrot_behind_nat=True),
    # ONE-WAY needs the caller's reports over 10 s after 3 s of settling
    # (media/stats/return_path.hpp): 16 s of sending.
    Case("i", "NAT drops parrot->caller RTP", nat="masquerade", drop_rtp_to_caller=True, packets=800),
]


def build_caller_network(lab, case, index, xmpp_port):
    """The case's caller namespace (behind its NAT); returns (ns, host ip, NAT public ip)."""
    if case.nat is None:
        ns = lab.namespace(f"{case.name}-caller")
        dev = lab.on_bridge(ns, PUBLIC_CALLER)
        lab.route_to_nowhere(ns, dev)
        return ns, PUBLIC_CALLER, PUBLIC_CALLER
    nat_public = f"203.0.113.{100 + index}"
    host, router, inside, outside = lab.router(case.name, nat_public, f"10.{index}.0")
    masquerade = ["iptables", "-t", "nat", "-A", "POSTROUTING", "-o", outside, "-j", "MASQUERADE"]
    if case.nat == "random-fully":
        masquerade.append("--random-fully")  # a new port for every new destination: symmetric
    sh(*masquerade, ns=router)
    if case.udp_blocked:
        sh("iptables", "-A", "FORWARD", "-i", inside, "-p", "udp", "-j", "DROP", ns=router)
    if case.udp_only_to_stun:
        sh("iptables", "-A", "FORWARD", "-i", inside, "-p", "udp", "!", "--dport", STUN_PORT, "-j", "DROP", ns=router)
    if case.tcp_only_to_443:
        sh("iptables", "-A", "FORWARD", "-i", inside, "-p", "tcp", "-m", "multiport", "!", "--dports",
           f"{TURN_TLS_PORT},{xmpp_port}", "-j", "DROP", ns=router)
    if case.drop_rtp_to_caller:
        sh("iptables", "-A", "FORWARD", "-i", outside, "-o", inside, "-p", "udp", "-m", "u32", "--u32", RTP_OR_RTCP,
           "-j", "DROP", ns=router)
    return host, f"10.{index}.0.2", nat_public


def build_parrot2_network(lab):
    """parrot's second home: a private address behind a 1:1 NAT."""
    host, router, inside, outside = lab.router("p2", PARROT2_PUBLIC, "10.200.0")
    sh("iptables", "-t", "nat", "-A", "PREROUTING", "-i", outside, "-d", PARROT2_PUBLIC, "-j", "DNAT",
       "--to-destination", PARROT2_INSIDE, ns=router)
    sh("iptables", "-t", "nat", "-A", "POSTROUTING", "-o", outside, "-s", PARROT2_INSIDE, "-j", "SNAT",
       "--to-source", PARROT2_PUBLIC, ns=router)
    return host


def run_caller(ns, spec, log_path):
    with open(log_path, "w") as log:
        done = subprocess.run(["ip", "netns", "exec", ns, sys.executable, os.path.abspath(__file__), "--caller",
                               json.dumps(spec)], stdout=subprocess.PIPE, stderr=log, text=True,
                              timeout=CALLER_DEADLINE_S)
    lines = [l for l in done.stdout.splitlines() if l.startswith("LAB-RESULT ")]
    if done.returncode != 0 or not lines:
        with open(log_path) as f:
            raise AssertionError(f"caller failed ({done.returncode}):\n{f.read()[-4000:]}")
    return json.loads(lines[-1][len("LAB-RESULT "):])


def expected_fields(case, result, nat_public, parrot_probe):
    """The "nat" fields and verdict that are TRUE for this call, from the
    lab's own measurements (docs/nat.md gives the rules)."""
    probe = result["probe"]["mapping"]
    offered_types = {c.split()[0] for c in result["offered"]}
    stats = result["stats"]
    if not result["connected"]:
        verdict, path = "ICE FAILED", "none"
    else:
        verdict = "ONE-WAY" if stats["packets_received"] == 0 else "MEDIA OK"
        path = "relay" if result["nominated"]["local_type"] == "relay" else "direct"
    srflx = [c.split()[1] for c in result["offered"] if c.startswith("srflx ")]
    if path != "direct":
        # Without a direct path only the caller's own srflx can show the
        # mapping: two of one IP at different ports (two STUN servers; aioice
        # asks one, so the lab's callers never offer that).
        two_ports = len({a.rsplit(":", 1)[0] for a in srflx}) == 1 < len(set(srflx))
        mapping = probe if two_ports else "unknown"
    elif probe == "none":
        mapping = "none"
    elif not srflx:
        mapping = "unknown"
    else:
        mapping = probe
    udp = "blocked" if probe == "udp blocked" else "ok"
    behind_nat = probe != "none"
    # parrot's own NAT, from the same probe run where parrot runs: behind
    # one unless it sees its own address, or the --public-address it was given.
    parrot_mapped = parrot_probe["mapped"][0].rsplit(":", 1)[0]
    parrot_behind_nat = (parrot_probe["mapping"] != "none" and
                         not (case.public_address and parrot_mapped == PARROT2_PUBLIC))
    needs_advice = (verdict in ("ONE-WAY", "ICE FAILED") or mapping == "address-dependent" or udp == "blocked" or
                    (behind_nat and not offered_types & {"srflx", "relay"}) or parrot_behind_nat)
    # Where parrot sees the caller from: the caller itself, its NAT, or coturn's relay.
    seen_ip = {"direct": nat_public, "relay": PUBLIC, "none": None}[path]
    return {"verdict": verdict, "mapping": mapping, "udp": udp, "path": path, "advice": needs_advice,
            "seen_ip": seen_ip, "parrot_behind_nat": parrot_behind_nat, "parrot_mapped": parrot_mapped}


def check(case, result, want):
    report, body = result["report"], result["body"]
    nat = report.get("nat", {})
    evidence = nat.get("evidence") or {}
    got = {"verdict": report.get("verdict"), "mapping": nat.get("mapping"), "udp": nat.get("udp"),
           "path": nat.get("path"), "advice": bool(nat.get("advice")),
           "parrot_behind_nat": evidence.get("parrot_behind_nat")}
    seen = evidence.get("seen_at_parrot")
    got["seen_ip"] = seen.rsplit(":", 1)[0] if seen else None
    problems = [f"{key}: parrot says {got[key]!r}, the lab measured {want[key]!r}"
                for key in ("verdict", "mapping", "udp", "path", "advice", "seen_ip", "parrot_behind_nat")
                if got[key] != want[key]]
    for key, kind in (("caller_host", "host"), ("caller_srflx", "srflx"), ("caller_relay", "relay")):
        offered = sorted(c.split()[1] for c in result["offered"] if c.split()[0] == kind)
        if sorted(evidence.get(key) or []) != offered:
            problems.append(f"evidence.{key} is {evidence.get(key)!r}, the caller offered {offered}")
    advice = nat.get("advice") or ""
    if advice and advice not in body:
        problems.append(f"advice {advice!r} is not in the chat message {body!r}")
    if want["mapping"] == "address-dependent" and "TURN" not in advice:
        problems.append(f"symmetric NAT, but the advice names no TURN: {advice!r}")
    if want["udp"] == "blocked" and "TURN" not in advice:
        problems.append(f"UDP blocked, but the advice names no TURN: {advice!r}")
    # The operator reads parrot's log, not the callers' reports: a warning
    # naming --public-address when (and only when) parrot needs one.
    warnings = [line for line in result["parrot_log"].splitlines()
                if " warning " in line and "--public-address" in line]
    if want["parrot_behind_nat"]:
        flag = f"--public-address {want['parrot_mapped']}"
        if flag not in advice:
            problems.append(f"parrot behind NAT: the advice does not say {flag}: {advice!r}")
        if not any(flag in line for line in warnings):
            problems.append(f"parrot behind NAT: no warning in its log tells the operator {flag}")
    elif warnings:
        problems.append(f"parrot is not behind an undeclared NAT, and its log warns: {warnings[0]}")
    if case.public_address:
        local_type = ((report.get("ice") or {}).get("selected") or {}).get("local_type")
        if local_type != "srflx":
            problems.append(f"--public-address given: ice.selected.local_type is {local_type!r}, not 'srflx'")
    return got, problems


def run_case(lab, case, index, prosody, parrot, parrot_probe, directory, trust):
    ns, host_ip, nat_public = build_caller_network(lab, case, index, prosody.port)
    try:
        user = f"caller-{case.name}"
        turn = {None: None, "udp": f"turn:{PUBLIC}:{STUN_PORT}?transport=udp",
                "tcp": f"turn:{PUBLIC}:{STUN_PORT}?transport=tcp",
                "tls": f"turns:{PUBLIC}:{TURN_TLS_PORT}?transport=tcp"}[case.turn]
        spec = {"host_ip": host_ip, "domain": prosody.domain, "ca_file": prosody.ca_file, "port": prosody.port,
                "user": user, "password": f"{user}-secret", "parrot": parrot.jid,
                "stun": f"stun:{PUBLIC}:{STUN_PORT}" if case.stun else None, "turn": turn,
                "packets": case.packets, "report_timeout": case.report_timeout, "trust": trust}
        result = run_caller(ns, spec, os.path.join(directory, f"caller-{case.name}.log"))
        with open(parrot.log_path, "rb") as f:  # this parrot process's log, from its start
            f.seek(parrot.log_start)
            result["parrot_log"] = f.read().decode(errors="replace")
    finally:
        lab.remove(ns)
        lab.remove(f"{TAG}-{case.name}-nat")
    want = expected_fields(case, result, nat_public, parrot_probe)
    got, problems = check(case, result, want)
    return result, want, got, problems


def print_table(rows):
    """case x verdict x mapping x udp x path x advice, as a Markdown table (docs/nat.md)."""
    header = ("case", "probe (truth)", "verdict", "mapping", "udp", "path", "advice")
    lines = [header, tuple("---" for _ in header)] + rows
    print("\n".join("| " + " | ".join(str(v) for v in line) + " |" for line in lines))


def lab_main():
    directory = tempfile.mkdtemp(prefix="parrot-nat-lab-")
    lab = Lab()
    processes = []
    parrots = {}
    prosody = None
    rows, failures = [], []
    # PARROT_NAT_LAB_CASES=c,d runs only those cases (for debugging).
    only = set(filter(None, os.environ.get("PARROT_NAT_LAB_CASES", "").split(",")))
    started = time.monotonic()
    try:
        try:  # the kernel's part: bridge, veths, named namespaces, NAT
            lab.build_public()
            parrot2_ns = build_parrot2_network(lab)
        except RuntimeError as error:
            print(f"SKIP: cannot build the lab's network here ({error})")
            return 77
        coturn, turn_certificate = start_coturn(directory)
        processes.append(coturn)
        prosody = start_prosody([("parrot", "parrot-secret"), ("parrot2", "parrot2-secret")] +
                                [(f"caller-{c.name}", f"caller-{c.name}-secret") for c in CASES])
        # Where each parrot really stands, measured as for the callers.
        parrot_probes = {False: probe_mapping(PARROT_IP), True: probe_in(parrot2_ns, PARROT2_INSIDE)}
        print(f"parrot's own mapping: public {parrot_probes[False]}, behind NAT {parrot_probes[True]}")
        # What the callers trust: Prosody's CA (slixmpp) and coturn's
        # certificate (aioice's TURN over TLS verifies with the defaults).
        trust = os.path.join(directory, "trust.pem")
        with open(trust, "w") as out:
            for path in (prosody.ca_file, turn_certificate):
                with open(path) as f:
                    out.write(f.read())
        parrots["public"] = lab_parrot(prosody, "parrot", extra=[
            "--ice-address", PARROT_IP, "--stun", f"{PUBLIC}:{STUN_PORT}", "--call-connect-seconds", "12"])
        for index, case in enumerate(CASES, start=1):
            if only and case.name not in only:
                continue
            if case.parrot_behind_nat:  # the second parrot, started afresh for each of its cases
                if "behind NAT" in parrots:
                    parrots.pop("behind NAT").stop()
                extra = ["--ice-address", PARROT2_INSIDE]
                if case.parrot_stun:
                    extra += ["--stun", f"{PUBLIC}:{STUN_PORT}"]
                if case.public_address:
                    extra += ["--public-address", PARROT2_PUBLIC]
                parrots["behind NAT"] = lab_parrot(prosody, "parrot2", ns=parrot2_ns, extra=extra)
            parrot = parrots["behind NAT" if case.parrot_behind_nat else "public"]
            case_started = time.monotonic()
            try:
                result, want, got, problems = run_case(lab, case, index, prosody, parrot,
                                                        parrot_probes[case.parrot_behind_nat], directory, trust)
            except Exception as error:  # noqa: BLE001 — one broken case must not hide the others' answers
                print(f"--- {case.name}: {case.title}: the call itself failed: {error}")
                rows.append((f"{case.name} {case.title}", "?", "error", "", "", "", ""))
                failures.append((case.name, [str(error)]))
                continue
            nat = result["report"].get("nat", {})
            print(f"--- {case.name}: {case.title} ({time.monotonic() - case_started:.1f} s)")
            print(f"    probe {result['probe']}; offered {result['offered']}; nominated {result['nominated']}; "
                  f"caller sent {result['stats']['packets_sent']}, received {result['stats']['packets_received']}")
            print(f"    report nat: {json.dumps(nat)}")
            print(f"    chat: {result['body']!r}")
            for problem in problems:
                print(f"    WRONG: {problem}")
            truth = result["probe"]["mapping"]
            if case.parrot_behind_nat:
                truth += f"; parrot's: {parrot_probes[True]['mapping']} ({parrot_probes[True]['mapped'][0]})"
            rows.append((f"{case.name} {case.title}", truth, got["verdict"], got["mapping"],
                         got["udp"], got["path"], nat.get("advice") or "-"))
            if problems:
                failures.append((case.name, problems))
    finally:
        for parrot in parrots.values():
            parrot.stop()
        for process in processes:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
        if prosody:
            prosody.cleanup()
        lab.tear_down()
        if os.environ.get("PARROT_KEEP_TEST_DIR"):
            print(f"kept {directory}", file=sys.stderr)
        else:
            shutil.rmtree(directory, ignore_errors=True)
    print(f"\nNAT lab, {len(rows)} calls in {time.monotonic() - started:.0f} s:")
    print_table(rows)
    if failures:
        print("FAILED: " + "; ".join(f"{name}: {len(p)} wrong" for name, p in failures))
        return 1
    print("PASSED")
    return 0


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--probe":
        print(json.dumps(probe_mapping(sys.argv[2])))
        return 0
    if len(sys.argv) == 3 and sys.argv[1] == "--caller":
        asyncio.run(caller_main(json.loads(sys.argv[2])))
        return 0
    if os.environ.get(MARKER) != "1":
        tools = ("ip", "iptables", "unshare", "turnserver", "ss")
        if os.geteuid() != 0 or not all(shutil.which(t) for t in tools):
            print(f"SKIP: the NAT lab needs root and {', '.join(tools)} (network namespaces, veths, netfilter)")
            return 77
        probe = subprocess.run(["unshare", "--net", "true"], capture_output=True, text=True)
        if probe.returncode != 0:
            print(f"SKIP: cannot create a network namespace here ({probe.stderr.strip()})")
            return 77
        # This process's own namespace is the public segment: it and
        # everything in it vanish with the process. exec keeps the pid (and
        # so TAG), and CTest's signal reaches the lab itself.
        os.environ[MARKER] = "1"
        os.execvp("unshare", ["unshare", "--net", "--", sys.executable, os.path.abspath(__file__)])
    # SIGTERM (a CTest timeout) unwinds through the finally blocks that
    # remove the namespaces and stop every process.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    return lab_main()


if __name__ == "__main__":
    sys.exit(main())
