#!/usr/bin/python3
"""parrot scaled out on a two-node ejabberd cluster (tests/interop/cluster.py).

    test_cluster.py local|buckets [--stand-in]

Both shapes: a two-node cluster on loopback (private epmd, cookie, spool),
parrot instances in component mode sharing one store (`--store` with
PARROT_TEST_PG_URL, which tests/with_postgres.sh provides), twenty users
spread over both nodes. Every user subscribes and is welcomed once, chats,
and asks `!report`; two users per instance call (audio, aiortc) and get
their report, again by `!report`.

local (one instance per node, no domain_balancing): each user is served by
the instance on its node. SIGKILL node B's instance while B's users send a
message every 50 ms: ejabberd moves them to A's instance; from each user's
first echo on, every message is echoed. The failover time (kill -> first
echoed message's sending) is printed. A call in progress on B's instance
is ended by A's instance answering its hang-up with unknown-session. B's
users then call and `!report` through A's instance (their last report
comes from the shared store).

buckets (domain_balancing bare_source, component_number 3, three
instances): each user's echoes come from one instance. SIGKILL the busiest
instance and start it again at once (as systemd's Restart=always does):
its users are dropped until it is back, then served by it again, the other
buckets untouched. The outage (kill -> first echoed message's sending, and
last echo before -> first after) is printed; then one of its users calls.

--stand-in runs the slixmpp echo component instead of parrot (chat and
routing only): a check of the harness and of ejabberd's routing alone.
Exit 77 (skip) without ejabberd.
"""
import asyncio
import json
import os
import sys
import time

import jingle_caller as jc  # first: it limits aioice to loopback
import harness
import cluster as cl
from slixmpp.exceptions import IqError

JINGLE_ERRORS_NS = "urn:xmpp:jingle:errors:1"

USERS = 20
CALLS_PER_INSTANCE = 2


def report_of(message):
    element = message.xml.find(f"{{{cl.REPORT_NS}}}report")
    assert element is not None, f"no <report/> in {message}"
    return json.loads(element.text)


def is_report(message):
    return message.xml.find(f"{{{cl.REPORT_NS}}}report") is not None


async def call(client, expected_instance=None):
    """An audio call to the component; returns the report sent at hang-up,
    after checking its verdict and that `!report` gives it back."""
    caller = jc.JingleCaller(client, f"{cl.COMPONENT}/parrot", media=("audio",), jmi=False)
    await caller.call()
    await caller.wait_media(("audio",), frames=25)
    stats = await caller.stats()
    await caller.terminate("success")
    report = report_of(await client.next_message(jc.TIMEOUT, is_report))
    who = client.boundjid.bare
    assert report["kind"] == "call" and report["id"] == caller.sid, (who, report)
    assert report["verdict"] == "MEDIA OK", (who, report["verdict"])
    assert stats["audio"]["packets_received"] > 25, (who, stats["audio"])
    return report


async def ask_report(client):
    """`!report`: the report, or None when parrot has none for this user."""
    client.send_message(mto=cl.COMPONENT, mbody="!report", mtype="chat")
    message = await client.next_message(jc.TIMEOUT, lambda m: is_report(m) or "No report yet" in m["body"])
    return report_of(message) if is_report(message) else None


async def calls_for(clients, limit=2):
    """One call per client, `limit` at once (aiortc is CPU-heavy)."""
    gate = asyncio.Semaphore(limit)

    async def one(client):
        async with gate:
            return await call(client)

    return list(await asyncio.gather(*(one(c) for c in clients)))


async def check_everyone(clients, served, stand_in):
    """Calls for CALLS_PER_INSTANCE users of each instance, then `!report`
    for every user: the callers get their call's report back, the others
    none. Returns {client: report} for the callers."""
    if stand_in:
        return {}
    by_instance = {}
    for client, instance in zip(clients, served):
        by_instance.setdefault(instance, []).append(client)
    callers = [c for group in by_instance.values() for c in group[:CALLS_PER_INSTANCE]]
    started = time.monotonic()
    reports = dict(zip(callers, await calls_for(callers)))
    print(f"{len(callers)} calls over {len(by_instance)} instances: MEDIA OK ({time.monotonic() - started:.1f} s)")
    answers = await asyncio.gather(*(ask_report(c) for c in clients))
    for client, answer in zip(clients, answers):
        assert answer == reports.get(client), (client.boundjid.bare, "!report differs", answer)
    print(f"!report for {len(clients)} users: the callers' reports, nothing for the others")
    return reports


def one_instance_each(seen):
    for i, instances in enumerate(seen):
        assert len(instances) == 1 and None not in instances, (cl.user_name(i), "served by", instances)
    return [next(iter(instances)) for instances in seen]


