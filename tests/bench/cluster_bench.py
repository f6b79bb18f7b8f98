#!/usr/bin/python3
"""parrot scaled out as XEP-0114 component instances on a two-node ejabberd
cluster (tests/interop/cluster.py): chat echoes per second and call setups
per second with one, two and three instances, each against the one-instance
baseline of the same run, and the failover time of both routing shapes.

- Throughput and calls: domain_balancing bare_source with component_number
  = the number of instances (a cluster booted per count), instances placed
  on nodes A, B, A. Chat load: parrot_echo_load processes (the echo
  benchmark's gloox load generator, tests/bench/echo_load.cpp), half on each
  node, each keeping a window of messages in flight to the component domain.
  Calls: aiortc callers (tests/interop/jingle_caller.py), half on each node,
  each placing audio calls one after another, each call ended once its
  first echoed frame decoded (as call_setup_bench.py does).
- Failover, shape "local" (one instance per node, no domain_balancing):
  node B's users send a message every 20 ms, B's instance is SIGKILLed;
  failover = the first echoed message's sending - the kill. Then it is
  started again and the users wait to be back on it, and so on.
- Failover, shape "buckets" (three instances): the instance of most ticker
  users is SIGKILLed and started again at once (systemd's Restart=always);
  outage = the first echoed message's sending - the kill.

Everything shares the machine's cores: the figures say what one machine
carries, and the CPU columns show who spends it.

    cmake --build build --target parrot parrot_echo_load
    PARROT_BINARY=build/bot/parrot /usr/bin/python3 tests/bench/cluster_bench.py
        [--seconds 6] [--clients 6] [--window 50] [--callers 2] [--calls 6] [--failovers 5]
        [--store postgresql://...] [--stand-in]
"""
import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../interop"))
import jingle_caller as jc  # noqa: E402  (first: it limits aioice to loopback)
import echo_bench  # noqa: E402  (beside this file: the same load generator's figures)
import harness  # noqa: E402
import cluster as cl  # noqa: E402
from echo_bench import cpu_seconds, load_binary  # noqa: E402

NODE_OF_INSTANCE = [0, 1, 0]  # a0 on A, b0 on B, a1 on A


def instance_names(count):
    names, per_node = [], [0, 0]
    for i in range(count):
        node = NODE_OF_INSTANCE[i]
        names.append(f"{'ab'[node]}{per_node[node]}")
        per_node[node] += 1
    return names


def load_user(i):
    return f"load{i}", "load-secret"


def start_instances(ejabberd, count, args):
    return [cl.Instance(name, ejabberd.nodes[NODE_OF_INSTANCE[i]], ejabberd.root, stand_in=args.stand_in,
                        store=args.store).start()
            for i, name in enumerate(instance_names(count))]


def total_cpu(pids):
    return sum(cpu_seconds(pid) for pid in pids)


