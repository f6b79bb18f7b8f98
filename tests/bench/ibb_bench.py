#!/usr/bin/python3
"""IBB receive rate (docs/BENCHMARKS.md "File transfers": "IBB
throughput with the default block size. Target: >= 20 MB/s"), measured so
that the sender is not what is measured.

  - The sender logs in with slixmpp and does the Jingle FT signalling with
    tests/interop/test_jingle_ft.py's helpers (XEP-0234 over XEP-0261), but
    the XEP-0047 data IQs are pre-serialized before the clock starts and
    written straight to slixmpp's transport, WINDOW of them in flight; the
    answers are counted by id before slixmpp builds stanza objects of them.
  - Baseline in the same run and through the same server: the same IQs to a
    raw sink, a second account in its own process that parses nothing but
    the <iq> tags and answers each with a result (the server's relay rate).
  - The server is Prosody (default) or, with --server ejabberd, ejabberd
    (Debian 12's 23.01: `apt-get install ejabberd`), both from
    tests/interop/harness.py. Prosody logs at "warn" and collects garbage
    less eagerly than its default; PROSODY_TUNING below says why. ejabberd
    logs at "warning", its c2s has no shaper (harness.Ejabberd) and, as
    Prosody here, a 1 MiB stanza limit.

Printed per run: parrot's rate (bytes / duration_s of its JSON report, from
<open/> to the last block hashed with SHA-256 + SHA-1), the sink's (from
<open/> to the last block, timed by the sink), both as the sender saw them
(first IQ written to last answer read), and the CPU seconds parrot, the server,
the sender and the sink spent; then best and median over RUNS, and bytes per
CPU second of each process: the rate it could keep up on a free core, which
says which one limits the end-to-end figure.

  PARROT_BINARY=<build>/bot/parrot /usr/bin/python3 tests/bench/ibb_bench.py \
      [--server prosody|ejabberd] [MIB [RUNS [BLOCK [WINDOW]]]]
  (defaults: Prosody, 16 MiB, 3 runs, block 4096 (XEP-0047's default), 8 IQs in flight)
Set IBB_BENCH_PROSODY=plain for the tests' Prosody settings (the log level
stays at warn).
"""
import argparse
import asyncio
import base64
import hashlib
import os
import re
import secrets
import socket
import ssl
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "interop"))

MiB = 1024 * 1024
NS_IBB = "http://jabber.org/protocol/ibb"
IQ_PREFIX = "ibbb"

# Prosody options for the benchmark (global section), measured against the
# tests' settings with IBB_BENCH_PROSODY=plain:
# - gc: Prosody 0.12 runs Lua 5.4's incremental collector with a pause of
#   105% (util/startup.lua's default_gc_params: a new cycle as soon as the
#   heap grows 5%), so every few dozen 5.5 KB stanzas it marks its whole
#   heap again: perf put about a third of Prosody's CPU in lua5.4's collector
#   (by address: Debian's lua5.4 has no symbols). With
#   Lua's usual pause or more, Prosody's CPU per MiB of IBB roughly halves.
#   What is left is Lua: parsing, routing and escaping each block's text
#   again when serializing (util.stanza's gsub, ~85 us per 4096-byte block).
PROSODY_TUNING = """
gc = { mode = "incremental", threshold = 400 }
"""


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# --- the raw sink (its own process: `ibb_bench.py --sink ...`) ---------------