async def failover_local(clients, instances, reports, store_shared, stand_in):
    victim = instances[1]
    moved = [c for c in clients if c.node_index == 1]
    interrupted = None
    if not stand_in:
        # A call in progress on the instance about to die.
        interrupted = next(c for c in reversed(moved) if c not in reports)
        doomed = jc.JingleCaller(interrupted, f"{cl.COMPONENT}/parrot", media=("audio",), jmi=False)
        await doomed.call()
        await doomed.wait_media(("audio",), frames=10)
    tone_user, welcomed_user = moved[0], moved[1]
    if not stand_in:
        # A setting made on the instance about to die.
        tone_user.send_message(mto=cl.COMPONENT, mbody="!mode tone", mtype="chat")
        await tone_user.next_message(jc.TIMEOUT, lambda m: "test tone" in m["body"])
    for c in moved:
        c.drain()
    tickers = [cl.Ticker(c, "tick").start() for c in moved]
    try:
        await asyncio.gather(*(t.until_echoes(2) for t in tickers))
        killed = time.monotonic()
        victim.kill()
        await asyncio.gather(*(t.until_echoes(3, after=killed, timeout=10) for t in tickers))
        failovers, lost = [], 0
        for t in tickers:
            n, sent, arrived, instance = t.first_echoed_after(killed)
            assert instance == instances[0].name, (t.client.boundjid.bare, "echoed by", instance)
            failovers.append(1000 * (sent - killed))
            lost += len(t.lost_between(killed - 1.0, sent))
        for t in tickers:
            t.stop_sending()
        await asyncio.gather(*(t.until_all_after(t.first_echoed_after(killed)[1]) for t in tickers))
    finally:
        for t in tickers:
            await t.close()
    print(f"failover after SIGKILL of {victim.name}: {cl.spread(failovers)}; {lost} messages lost in all "
          f"(sent to the dying instance or before ejabberd dropped its route); every later one echoed")
    if stand_in:
        return
    # The hang-up of the interrupted call reaches the other instance, which
    # knows no such session: XEP-0166's unknown-session ends it cleanly.
    try:
        await doomed.terminate("success")
        raise AssertionError("the other instance accepted a session-terminate for a call it never had")
    except IqError as error:
        assert error.iq["error"]["condition"] == "item-not-found", error.iq
        assert error.iq.xml.find(f".//{{{JINGLE_ERRORS_NS}}}unknown-session") is not None, error.iq
    print(f"the call in progress on {victim.name} ended by {instances[0].name}'s unknown-session")
    # New calls from moved users who had not called yet, through the other
    # node's instance; those who called the dead one ask for their report.
    callers = [c for c in moved if c not in reports and c is not interrupted][:CALLS_PER_INSTANCE]
    await calls_for(callers)
    print(f"{len(callers)} new calls from node B's users through {instances[0].name}: MEDIA OK")
    await check_moved_state(tone_user, welcomed_user, instances[0].name, store_shared)
    earlier = [c for c in moved if c in reports]
    answers = await asyncio.gather(*(ask_report(c) for c in earlier))
    if store_shared:
        for c, answer in zip(earlier, answers):
            assert answer == reports[c], (c.boundjid.bare, "a report made on the dead instance is lost", answer)
        print(f"!report on {instances[0].name} for {len(earlier)} users who called {victim.name}: from the store")
    else:
        print(f"!report on {instances[0].name} for {len(earlier)} users who called {victim.name}: "
              f"{sum(a is not None for a in answers)} found (no shared store)")


async def check_moved_state(tone_user, welcomed_user, instance, store_shared):
    """What a moved user expects the new instance to know: `!mode` set on
    the dead one, and that the welcome was sent (removing parrot and adding
    it again brings none; the echo of the next message, from the same
    instance, comes after anything the subscription caused)."""
    tone_user.send_message(mto=cl.COMPONENT, mbody="!mode", mtype="chat")
    mode = (await tone_user.next_message(jc.TIMEOUT, lambda m: "now:" in m["body"]))["body"]
    # The user removes parrot and adds it again, now on the other instance.
    # parrot confirms and ends its own subscription to the user: wait for
    # its `unsubscribe` (ejabberd drops the `unsubscribed`, which changes no
    # state once the user has unsubscribed, RFC 6121 §3.2.3).
    unsubscribe = asyncio.get_running_loop().create_future()
    welcomed_user.add_event_handler("presence_unsubscribe",
                                    lambda p: unsubscribe.done() or unsubscribe.set_result(p))
    welcomed_user.send_presence(pto=cl.COMPONENT, ptype="unsubscribe")
    await asyncio.wait_for(unsubscribe, jc.TIMEOUT)
    welcomed_user.drain()
    await welcomed_user.befriend(cl.COMPONENT, jc.TIMEOUT)
    welcomed_user.send_message(mto=cl.COMPONENT, mbody="after subscribing again", mtype="chat")
    bodies = []
    while not bodies or bodies[-1] != "after subscribing again":
        bodies.append((await welcomed_user.next_message(jc.TIMEOUT))["body"])
    welcomed_again = any("!help" in body for body in bodies)
    if store_shared:
        assert "(now: tone)" in mode, ("!mode set on the dead instance is lost", mode)
        assert not welcomed_again, ("welcomed twice", bodies)
        print(f"{instance} knew the moved users' !mode and welcome from the store")
    else:
        print(f"{instance} without a shared store: {mode!r}, welcomed again: {welcomed_again}")


