"""Message echo throughput and round trip through one local Prosody, in one
run: a minimal slixmpp echo bot (baseline) against parrot, logged in as a
user and as an XEP-0114 component.

Load comes from several client processes (tests/bench/echo_load.cpp, built
as parrot_echo_load), each keeping a fixed window of messages in flight. Reports echoes/s, p50/p99 round trip, and the
CPU share of the bot and of Prosody during the measured window, so it shows
which one is the bottleneck.

    /usr/bin/python3 tests/bench/echo_bench.py [--seconds 8] [--clients 3] [--window 100]
"""
import argparse
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../interop"))
import harness  # noqa: E402

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def load_binary():
    return os.environ.get("PARROT_ECHO_LOAD") or os.path.join(
        os.path.dirname(harness.parrot_binary()), "../tests/parrot_echo_load")


def echo_figures(loaders, args):
    """Echoes per second and the round-trip percentiles from the load
    generators' output (one round trip in ns per line)."""
    rtts = []
    for loader in loaders:
        out, err = loader.communicate(timeout=args.seconds + args.warmup + 60)
        if loader.returncode != 0:
            raise RuntimeError(f"load generator failed: {err.strip()}")
        rtts.extend(int(line) / 1e6 for line in out.split())
    rtts.sort()
    return {
        "echoes_per_s": len(rtts) / args.seconds,
        "p50_ms": 1000 * statistics.median(rtts) if rtts else float("nan"),
        "p99_ms": 1000 * rtts[int(0.99 * (len(rtts) - 1))] if rtts else float("nan"),
    }


def measure(prosody, target_jid, target_pid, args):
    loaders = [subprocess.Popen(
        [load_binary(), "--jid", f"load{i}@{prosody.domain}", "--password", "load-secret",
         "--port", str(prosody.port), "--target", target_jid, "--window", str(args.window),
         "--warmup", str(args.warmup), "--seconds", str(args.seconds)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for i in range(args.clients)]
    time.sleep(args.warmup + 1.0)  # connect + warm-up
    cpu0, prosody_cpu0, t0 = cpu_seconds(target_pid), cpu_seconds(prosody.process.pid), time.monotonic()
    time.sleep(args.seconds - 1.0)
    cpu1, prosody_cpu1, t1 = cpu_seconds(target_pid), cpu_seconds(prosody.process.pid), time.monotonic()
    return {
        **echo_figures(loaders, args),
        "bot_cpu": (cpu1 - cpu0) / (t1 - t0),
        "prosody_cpu": (prosody_cpu1 - prosody_cpu0) / (t1 - t0),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--clients", type=int, default=3)
    parser.add_argument("--window", type=int, default=100)
    args = parser.parse_args()

    users = [("parrot", "parrot-secret"), ("echobot", "echobot-secret")]
    users += [(f"load{i}", "load-secret") for i in range(args.clients)]
    component = f"echo.{harness.DOMAIN}"
    prosody = harness.Prosody(users=users, components=[(component, "bench-secret")])
    prosody.start()
    rows = {}
    try:
        baseline = subprocess.Popen([sys.executable, os.path.join(os.path.dirname(__file__), "slixmpp_echo_bot.py"),
                                     f"echobot@{prosody.domain}/bot", "echobot-secret", str(prosody.port),
                                     prosody.ca_file], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(2.0)
        rows["slixmpp echo bot (baseline)"] = measure(prosody, f"echobot@{prosody.domain}", baseline.pid, args)
        baseline.terminate()
        baseline.wait()

        # With XEP-0198 on (parrot's default) Prosody also queues and acks
        # every stanza to parrot, which the baseline bot does not ask for;
        # both are measured so the cost of acks is visible.
        for name, sm in (("parrot", "true"), ("parrot, no XEP-0198", "false")):
            parrot = harness.Parrot(prosody, log_level="info",
                                    extra=["--echo-rate", "1000000", "--echo-burst", "1000000",
                                           "--stream-management", sm]).start()
            try:
                parrot.wait_log("online as", timeout=20)
                rows[name] = measure(prosody, parrot.jid, parrot.process.pid, args)
            finally:
                parrot.stop()
        # As an XEP-0114 component: no TLS, no acks, and every reply stamped.
        parrot = harness.ComponentParrot(prosody, component, "bench-secret", log_level="info",
                                         extra=["--echo-rate", "1000000", "--echo-burst", "1000000"]).start()
        try:
            parrot.wait_log("online as", timeout=20)
            rows["parrot, component (XEP-0114)"] = measure(prosody, parrot.jid, parrot.process.pid, args)
        finally:
            parrot.stop()
    finally:
        prosody.cleanup()

    print(f"echo benchmark: {args.clients} load clients x window {args.window}, {args.seconds:.0f} s measured, "
          f"{os.cpu_count()} cores")
    print(f"{'bot':32} {'echoes/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'bot CPU':>8} {'Prosody CPU':>12}")
    for name, r in rows.items():
        print(f"{name:32} {r['echoes_per_s']:10.0f} {r['p50_ms']:8.2f} {r['p99_ms']:8.2f} "
              f"{100 * r['bot_cpu']:7.0f}% {100 * r['prosody_cpu']:11.0f}%")
    base = rows["slixmpp echo bot (baseline)"]
    base_cpu = base["bot_cpu"] / max(base["echoes_per_s"], 1)
    for name, ours in rows.items():
        if ours is base:
            continue
        ours_cpu = ours["bot_cpu"] / max(ours["echoes_per_s"], 1)
        print(f"{name} / baseline: throughput {ours['echoes_per_s'] / base['echoes_per_s']:.2f}x, "
              f"p50 {ours['p50_ms'] / base['p50_ms']:.2f}x, bot CPU per echo {1e6 * ours_cpu:.0f} us vs "
              f"{1e6 * base_cpu:.0f} us ({base_cpu / ours_cpu:.1f}x less)")


if __name__ == "__main__":
    main()