class RawStream:
    """Just enough of a c2s client for the sink: STARTTLS, SASL PLAIN, bind,
    over a blocking socket. Reads with regular expressions: the only peer is
    this benchmark's server, whose stanzas here carry no '<' in text."""

    def __init__(self, port, domain):
        self.domain = domain
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.buffer = bytearray()

    def open_stream(self):
        self.sock.sendall(f"<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
                          f"xmlns:stream='http://etherx.jabber.org/streams' to='{self.domain}' "
                          "version='1.0'>".encode())
        return self.read_until(rb"</stream:features>")

    def read_until(self, pattern):
        regex = re.compile(pattern, re.S)
        while True:
            found = regex.search(self.buffer)
            if found:
                text = bytes(self.buffer[:found.end()])
                del self.buffer[:found.end()]
                return text
            chunk = self.sock.recv(65536)
            if not chunk:
                raise RuntimeError(f"stream closed while waiting for {pattern!r}: {bytes(self.buffer)[-300:]!r}")
            self.buffer += chunk

    def login(self, user, password, resource, ca_file):
        self.open_stream()
        self.sock.sendall(b"<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
        self.read_until(rb"<proceed[^>]*>")
        context = ssl.create_default_context(cafile=ca_file)
        self.sock = context.wrap_socket(self.sock, server_hostname=self.domain)
        self.open_stream()
        token = base64.b64encode(f"\0{user}\0{password}".encode()).decode()
        self.sock.sendall(f"<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>{token}</auth>".encode())
        answer = self.read_until(rb"<success[^>]*/>|</success>|</failure>")
        if b"<success" not in answer:
            raise RuntimeError(f"SASL PLAIN refused: {answer!r}")
        self.open_stream()
        self.sock.sendall(f"<iq type='set' id='bind'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
                          f"<resource>{resource}</resource></bind></iq>".encode())
        bound = self.read_until(rb"</iq>")
        return re.search(rb"<jid>([^<]+)</jid>", bound).group(1).decode()


IQ_OPEN = re.compile(rb"<iq\b[^>]*?(/?)>")
ATTRIBUTE = re.compile(rb"""\b(id|from|type)=(['"])([^'"]*)\2""")


def sink_main(port, domain, user, password, ca_file):
    """Answers every <iq> with a result once the whole stanza arrived; for
    each IBB bytestream (<open/> .. <close/>) prints
    'RUN <bytes> <seconds from open to last data>' on stdout."""
    stream = RawStream(port, domain)
    print(stream.login(user, password, "sink", ca_file), flush=True)
    buffer = stream.buffer
    opened = last = None
    received = 0
    while True:
        chunk = stream.sock.recv(262144)
        if not chunk:
            return
        now = time.perf_counter()
        buffer += chunk
        answers = []
        position = 0
        while True:
            tag = IQ_OPEN.search(buffer, position)
            if tag is None:
                break
            if tag.group(1):
                end = tag.end()
            else:
                close = buffer.find(b"</iq>", tag.end())
                if close < 0:
                    break
                end = close + 5
            attributes = {m.group(1): m.group(3) for m in ATTRIBUTE.finditer(buffer, tag.start(), tag.end())}
            if attributes.get(b"type") in (b"set", b"get"):
                answers.append(b"<iq type='result' id='%s' to='%s'/>" % (attributes[b"id"], attributes[b"from"]))
                body = buffer[tag.end():tag.end() + 6]
                if body.startswith(b"<data"):
                    start = buffer.index(b">", tag.end()) + 1
                    text = buffer[start:buffer.rindex(b"</data>", start, end)]
                    received += len(text) // 4 * 3 - text.count(b"=", -2)
                    last = now
                elif body.startswith(b"<open"):
                    opened, last, received = now, now, 0
                elif body.startswith(b"<close"):
                    print(f"RUN {received} {last - opened:.6f}", flush=True)
            position = end
        del buffer[:position]
        if answers:
            stream.sock.sendall(b"".join(answers))


# --- the sender ------------------------------------------------------------

class RawWindow:
    """Writes pre-serialized IQs to a slixmpp client's transport, `window`
    of them unanswered at most; answers with our id prefix are taken before
    slixmpp turns them into stanza objects (its _spawn_event is wrapped)."""

    def __init__(self, client):
        self.client = client
        self.original = client._spawn_event
        client._spawn_event = self._spawn
        self.stanzas = []
        self.done = None

    def _spawn(self, xml):
        if self.done is not None and xml.tag == "{jabber:client}iq" and xml.get("id", "").startswith(self.prefix):
            if xml.get("type") != "result":
                self.errors += 1
            self.answered += 1
            self._pump()
            return
        self.original(xml)

    def _pump(self):
        end = min(len(self.stanzas), self.answered + self.window)
        if end > self.sent:
            # One write for every IQ the window allows now: fewer TLS records.
            self.client.transport.write(b"".join(self.stanzas[self.sent:end]))
            self.sent = end
        if self.answered == len(self.stanzas) and not self.done.done():
            self.done.set_result(time.perf_counter())

    async def run(self, stanzas, window, prefix):
        """Returns (seconds from the first write to the last answer, error answers)."""
        self.stanzas, self.window, self.prefix = stanzas, window, prefix
        self.sent = self.answered = self.errors = 0
        self.done = asyncio.get_running_loop().create_future()
        started = time.perf_counter()
        self._pump()
        finished = await asyncio.wait_for(self.done, 600)
        self.done = None
        return finished - started, self.errors


def data_iqs(blocks, to, ibb_sid, prefix):
    return [(f"<iq type='set' to='{to}' id='{prefix}{i}'><data xmlns='{NS_IBB}' sid='{ibb_sid}' "
             f"seq='{i % 65536}'>{block}</data></iq>").encode() for i, block in enumerate(blocks)]


class Bench:
    def __init__(self, ft, alice, window, block):
        self.ft = ft
        self.alice = alice
        self.raw = RawWindow(alice.client)
        self.window = window
        self.block = block

    async def open(self, to, ibb_sid):
        element = self.ft.ET.Element(self.ft.q(NS_IBB, "open"),
                                     {"sid": ibb_sid, "block-size": str(self.block), "stanza": "iq"})
        iq = self.alice.client.make_iq_set(ito=to)
        iq.xml.append(element)
        await iq.send(timeout=30)

    async def parrot(self, data, blocks, pids):
        ft = self.ft
        sid, tsid = secrets.token_hex(8), secrets.token_hex(8)
        stanzas = data_iqs(blocks, self.alice.parrot, tsid, f"{IQ_PREFIX}{tsid}-")
        before = {name: cpu_seconds(pid) for name, pid in pids.items()}
        await self.alice.initiate(sid, [ft.Sender.file_content("bench.bin", len(data),
                                                               ft.ibb_transport(tsid, self.block))])
        await self.alice.expect(sid, "session-accept")
        await self.open(self.alice.parrot, tsid)
        seconds, errors = await self.raw.run(stanzas, self.window, f"{IQ_PREFIX}{tsid}-")
        report = await self.alice.report(sid, timeout=600)
        cpu = {name: cpu_seconds(pid) - before[name] for name, pid in pids.items()}
        assert errors == 0, f"{errors} data IQs answered with an error"
        assert report["verdict"] == "FILE OK" and report["sha256"] == hashlib.sha256(data).hexdigest(), report
        return len(data) / report["duration_s"], len(data) / seconds, cpu

    async def sink(self, sink, data, blocks, pids):
        tsid = secrets.token_hex(8)
        stanzas = data_iqs(blocks, sink.jid, tsid, f"{IQ_PREFIX}{tsid}-")
        before = {name: cpu_seconds(pid) for name, pid in pids.items()}
        await self.open(sink.jid, tsid)
        seconds, errors = await self.raw.run(stanzas, self.window, f"{IQ_PREFIX}{tsid}-")
        close = self.alice.client.make_iq_set(ito=sink.jid)
        close.xml.append(self.ft.ET.Element(self.ft.q(NS_IBB, "close"), {"sid": tsid}))
        await close.send(timeout=30)
        received, duration = await sink.run_line()
        cpu = {name: cpu_seconds(pid) - before[name] for name, pid in pids.items()}
        assert errors == 0 and received == len(data), (errors, received, len(data))
        return len(data) / duration, len(data) / seconds, cpu


class SinkProcess:
    async def start(self, server, user, password):
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, os.path.abspath(__file__), "--sink", str(server.port), server.domain, user, password,
            server.ca_file, stdout=asyncio.subprocess.PIPE)
        self.jid = (await asyncio.wait_for(self.process.stdout.readline(), 30)).decode().strip()
        assert "@" in self.jid, f"the sink did not log in: {self.jid!r}"
        return self

    async def run_line(self):
        line = (await asyncio.wait_for(self.process.stdout.readline(), 60)).decode().split()
        assert line and line[0] == "RUN", line
        return int(line[1]), float(line[2])

    async def stop(self):
        if self.process.returncode is None:
            self.process.terminate()
            await self.process.wait()


