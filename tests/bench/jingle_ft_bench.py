#!/usr/bin/python3
"""Jingle File Transfer receive rates (docs/BENCHMARKS.md "File
transfers"), end to end through parrot's Jingle signalling, a real Prosody
and parrot's worker threads, with the interop test's slixmpp sender:
  - SOCKS5: SIZE_MIB (default 1024) sent from the sender's own streamhost on
    loopback (XEP-0260 direct candidate); parrot's rate = bytes / duration_s
    of its JSON report (first to last byte, hashed with SHA-256 on a worker
    and SHA-1 on the reader's helper thread). Baselines in the same run:
    "hash" = SHA-256 + SHA-1 over the same bytes in memory, one thread
    (hashlib, which is OpenSSL EVP) per 256 KiB, and
    "copy" = a plain loopback TCP copy of the same size (the same sender
    writing into a socket whose reader recv_into()s 256 KiB and drops it).
  - IBB: IBB_MIB (default 16; 0 skips IBB) with the XEP-0047 default
    block size 4096, 8 data IQs in flight; the rate is parrot's report's;
    the CPU seconds that parrot, Prosody and the sender (this process)
    spent meanwhile say where the time goes.
Each is run RUNS times in turn; the best and the median are printed.

  /usr/bin/python3 tests/bench/jingle_ft_bench.py [SIZE_MIB [RUNS [IBB_MIB]]]
  (PARROT_BINARY=<build>/bot/parrot; defaults 1024 MiB, 3 runs, 16 MiB)
"""
import asyncio
import hashlib
import os
import secrets
import socket
import statistics
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "interop"))

import harness  # noqa: E402
import test_jingle_ft as ft  # noqa: E402

MiB = 1024 * 1024
CHUNK = 256 * 1024


class RepeatedBytes:
    """SIZE bytes made of one random MiB repeated, so 1 GiB needs no 1 GiB
    buffer; sliceable the way ft.send_all slices."""

    def __init__(self, size):
        self.block = os.urandom(MiB)
        self.size = size

    def __len__(self):
        return self.size

    def chunks(self):
        for offset in range(0, self.size, MiB):
            yield self.block[:min(MiB, self.size - offset)]


def hash_in_memory(data):
    started = time.perf_counter()
    sha256, sha1 = hashlib.sha256(), hashlib.sha1()
    for block in data.chunks():
        view = memoryview(block)
        for offset in range(0, len(view), CHUNK):
            sha256.update(view[offset:offset + CHUNK])
            sha1.update(view[offset:offset + CHUNK])
    return data.size / (time.perf_counter() - started), sha256.hexdigest()


async def send_repeated(writer, data):
    for block in data.chunks():
        writer.write(block)
        await writer.drain()


async def tcp_copy(data):
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    result = {}

    def drain():
        connection, _ = listener.accept()
        buffer = bytearray(CHUNK)
        received, first = 0, None
        while True:
            n = connection.recv_into(buffer)
            if n == 0:
                break
            if first is None:
                first = time.perf_counter()
            received += n
        result["rate"] = received / (time.perf_counter() - first)
        connection.close()

    thread = threading.Thread(target=drain)
    thread.start()
    _, writer = await asyncio.open_connection("127.0.0.1", port)
    await send_repeated(writer, data)
    writer.close()
    await writer.wait_closed()
    await asyncio.get_running_loop().run_in_executor(None, thread.join)
    listener.close()
    return result["rate"]


class RepeatedStreamhost(ft.Streamhost):
    async def _serve(self, reader, writer):
        greeting = await reader.readexactly(2)
        await reader.readexactly(greeting[1])
        writer.write(b"\x05\x00")
        head = await reader.readexactly(5)
        addr = await reader.readexactly(head[4])
        await reader.readexactly(2)
        writer.write(b"\x05\x00\x00\x03" + bytes([len(addr)]) + addr + b"\x00\x00")
        await writer.drain()
        await self.go.wait()
        await send_repeated(writer, self.data)
        writer.close()