def measure_chat(ejabberd, instances, args):
    nodes = ejabberd.nodes
    loaders = []
    for i in range(args.clients):
        user, password = load_user(i)
        loaders.append(subprocess.Popen(
            [load_binary(), "--jid", f"{user}@{ejabberd.domain}", "--password", password,
             "--port", str(nodes[i % 2].port), "--target", cl.COMPONENT, "--window", str(args.window),
             "--warmup", str(args.warmup), "--seconds", str(args.seconds)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    bots = [i.process.pid for i in instances]
    servers = [n.process.pid for n in nodes]
    time.sleep(args.warmup + 1.0)  # log in + warm-up: the load generators time the window themselves
    bot0, server0, t0 = total_cpu(bots), total_cpu(servers), time.monotonic()
    time.sleep(args.seconds - 1.0)
    bot1, server1, t1 = total_cpu(bots), total_cpu(servers), time.monotonic()
    return {
        **echo_bench.echo_figures(loaders, args),
        "bot_cpu": (bot1 - bot0) / (t1 - t0),
        "server_cpu": (server1 - server0) / (t1 - t0),
    }


async def measure_calls(ejabberd, instances, args):
    callers = []
    try:
        for i in range(args.callers):
            user = cl.user_name(i)
            client = harness.Client(ejabberd.nodes[i % 2], user, f"{user}-secret")
            callers.append(await client.online())
            await client.befriend(cl.COMPONENT)
        bots = [i.process.pid for i in instances]
        setups = []

        async def place(client):
            for _ in range(args.calls):
                caller = jc.JingleCaller(client, f"{cl.COMPONENT}/parrot", media=("audio",), jmi=False)
                started = time.monotonic()
                await caller.call()
                await caller.wait_media(("audio",), frames=1)
                setups.append(1000 * (time.monotonic() - started))
                await caller.terminate("success")
                await client.next_message(jc.TIMEOUT, lambda m: m.xml.find(f"{{{cl.REPORT_NS}}}report") is not None)

        cpu0, t0 = total_cpu(bots), time.monotonic()
        await asyncio.gather(*(place(c) for c in callers))
        cpu1, t1 = total_cpu(bots), time.monotonic()
        calls = len(setups)
        return {"calls_per_s": calls / (t1 - t0), "p50_ms": statistics.median(setups),
                "cpu_ms_per_call": 1000 * (cpu1 - cpu0) / calls, "calls": calls}
    finally:
        await jc.close_all()
        for c in callers:
            c.disconnect()


async def users_of(ejabberd, first, count, node=None):
    clients = []
    for i in range(first, first + count):
        user = cl.user_name(i)
        client = harness.Client(ejabberd.nodes[node if node is not None else i % 2], user, f"{user}-secret")
        clients.append(await client.online())
        await client.befriend(cl.COMPONENT)
    return clients


async def failovers_local(args):
    """Shape local: kill node B's instance, time the move to A's, start it
    again, wait until B's users are back on it; `args.failovers` times."""
    ejabberd = harness.EjabberdCluster(components=[(cl.COMPONENT, cl.SECRET)], users=cl.users(4))
    instances, clients, figures, lost, lost_after = [], [], [], 0, 0
    try:
        ejabberd.start()
        instances = [cl.Instance(name, ejabberd.nodes[n], ejabberd.root, stand_in=args.stand_in,
                                 store=args.store).start()
                     for name, n in (("a0", 0), ("b0", 1))]
        await asyncio.gather(*(i.until_online() for i in instances))
        clients = await users_of(ejabberd, 0, 4, node=1)
        for round_ in range(args.failovers):
            tickers = [cl.Ticker(c, f"r{round_}", period_s=args.tick_ms / 1000).start() for c in clients]
            try:
                await asyncio.gather(*(t.until_echoes(3) for t in tickers))
                killed = time.monotonic()
                instances[1].kill()
                await asyncio.gather(*(t.until_echoes(1, after=killed) for t in tickers))
                for t in tickers:
                    _, sent, _, instance = t.first_echoed_after(killed)
                    assert instance == "a0", instance
                    figures.append(1000 * (sent - killed))
                    lost += len(t.lost_between(killed - 1.0, sent))
                    lost_after += len(t.lost_between(killed, sent))
                instances[1].start()
                await instances[1].until_online()
                back = time.monotonic()
                # Until every user's echoes come from b0 again.
                deadline = back + 15
                while not all(any(i == "b0" and t.sent[n] > back for n, (_, i) in t.echoed.items())
                              for t in tickers):
                    assert time.monotonic() < deadline, "B's users never came back to b0"
                    await asyncio.sleep(0.02)
            finally:
                for t in tickers:
                    await t.close()
    finally:
        for c in clients:
            c.disconnect()
        for i in instances:
            i.stop()
        ejabberd.cleanup()
    return figures, lost, lost_after


async def failovers_buckets(args):
    """Shape buckets, three instances: kill the instance of most ticker
    users and start it again at once; `args.failovers` times."""
    ejabberd = harness.EjabberdCluster(components=[(cl.COMPONENT, cl.SECRET)], extra_yaml=cl.balancing_yaml(3),
                                       users=cl.users(9))
    instances, clients, figures, lost, lost_after = [], [], [], 0, 0
    try:
        ejabberd.start()
        instances = start_instances(ejabberd, 3, args)
        await asyncio.gather(*(i.until_online() for i in instances))
        clients = await users_of(ejabberd, 0, 9)
        by_name = {i.name: i for i in instances}
        for round_ in range(args.failovers):
            tickers = [cl.Ticker(c, f"r{round_}", period_s=args.tick_ms / 1000).start() for c in clients]
            try:
                await asyncio.gather(*(t.until_echoes(3) for t in tickers))
                served = [next(i for _, i in t.echoed.values()) for t in tickers]
                victim = by_name[max(set(served), key=served.count)]
                moved = [t for t, s in zip(tickers, served) if s == victim.name]
                killed = time.monotonic()
                victim.kill()
                victim.start()
                await victim.until_online()
                await asyncio.gather(*(t.until_echoes(1, after=killed, timeout=15) for t in moved))
                for t in moved:
                    _, sent, _, instance = t.first_echoed_after(killed)
                    assert instance == victim.name, instance
                    figures.append(1000 * (sent - killed))
                    lost += len(t.lost_between(killed - 1.0, sent))
                    lost_after += len(t.lost_between(killed, sent))
            finally:
                for t in tickers:
                    await t.close()
    finally:
        for c in clients:
            c.disconnect()
        for i in instances:
            i.stop()
        ejabberd.cleanup()
    return figures, lost, lost_after


async def scale(args):
    rows = {}
    for count in (1, 2, 3):
        ejabberd = harness.EjabberdCluster(components=[(cl.COMPONENT, cl.SECRET)],
                                           extra_yaml=cl.balancing_yaml(count),
                                           users=[load_user(i) for i in range(args.clients)] + cl.users(args.callers))
        instances = []
        try:
            ejabberd.start()
            instances = start_instances(ejabberd, count, args)
            await asyncio.gather(*(i.until_online() for i in instances))
            chat = await asyncio.get_running_loop().run_in_executor(None, measure_chat, ejabberd, instances, args)
            calls = None if args.stand_in else await measure_calls(ejabberd, instances, args)
            rows[count] = (chat, calls)
            print(f"{count} instance(s): {chat['echoes_per_s']:.0f} echoes/s"
                  + ("" if calls is None else f", {calls['calls_per_s']:.2f} calls/s"), flush=True)
        finally:
            for i in instances:
                i.stop()
            ejabberd.cleanup()
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--clients", type=int, default=6, help="chat load processes, half on each node")
    parser.add_argument("--window", type=int, default=50, help="messages in flight per load process")
    parser.add_argument("--callers", type=int, default=2, help="callers at once, half on each node")
    parser.add_argument("--calls", type=int, default=6, help="calls per caller")
    parser.add_argument("--failovers", type=int, default=5, help="kills per shape")
    parser.add_argument("--tick-ms", type=float, default=20, help="each failover user's message period")
    parser.add_argument("--failover-only", action="store_true", help="skip the throughput and call runs")
    parser.add_argument("--store", default=os.environ.get("PARROT_TEST_PG_URL"),
                        help="the instances' --store (default: $PARROT_TEST_PG_URL, else each its own)")
    parser.add_argument("--stand-in", action="store_true", help="the slixmpp echo component instead of parrot")
    args = parser.parse_args()
    if args.stand_in or (args.store and not cl.parrot_has_flag("--store")):
        args.store = None

    rows = {} if args.failover_only else asyncio.run(scale(args))
    local, local_lost, local_lost_after = asyncio.run(failovers_local(args))
    buckets, buckets_lost, buckets_lost_after = asyncio.run(failovers_buckets(args))

    who = "slixmpp stand-in component" if args.stand_in else "parrot --component"
    print(f"\ncluster benchmark: {who}, two ejabberd nodes, {os.cpu_count()} cores, store "
          f"{'postgresql' if args.store else 'per instance'}")
    if rows:
        print(f"chat: {args.clients} load processes x window {args.window}, {args.seconds:.0f} s; "
              f"calls: {args.callers} callers x {args.calls} audio calls")
        print(f"{'instances':>9} {'echoes/s':>9} {'x1':>6} {'p50 ms':>7} {'p99 ms':>7} {'inst. CPU':>10} "
              f"{'ejabberd CPU':>12} {'calls/s':>8} {'x1':>6} {'setup p50':>9} {'CPU/call':>9}")
        base_chat, base_calls = rows[1]
        for count, (chat, calls) in rows.items():
            line = (f"{count:>9} {chat['echoes_per_s']:9.0f} "
                    f"{chat['echoes_per_s'] / base_chat['echoes_per_s']:5.2f}x "
                    f"{chat['p50_ms']:7.1f} {chat['p99_ms']:7.1f} {100 * chat['bot_cpu']:9.0f}% "
                    f"{100 * chat['server_cpu']:11.0f}%")
            if calls:
                line += (f" {calls['calls_per_s']:8.2f} {calls['calls_per_s'] / base_calls['calls_per_s']:5.2f}x "
                         f"{calls['p50_ms']:7.0f}ms {calls['cpu_ms_per_call']:7.1f}ms")
            print(line)
    print(f"failover users send a message every {args.tick_ms:.0f} ms; 'after the kill': lost messages "
          f"sent after the SIGKILL (0: the move was quicker than one period)")
    print(f"failover, local (SIGKILL, to the other node's instance): {cl.spread(local)}; "
          f"{local_lost} messages lost in {args.failovers} kills, {local_lost_after} of them sent after the kill")
    print(f"outage, buckets (SIGKILL + immediate restart): {cl.spread(buckets)}; "
          f"{buckets_lost} messages lost in {args.failovers} kills, {buckets_lost_after} of them sent after the kill")


if __name__ == "__main__":
    main()