def summary(name, rates):
    mb = [r / 1e6 for r in rates]
    print(f"{name:34s} best {max(mb):7.1f} MB/s   median {statistics.median(mb):7.1f} MB/s   "
          f"runs {', '.join(f'{m:.1f}' for m in mb)}")


def arguments():
    parser = argparse.ArgumentParser(description="IBB receive rate of parrot beside a raw sink.")
    parser.add_argument("--server", choices=("prosody", "ejabberd"), default="prosody",
                        help="the server both transfers go through (default: prosody)")
    parser.add_argument("mib", nargs="?", type=int, default=16, help="MiB per transfer (16)")
    parser.add_argument("runs", nargs="?", type=int, default=3, help="runs (3)")
    parser.add_argument("block", nargs="?", type=int, default=4096, help="IBB block size in bytes (4096)")
    parser.add_argument("window", nargs="?", type=int, default=8, help="data IQs in flight (8)")
    return parser.parse_args()


def start_server(harness, kind, users):
    """The server to relay through, started; and how to describe it. Both
    take 1 MiB stanzas: room for a 65535-byte block's base64 in one."""
    if kind == "ejabberd":
        server = harness.Ejabberd(users=users, log_level="warn", max_stanza_bytes=MiB)
        server.start()
        return server, "ejabberd (c2s shaper none, max_stanza_size 1 MiB, log level warning)"
    tuned = os.environ.get("IBB_BENCH_PROSODY", "tuned") != "plain"
    server = harness.Prosody(users=users, log_level="warn")
    with open(server.config) as f:
        config = f.read()
    tuning = "c2s_stanza_size_limit = 1024*1024\n" + (PROSODY_TUNING if tuned else "")
    with open(server.config, "w") as f:
        f.write(config.replace('VirtualHost "', tuning + 'VirtualHost "', 1))
    server.start()
    return server, f"Prosody {'tuned' if tuned else 'as in the tests'} (log level warn)"


