#!/usr/bin/python3
"""HTTP Upload link download rate (docs/BENCHMARKS.md "File
transfers"): a file uploaded through XEP-0363 to a local Prosody's
mod_http_file_share (HTTPS on loopback, the interop test's setup), then
  - parrot: the link sent in chat; its rate = bytes / duration_s of its JSON
    report (libcurl download + SHA-256 + SHA-1 on the download's thread);
  - baseline "copy": curl(1) GETs the same URL to /dev/null (its own
    speed_download), the plain HTTPS copy from the same server;
  - baseline "hash": SHA-256 + SHA-1 over the same bytes in memory (Python's
    hashlib, which is OpenSSL EVP), both updated per 256 KiB like parrot.
Each is run RUNS times in turn; the best and the median are printed.

  /usr/bin/python3 tests/bench/http_link_bench.py [SIZE_MIB [RUNS]]
  (PARROT_BINARY=<build>/bot/parrot; defaults 1024 MiB, 3 runs)
"""
import asyncio
import hashlib
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "interop"))

import harness  # noqa: E402
import slixmpp  # noqa: E402
import test_http_links as links  # noqa: E402

MiB = 1024 * 1024
CHUNK = 256 * 1024


def hash_in_memory(data):
    started = time.perf_counter()
    sha256, sha1 = hashlib.sha256(), hashlib.sha1()
    view = memoryview(data)
    for offset in range(0, len(data), CHUNK):
        piece = view[offset:offset + CHUNK]
        sha256.update(piece)
        sha1.update(piece)
    sha256.digest(), sha1.digest()
    return len(data) / (time.perf_counter() - started)


def curl_copy(url, ca_file, https_port):
    out = subprocess.run(["curl", "-s", "-S", "-o", "/dev/null", "--cacert", ca_file, "--resolve",
                          f"{links.UPLOAD_HOST}:{https_port}:127.0.0.1", "-w", "%{speed_download}", url],
                         check=True, capture_output=True, text=True).stdout
    return float(out)


async def parrot_download(alice, parrot, url, size):
    links.link_message(alice, parrot.jid, url)
    _, report = await links.report_for(alice, timeout=600)
    assert report["verdict"] == "FILE OK" and report["bytes_received"] == size, report
    return size / report["duration_s"], report["sha256"]


async def main(size_mib, runs):
    size = size_mib * MiB
    https_port = harness.free_port()
    prosody = harness.Prosody(users=[("parrot", "parrot-secret"), ("alice", "alice-secret")])
    links.enable_file_share(prosody, https_port, size_limit=size + MiB)
    prosody.start()
    harness.wait_for_port(https_port)
    links.trust_test_ca(prosody.ca_file)
    parrot = harness.Parrot(prosody, log_level="info", extra=[
        "--link-ca-file", prosody.ca_file, "--allow-private-links",
        "--link-resolve", f"{links.UPLOAD_HOST}:{https_port}:127.0.0.1"]).start()
    alice = None
    try:
        await parrot.until_log("online as")
        alice = harness.Client(prosody, "alice", "alice-secret")
        alice.register_plugin("xep_0066")
        alice.register_plugin("xep_0363")
        await alice.online()
        alice.plugin["xep_0363"].upload_service = slixmpp.JID(links.UPLOAD_HOST)
        data = os.urandom(size)
        expected = hashlib.sha256(data).hexdigest()
        path = os.path.join(prosody.root, "bench.bin")
        with open(path, "wb") as f:
            f.write(data)
        url = await alice.plugin["xep_0363"].upload_file(path, timeout=600)
        rates = {"parrot (download + SHA-256 + SHA-1)": [], "curl to /dev/null (copy)": [],
                 "SHA-256 + SHA-1 in memory": []}
        for _ in range(runs):
            rate, digest = await parrot_download(alice, parrot, url, size)
            assert digest == expected, (digest, expected)
            rates["parrot (download + SHA-256 + SHA-1)"].append(rate)
            rates["curl to /dev/null (copy)"].append(curl_copy(url, prosody.ca_file, https_port))
            rates["SHA-256 + SHA-1 in memory"].append(hash_in_memory(data))
        print(f"{size_mib} MiB over HTTPS from Prosody 0.12 mod_http_file_share on loopback, {runs} runs; "
              f"MB/s = 10^6 bytes/s; load average {os.getloadavg()[0]:.2f}")
        print("| what | best | median |\n| --- | --- | --- |")
        for name, values in rates.items():
            print(f"| {name} | {max(values) / 1e6:,.0f} MB/s | {statistics.median(values) / 1e6:,.0f} MB/s |")
        slower = min(statistics.median(rates["curl to /dev/null (copy)"]),
                     statistics.median(rates["SHA-256 + SHA-1 in memory"]))
        ratio = statistics.median(rates["parrot (download + SHA-256 + SHA-1)"]) / slower
        print(f"parrot / slower baseline (medians): {ratio:.0%}")
    finally:
        if alice:
            alice.disconnect()
        parrot.stop()
        prosody.cleanup()


if __name__ == "__main__":
    size_mib = int(sys.argv[1]) if len(sys.argv) > 1 else 1024
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    asyncio.run(main(size_mib, runs))
