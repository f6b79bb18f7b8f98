"""parrot scaled out as an XEP-0114 component behind a two-node ejabberd
cluster: the parts tests/interop/test_cluster.py and
tests/bench/cluster_bench.py share.

Two shapes (docs/operations.md, "The cluster"):
- "local": one instance per ejabberd node, no domain_balancing. ejabberd
  hands a stanza to an instance on the sender's node; with two on one node
  it picks one at random per stanza, so a call's Jingle IQs would land on
  both (measured here), hence one per node.
- "buckets": domain_balancing bare_source with component_number = the
  number of instances: each user's stanzas go to one instance, whichever
  node it is on.

An Instance is parrot in component mode or, with stand_in, the slixmpp echo
component of tests/bench (chat only), which tells a harness problem from a
parrot one.
"""
import asyncio
import os
import signal
import statistics
import subprocess
import sys
import time

import harness

COMPONENT = f"echo.{harness.DOMAIN}"
SECRET = "component-secret"
ECHO_NS = "urn:parrot:echo:1"
REPORT_NS = "urn:parrot:report:1"
STAND_IN = os.path.join(os.path.dirname(__file__), "../bench/slixmpp_component_echo.py")


def balancing_yaml(instances):
    """ejabberd's sticky routing: each bare JID hashed to one of
    `instances` buckets. component_number is required: without it every
    component session crashes ({badkey,component_number}), and it must be
    2 to 1000 (1 stops ejabberd at start): one instance needs none."""
    if instances < 2:
        return ""
    return (f'domain_balancing:\n  "{COMPONENT}":\n    type: bare_source\n'
            f'    component_number: {instances}\n')