async def failover_buckets(clients, instances, served, stand_in):
    counts = {i.name: served.count(i.name) for i in instances}
    victim = max(instances, key=lambda i: counts[i.name])
    moved = [c for c, s in zip(clients, served) if s == victim.name]
    others = [c for c, s in zip(clients, served) if s != victim.name]
    for c in clients:
        c.drain()
    tickers = [cl.Ticker(c, "tick").start() for c in moved]
    try:
        await asyncio.gather(*(t.until_echoes(2) for t in tickers))
        killed = time.monotonic()
        victim.kill()
        restarted = time.monotonic()
        victim.start()
        await victim.until_online()
        online = time.monotonic()
        await asyncio.gather(*(t.until_echoes(3, after=killed, timeout=15) for t in tickers))
        outages, gaps, lost = [], [], 0
        for t in tickers:
            n, sent, arrived, instance = t.first_echoed_after(killed)
            assert instance == victim.name, (t.client.boundjid.bare, "bucket moved to", instance)
            outages.append(1000 * (sent - killed))
            gaps.append(1000 * (arrived - t.last_echo_before(killed)))
            lost += len(t.lost_between(killed - 1.0, sent))
        for t in tickers:
            t.stop_sending()
        await asyncio.gather(*(t.until_all_after(t.first_echoed_after(killed)[1]) for t in tickers))
    finally:
        for t in tickers:
            await t.close()
    print(f"{victim.name} SIGKILLed and restarted ({1000 * (online - restarted):.0f} ms to its handshake)")
    print(f"  outage, kill -> first message echoed: {cl.spread(outages)}")
    print(f"  last echo before -> first after: {cl.spread(gaps)}")
    print(f"  {lost} messages dropped in all (ejabberd keeps the bucket while its instance is away)")
    still = one_instance_each(await cl.chat_round(others, "after"))
    assert still == [s for s in served if s != victim.name], "another bucket moved"
    print(f"the other {len(others)} users still on their instances")
    if not stand_in:
        await calls_for(moved[:1])
        print(f"a new call from {moved[0].boundjid.bare} through the restarted {victim.name}: MEDIA OK")


async def run(shape, stand_in):
    store = os.environ.get("PARROT_TEST_PG_URL")
    if stand_in:
        store = None
    elif store and not cl.parrot_has_flag("--store"):
        print("parrot has no --store yet: each instance keeps its own SQLite store")
        store = None
    elif not store:
        print("no PARROT_TEST_PG_URL (run through tests/with_postgres.sh): each instance keeps its own store")
    count = 2 if shape == "local" else 3
    extra_yaml = "" if shape == "local" else cl.balancing_yaml(count)
    started = time.monotonic()
    ejabberd = harness.EjabberdCluster(components=[(cl.COMPONENT, cl.SECRET)], extra_yaml=extra_yaml,
                                       users=cl.users(USERS))
    instances, clients = [], []
    try:
        ejabberd.start()
        print(f"two-node cluster up, {USERS} users registered ({time.monotonic() - started:.1f} s)")
        # local: a0 on node A, b0 on node B. buckets: a0, a1 on A, b0 on B.
        homes = [0, 1] if shape == "local" else [0, 0, 1]
        names = ["a0", "b0"] if shape == "local" else ["a0", "a1", "b0"]
        instances = [cl.Instance(name, ejabberd.nodes[home], ejabberd.root, stand_in=stand_in, store=store).start()
                     for name, home in zip(names, homes)]
        await asyncio.gather(*(i.until_online() for i in instances))
        clients = await cl.users_online(ejabberd, USERS, welcome=not stand_in)
        print(f"{USERS} users online and subscribed ({time.monotonic() - started:.1f} s)")
        served = one_instance_each(await cl.chat_round(clients, "hello"))
        spread = {i.name: served.count(i.name) for i in instances}
        print(f"every user echoed by one instance: {spread}")
        if shape == "local":
            for client, instance in zip(clients, served):
                assert instance == names[client.node_index], (client.boundjid.bare, "not served locally", instance)
        reports = await check_everyone(clients, served, stand_in)
        if shape == "local":
            await failover_local(clients, instances, reports, store is not None, stand_in)
        else:
            await failover_buckets(clients, instances, served, stand_in)
        print(f"{shape}: {time.monotonic() - started:.1f} s in all")
    finally:
        await jc.close_all()
        for c in clients:
            c.disconnect()
        for i in instances:
            i.stop()
        ejabberd.cleanup()


def main():
    shape = sys.argv[1] if len(sys.argv) > 1 else ""
    if shape not in ("local", "buckets"):
        sys.exit("usage: test_cluster.py local|buckets [--stand-in]")
    if not harness.ejabberd_installed():
        print("SKIP: ejabberd is not installed (deploy/install-deps.sh installs it)")
        sys.exit(77)
    harness.run_test(lambda: run(shape, "--stand-in" in sys.argv))


if __name__ == "__main__":
    main()
