#!/usr/bin/python3
"""`parrot probe` against a local Prosody with mod_external_services (XEP-0215)
and a coturn checking its TURN REST credentials, with a parrot as the
target, all on loopback: time to verdict, direct and relay-only, N runs each
(alternating, so drift hits both alike).

Per run, from the probe's JSON: login (TCP, TLS, SASL, bind: the baseline
every probe pays, measured in the same run), XEP-0215 discovery, start ->
keyed media (JMI propose, Jingle, ICE, DTLS; with --relay-only the TURN
allocation too), and start -> verdict with --seconds 1 (one second of
media, then session-terminate and the probe's report); plus the process's
wall time, which adds waiting for the target's report and the exit.

    PARROT_BINARY=build/bot/parrot /usr/bin/python3 tests/bench/probe_bench.py [--runs 5]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../interop"))
import harness  # noqa: E402
from test_probe import SECRET, Coturn, enable_external_services, free_udp_port  # noqa: E402


def probe_once(prosody, password_file, result_path, relay_only):
    command = [harness.parrot_binary(), "probe", "--jid", f"probe@{prosody.domain}", "--password-file", password_file,
               "--server", f"127.0.0.1:{prosody.port}", "--ca-file", prosody.ca_file, "--ice-address", "127.0.0.1",
               "--target", f"parrot@{prosody.domain}", "--seconds", "1", "--json", result_path]
    if relay_only:
        command.append("--relay-only")
    started = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    wall = time.monotonic() - started
    if done.returncode != 0:
        raise RuntimeError(f"probe exited {done.returncode}:\n{done.stdout}\n{done.stderr[-2000:]}")
    with open(result_path) as f:
        data = json.load(f)
    checks = {c["name"]: c for c in data["checks"]}
    if relay_only:
        assert data["probe_report"]["ice"]["selected"]["local_type"] == "relay", data["probe_report"]["ice"]
    return {"login": checks["login"]["seconds"], "discovery": checks["stun-turn-discovered"]["seconds"],
            "media": data["seconds_to_media"], "verdict": data["seconds_to_verdict"], "wall": wall}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    turn_port = free_udp_port()
    prosody = harness.Prosody(users=[("parrot", "parrot-secret"), ("probe", "probe-secret")], log_level="warn")
    enable_external_services(prosody, turn_port)
    coturn = Coturn(prosody.root, turn_port, SECRET)
    prosody.start()
    parrot = harness.Parrot(prosody, extra=["--ice-address", "127.0.0.1", "--external-services", "false"],
                            log_level="info").start()
    password_file = f"{prosody.root}/probe.password"
    with open(password_file, "w") as f:
        f.write("probe-secret\n")
    try:
        parrot.wait_log("online as")
        results = {"direct": [], "relay-only": []}
        for run in range(args.runs):
            for mode in results:
                results[mode].append(probe_once(prosody, password_file, f"{prosody.root}/{mode}-{run}.json",
                                                mode == "relay-only"))
        print(f"parrot probe, {args.runs} runs each, --seconds 1; median (min-max), ms")
        print(f"{'mode':<11} {'login':>16} {'discovery':>16} {'keyed media':>18} {'verdict':>20} {'process':>20}")
        for mode, runs in results.items():
            cells = []
            for key in ("login", "discovery", "media", "verdict", "wall"):
                values = [1000 * r[key] for r in runs]
                cells.append(f"{statistics.median(values):.0f} ({min(values):.0f}-{max(values):.0f})")
            print(f"{mode:<11} {cells[0]:>16} {cells[1]:>16} {cells[2]:>18} {cells[3]:>20} {cells[4]:>20}")
    finally:
        parrot.stop()
        coturn.stop()
        prosody.cleanup()


if __name__ == "__main__":
    main()