def parrot_has_flag(flag):
    done = subprocess.run([harness.parrot_binary(), "--help"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, timeout=20)
    return flag in done.stdout


def instance_of(message):
    """The instance attribute of parrot's echo marker: who answered."""
    marker = message.xml.find(f"{{{ECHO_NS}}}parrot")
    return marker.get("instance") if marker is not None else None


class Instance:
    """One echo component process connected to one node's component port,
    named `name` in its echoes. kill() is SIGKILL; start() again restarts
    it under the same name, as systemd's Restart=always would."""

    def __init__(self, name, node, root, stand_in=False, store=None, extra=(), log_level=None):
        self.name = name
        self.log_level = log_level or os.environ.get("PARROT_LOG_LEVEL", "info")
        self.node = node
        self.stand_in = stand_in
        self.store = store
        self.extra = list(extra)
        self.data_dir = f"{root}/{name}-data"
        self.log_path = f"{root}/{name}.log"
        # One file per instance: rewriting a shared one (O_TRUNC) while
        # another instance starts hands that instance an empty secret.
        self.secret_file = f"{root}/{name}-component-secret"
        with open(os.open(self.secret_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
            f.write(SECRET + "\n")
        self.process = None
        self.mark = 0

    def command(self):
        port = str(self.node.component_ports[COMPONENT])
        if self.stand_in:
            return [sys.executable, STAND_IN, COMPONENT, SECRET, port, self.name]
        store = ["--store", self.store] if self.store else []
        return [harness.parrot_binary(), "--component", COMPONENT, "--component-secret-file", self.secret_file,
                "--server", f"127.0.0.1:{port}", "--instance-name", self.name, "--data-dir", self.data_dir,
                "--ice-address", "127.0.0.1", "--reconnect-min", "1", "--reconnect-max", "2",
                "--echo-rate", "1000", "--echo-burst", "1000", "--max-calls-per-contact", "4",
                "--log-level", self.log_level] + store + self.extra

    def start(self):
        self.mark = os.path.getsize(self.log_path) if os.path.exists(self.log_path) else 0
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(self.command(), stdout=log, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL)
        return self

    async def until_online(self, timeout=30.0):
        """Until this run of the process logged "online as" (the handshake
        is done; ejabberd registered its route)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with open(self.log_path, "rb") as f:
                f.seek(self.mark)
                if b"online as" in f.read():
                    return
            if self.process.poll() is not None:
                raise AssertionError(f"{self.name} exited ({self.process.returncode}):\n{self.tail()}")
            await asyncio.sleep(0.05)
        raise AssertionError(f"{self.name} not online within {timeout} s:\n{self.tail()}")

    def tail(self, lines=30):
        with open(self.log_path, "rb") as f:
            return "\n".join(f.read().decode(errors="replace").splitlines()[-lines:])

    def kill(self):
        """SIGKILL: no goodbye on the stream, as a crash or an OOM kill."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def user_name(i):
    return f"user{i:02d}"


def users(count):
    return [(user_name(i), f"{user_name(i)}-secret") for i in range(count)]


async def users_online(cluster, count, welcome=True, timeout=30):
    """`count` slixmpp users, user i on node i % nodes, logged in and
    subscribed to the component (all at once). With `welcome`, each waits
    for parrot's welcome too. Returns the clients, in order."""
    nodes = cluster.nodes

    async def one(i):
        client = harness.Client(nodes[i % len(nodes)], user_name(i), f"{user_name(i)}-secret")
        client.node_index = i % len(nodes)
        await client.online(timeout)
        await client.befriend(COMPONENT, timeout)
        if welcome:
            await client.next_message(timeout, lambda m: "!help" in m["body"])
        return client

    return list(await asyncio.gather(*(one(i) for i in range(count))))


async def chat_round(clients, prefix, count=3, timeout=15):
    """Every client sends `count` messages; returns, per client, the set of
    instances that echoed them (all echoed, or AssertionError)."""

    async def one(client):
        for i in range(count):
            client.send_message(mto=COMPONENT, mbody=f"{prefix} {i}", mtype="chat")
        seen = set()
        for _ in range(count):
            message = await client.next_message(timeout, lambda m: m["body"].startswith(f"{prefix} "))
            seen.add(instance_of(message))
        return seen

    return list(await asyncio.gather(*(one(c) for c in clients)))


class Ticker:
    """A user sending a numbered message every `period_s`, recording when
    each was sent and which came back from which instance."""

    def __init__(self, client, prefix, period_s=0.05):
        self.client = client
        self.prefix = prefix
        self.period_s = period_s
        self.sent = {}       # n -> monotonic send time
        self.echoed = {}     # n -> (monotonic arrival, instance)
        self.running = True
        self._tasks = []

    def start(self):
        self._tasks = [asyncio.ensure_future(self._send()), asyncio.ensure_future(self._receive())]
        return self

    async def _send(self):
        n = 0
        while self.running:
            self.sent[n] = time.monotonic()
            self.client.send_message(mto=COMPONENT, mbody=f"{self.prefix} {n}", mtype="chat")
            n += 1
            await asyncio.sleep(self.period_s)

    async def _receive(self):
        marker = f"{self.prefix} "
        while True:
            message = await self.client.messages.get()
            if message["body"].startswith(marker):
                self.echoed[int(message["body"][len(marker):])] = (time.monotonic(), instance_of(message))

    async def until_echoes(self, count, after=0.0, timeout=15):
        """Until `count` messages sent after `after` came back."""
        deadline = time.monotonic() + timeout
        while sum(1 for n in self.echoed if self.sent[n] > after) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.client.boundjid.bare}: fewer than {count} echoes after "
                                     f"{after:.3f} within {timeout} s")
            await asyncio.sleep(0.02)

    def stop_sending(self):
        self.running = False

    async def until_all_after(self, since, timeout=15):
        """Until every message sent after `since` came back; AssertionError
        names the missing ones."""
        deadline = time.monotonic() + timeout
        while True:
            missing = [n for n, t in self.sent.items() if t > since and n not in self.echoed]
            if not missing:
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.client.boundjid.bare}: messages {missing[:10]} sent after the "
                                     f"failover never came back")
            await asyncio.sleep(0.02)

    def first_echoed_after(self, since):
        """The first message sent after `since` that came back: (n, its
        send time, its arrival, instance), or None."""
        after = sorted(n for n in self.echoed if self.sent[n] > since)
        if not after:
            return None
        n = after[0]
        return n, self.sent[n], *self.echoed[n]

    def last_echo_before(self, moment):
        arrivals = [arrival for arrival, _ in self.echoed.values() if arrival <= moment]
        return max(arrivals) if arrivals else None

    def lost_between(self, start, end):
        return [n for n, t in self.sent.items() if start < t <= end and n not in self.echoed]

    async def close(self):
        self.running = False
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


def spread(values_ms):
    values = sorted(values_ms)
    return (f"min {values[0]:.0f} ms, median {statistics.median(values):.0f} ms, max {values[-1]:.0f} ms "
            f"over {len(values)} users")