async def main():
    # Imported here: they load slixmpp, which the sink process does without.
    import harness
    import test_jingle_ft as ft

    options = arguments()
    size, runs, block, window = options.mib * MiB, options.runs, options.block, options.window
    server, described = start_server(harness, options.server, [("parrot", "parrot-secret"),
                                                                ("alice", "alice-secret"), ("sink", "sink-secret")])
    parrot = harness.Parrot(server, extra=["--max-file-bytes", str(size + MiB)], log_level="info").start()
    client = sink = None
    try:
        await parrot.until_log("online as")
        client = harness.Client(server, "alice", "alice-secret")
        await client.online()
        await client.befriend(parrot.jid)
        sink = await SinkProcess().start(server, "sink", "sink-secret")
        bench = Bench(ft, ft.Sender(client, f"{parrot.jid}/parrot"), window, block)

        data = os.urandom(size)
        blocks = [base64.b64encode(data[i:i + block]).decode() for i in range(0, size, block)]
        name = options.server
        pids = {"parrot": parrot.process.pid, name: server.process.pid, "sender": os.getpid(),
                "sink": sink.process.pid}
        print(f"IBB, {size // MiB} MiB in {len(blocks)} blocks of {block} B, {window} IQs in flight, "
              f"server: {described}; {runs} runs")
        rates = {"parrot": [], "parrot_sender": [], "sink": [], "sink_sender": []}
        # Bytes per CPU second: the rate each process could keep up on a
        # core of its own (parrot's is split over its control thread and a worker).
        cpu_rates = {"parrot": [], f"{name} (to parrot)": [], f"{name} (to the sink)": [], "sender": []}
        for run in range(runs):
            rate, seen, cpu = await bench.parrot(data, blocks, pids)
            rates["parrot"].append(rate)
            rates["parrot_sender"].append(seen)
            cpu_rates["parrot"].append(size / max(cpu["parrot"], 0.01))
            cpu_rates[f"{name} (to parrot)"].append(size / max(cpu[name], 0.01))
            cpu_rates["sender"].append(size / max(cpu["sender"], 0.01))
            print(f"run {run + 1} parrot {rate / 1e6:6.1f} MB/s (sender saw {seen / 1e6:6.1f}); CPU s: " +
                  ", ".join(f"{who} {seconds:.2f}" for who, seconds in cpu.items()))
            rate, seen, cpu = await bench.sink(sink, data, blocks, pids)
            rates["sink"].append(rate)
            rates["sink_sender"].append(seen)
            cpu_rates[f"{name} (to the sink)"].append(size / max(cpu[name], 0.01))
            print(f"run {run + 1} sink   {rate / 1e6:6.1f} MB/s (sender saw {seen / 1e6:6.1f}); CPU s: " +
                  ", ".join(f"{who} {seconds:.2f}" for who, seconds in cpu.items()))
        summary("parrot via Jingle IBB (report)", rates["parrot"])
        summary("parrot, as the sender saw it", rates["parrot_sender"])
        summary(f"raw sink via {name} (baseline)", rates["sink"])
        summary("raw sink, as the sender saw it", rates["sink_sender"])
        print(f"parrot / sink (medians): {statistics.median(rates['parrot']) / statistics.median(rates['sink']):.0%}")
        print("MB per CPU second (medians): " +
              ", ".join(f"{who} {statistics.median(values) / 1e6:.1f}" for who, values in cpu_rates.items()))
    finally:
        if sink:
            await sink.stop()
        if client:
            client.disconnect()
        parrot.stop()
        server.cleanup()


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--sink":
        sink_main(int(sys.argv[2]), *sys.argv[3:7])
    else:
        asyncio.run(main())