async def parrot_socks5(alice, parrot_full, data, expected_sha256):
    sid, tsid = secrets.token_hex(8), secrets.token_hex(8)
    me = str(alice.client.boundjid)
    host = await RepeatedStreamhost(ft.dst_addr(tsid, me, parrot_full), data).start()
    await alice.initiate(sid, [ft.Sender.file_content("bench.bin", len(data), ft.s5b_transport(
        tsid, [("live", "127.0.0.1", me, host.port, 126 << 16, "direct")]))])
    await alice.expect(sid, "session-accept")
    await alice.expect(sid, "transport-info", timeout=30)
    host.go.set()
    report = await alice.report(sid, timeout=600)
    host.close()
    assert report["verdict"] == "FILE OK" and report["sha256"] == expected_sha256, report
    return len(data) / report["duration_s"]


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def parrot_ibb(alice, size, pids):
    data = os.urandom(size)
    sid, tsid = secrets.token_hex(8), secrets.token_hex(8)
    before = {name: cpu_seconds(pid) for name, pid in pids.items()}
    await alice.initiate(sid, [ft.Sender.file_content("bench.bin", size, ft.ibb_transport(tsid, 4096))])
    await alice.expect(sid, "session-accept")
    assert await alice.ibb(tsid, data, 4096, window=8) is None
    report = await alice.report(sid, timeout=600)
    cpu = {name: cpu_seconds(pid) - before[name] for name, pid in pids.items()}
    assert report["verdict"] == "FILE OK" and report["sha256"] == hashlib.sha256(data).hexdigest(), report
    return size / report["duration_s"], report["duration_s"], cpu


def line(name, rates):
    mb = [r / 1e6 for r in rates]
    print(f"{name:28s} best {max(mb):8.1f} MB/s   median {statistics.median(mb):8.1f} MB/s   "
          f"runs {', '.join(f'{m:.1f}' for m in mb)}")


async def main():
    size = int(sys.argv[1]) * MiB if len(sys.argv) > 1 else 1024 * MiB
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    ibb_size = int(sys.argv[3]) * MiB if len(sys.argv) > 3 else 16 * MiB
    prosody = harness.Prosody(users=[("parrot", "parrot-secret"), ("alice", "alice-secret")])
    with open(prosody.config) as f:
        config = f.read()
    with open(prosody.config, "w") as f:
        f.write(config.replace('VirtualHost "', 'c2s_stanza_size_limit = 1024*1024\nVirtualHost "', 1))
    prosody.start()
    parrot = harness.Parrot(prosody, extra=["--max-file-bytes", str(4 << 30)], log_level="info").start()
    client = None
    try:
        await parrot.until_log("online as")
        client = harness.Client(prosody, "alice", "alice-secret")
        await client.online()
        await client.befriend(parrot.jid)
        alice = ft.Sender(client, f"{parrot.jid}/parrot")
        data = RepeatedBytes(size)
        rates = {"hash": [], "copy": [], "parrot": []}
        for _ in range(runs):
            rate, digest = hash_in_memory(data)
            rates["hash"].append(rate)
            rates["copy"].append(await tcp_copy(data))
            rates["parrot"].append(await parrot_socks5(alice, f"{parrot.jid}/parrot", data, digest))
        print(f"SOCKS5, {size // MiB} MiB, SHA-256 + SHA-1, {runs} runs")
        line("in-memory hash (baseline)", rates["hash"])
        line("TCP loopback copy (baseline)", rates["copy"])
        line("parrot via Jingle SOCKS5", rates["parrot"])
        slower = min(statistics.median(rates["hash"]), statistics.median(rates["copy"]))
        print(f"parrot / slower baseline (medians): {statistics.median(rates['parrot']) / slower:.0%}")

        if ibb_size == 0:
            return
        pids = {"parrot": parrot.process.pid, "prosody": prosody.process.pid, "sender": os.getpid()}
        ibb = []
        for _ in range(runs):
            rate, duration, cpu = await parrot_ibb(alice, ibb_size, pids)
            ibb.append(rate)
            print(f"IBB {ibb_size // MiB} MiB in {duration:.1f} s; CPU s: " +
                  ", ".join(f"{name} {seconds:.1f}" for name, seconds in cpu.items()))
        line(f"parrot via Jingle IBB, block 4096", ibb)
    finally:
        if client:
            client.disconnect()
        parrot.stop()
        prosody.cleanup()


if __name__ == "__main__":
    asyncio.run(main())
