#!/usr/bin/python3
"""Metrics and health on --http-listen, scraped while things happen:

  - /healthz and /readyz answer 200 once parrot is online; POST /metrics is
    405; HEAD /healthz has no body; /metrics is text 0.0.4, and every
    scrape passes a strict exposition parser (HELP and TYPE before a
    family's samples, families contiguous, labels unescaped, histogram
    buckets cumulative with +Inf equal to _count) and holds every family
    the operator's docs list;
  - five chat messages at once with a small burst: echoed +5, paced moves;
    a flood past the queue: refused{queue_full} and the chat-queue rate
    limiter move;
  - during a real call (the aiortc caller, --max-calls 1): calls_active 1,
    a worker's load 1, the setup histogram's count +1 with a finite sum,
    and /readyz 503 "at --max-calls"; after hang-up and the report:
    calls_active 0, calls_total{verdict="media_ok"} +1 and a host/host/udp
    selected pair +1 (loopback), /readyz 200 again;
  - a file over SI and IBB: transfers_total{mechanism="si",verdict="ok"}
    +1 and the bytes hashed + its size;
  - Prosody restarted under parrot: /healthz 503 while it is away, then 200
    with xmpp_reconnects_total and xmpp_connections_total grown.
"""
import asyncio
import math
import os
import re
import sys
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import jingle_caller as jc  # noqa: E402  (patches aioice to loopback first)
import harness  # noqa: E402
import test_si_transfer as si  # noqa: E402  (its SI-over-IBB sender)

REPORT_NS = "urn:parrot:report:1"
DEADLINE = 15  # seconds any awaited change may take (metrics are sampled each second)

FAMILIES = {
    "parrot_build_info": "gauge", "parrot_xmpp_connected": "gauge", "parrot_xmpp_connections_total": "counter",
    "parrot_xmpp_reconnects_total": "counter", "parrot_xmpp_contacts": "gauge", "parrot_calls_active": "gauge",
    "parrot_calls_total": "counter", "parrot_calls_busy_total": "counter", "parrot_call_setup_seconds": "histogram",
    "parrot_call_selected_pairs_total": "counter", "parrot_call_ice_restarts_total": "counter",
    "parrot_calls_parrot_behind_nat_total": "counter", "parrot_echo_drops_total": "counter",
    "parrot_worker_load": "gauge", "parrot_worker_tasks_dropped_total": "counter",
    "parrot_worker_tasks_failed_total": "counter", "parrot_transfers_active": "gauge",
    "parrot_transfers_total": "counter", "parrot_transfer_bytes_hashed_total": "counter",
    "parrot_chat_messages_echoed_total": "counter", "parrot_chat_messages_paced_total": "counter",
    "parrot_chat_messages_refused_total": "counter", "parrot_chat_commands_total": "counter",
    "parrot_chat_messages_queued": "gauge", "parrot_rate_limited_total": "counter",
}

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)')


def unescape(value):
    return re.sub(r'\\(.)', lambda m: {"n": "\n", "\\": "\\", '"': '"'}[m.group(1)], value)


def parse(text):
    """{(name, ((label, value), ...)): float} of a text exposition, asserting
    the format on the way."""
    assert text.endswith("\n"), "the exposition must end with a newline"
    samples, types, done, family = {}, {}, set(), None
    lines = text[:-1].split("\n")
    for number, line in enumerate(lines):
        if line.startswith("# HELP "):
            name = line.split(" ")[2]
            assert name not in done and name not in types, f"family {name} twice"
            assert lines[number + 1].startswith(f"# TYPE {name} "), f"TYPE must follow HELP for {name}"
            if family:
                done.add(family)
            family = name
            continue
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ")
            assert name == family and kind in ("counter", "gauge", "histogram"), line
            types[name] = kind
            continue
        match = SAMPLE.match(line)
        assert match, f"bad sample line {line!r}"
        name, labels_text, value = match.groups()
        suffixes = ("_bucket", "_sum", "_count") if types.get(family) == "histogram" else ("",)
        assert any(name == family + s for s in suffixes), f"{name} outside its family ({family})"
        labels = []
        if labels_text:
            consumed = 0
            for label in LABEL.finditer(labels_text):
                assert label.start() == consumed, f"bad labels {labels_text!r}"
                labels.append((label.group(1), unescape(label.group(2))))
                consumed = label.end()
            assert consumed == len(labels_text), f"bad labels {labels_text!r}"
        key = (name, tuple(labels))
        assert key not in samples, f"sample {key} twice"
        samples[key] = float(value)
    for name, kind in types.items():
        if kind != "histogram":
            continue
        buckets = [(float(dict(l)["le"]), v) for (n, l), v in samples.items() if n == name + "_bucket"]
        counts = [v for _, v in sorted(buckets)]
        assert counts == sorted(counts), f"{name} buckets not cumulative"
        assert buckets and sorted(buckets)[-1][0] == math.inf, f"{name} lacks +Inf"
        assert counts[-1] == samples[(name + "_count", ())], f"{name}: +Inf != _count"
    return samples, types


def http(method, url):
    request = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()
    except (urllib.error.URLError, ConnectionError) as error:
        return None, {}, str(error)


class Scraper:
    def __init__(self, base):
        self.base = base

    def scrape(self):
        status, headers, body = http("GET", self.base + "/metrics")
        assert status == 200, (status, body)
        assert headers["Content-Type"].startswith("text/plain; version=0.0.4"), headers["Content-Type"]
        samples, types = parse(body)
        for name, kind in FAMILIES.items():
            assert types.get(name) == kind, f"{name}: {types.get(name)} instead of {kind}"
        return samples

    def value(self, name, **labels):
        return self.scrape()[(name, tuple(labels.items()))]

    def total(self, name):
        return sum(v for (n, _), v in self.scrape().items() if n == name)

    async def until(self, what, check, timeout=DEADLINE):
        """Waits for check(samples) to hold, with a deadline."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            samples = self.scrape()
            if check(samples):
                return samples
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"{what}: not within {timeout} s")
            await asyncio.sleep(0.2)

    async def until_status(self, path, status, timeout=DEADLINE):
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            got, _, body = http("GET", self.base + path)
            if got == status:
                return body
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"{path}: {got} {body!r}, not {status}, within {timeout} s")
            await asyncio.sleep(0.2)


def key(name, **labels):
    return (name, tuple(labels.items()))


async def main():
    port = harness.free_port()
    m = Scraper(f"http://127.0.0.1:{port}")
    extra = ["--http-listen", f"127.0.0.1:{port}", "--max-calls", "1",
             "--echo-rate", "5", "--echo-burst", "2", "--echo-queue", "3"]
    async with jc.parrot_and_alice(extra=extra) as (prosody, parrot, alice):
        await m.until_status("/healthz", 200)
        assert (await m.until_status("/readyz", 200)).strip() == "ready"
        status, _, _ = http("POST", m.base + "/metrics")
        assert status == 405, status
        status, _, body = http("HEAD", m.base + "/healthz")
        assert status == 200 and body == "", (status, body)
        start = await m.until("online and sampled", lambda s: s[key("parrot_xmpp_connected")] == 1
                              and s[key("parrot_xmpp_contacts")] >= 1)
        assert start[key("parrot_calls_active")] == 0
        assert [v for (n, _), v in start.items() if n == "parrot_build_info"] == [1]

        # Chat: five at once past a burst of two, then a flood past the queue.
        echoed = start[key("parrot_chat_messages_echoed_total")]
        bodies = await alice.echo_round(parrot.jid, "metrics", 5)
        assert len(bodies) == 5, bodies
        await m.until("echoed +5", lambda s: s[key("parrot_chat_messages_echoed_total")] >= echoed + 5
                      and s[key("parrot_chat_messages_paced_total")] >= 1)
        for i in range(15):
            alice.send_message(mto=parrot.jid, mbody=f"flood {i}", mtype="chat")
        await m.until("queue refusals", lambda s: s[key("parrot_chat_messages_refused_total", reason="queue_full")] >= 1
                      and s[key("parrot_rate_limited_total", limiter="chat_queue")] >= 1)

        # A call: counts move while it runs, the verdict after it ends.
        before = m.scrape()
        caller = jc.JingleCaller(alice, f"{parrot.jid}/parrot", media=("audio",), jmi=False)
        await caller.call()
        await caller.wait_media(("audio",), frames=25)
        setups = before[key("parrot_call_setup_seconds_count")]
        during = await m.until("call counted", lambda s: s[key("parrot_calls_active")] == 1
                               and s[key("parrot_call_setup_seconds_count")] == setups + 1
                               and sum(v for (n, _), v in s.items() if n == "parrot_worker_load") >= 1)
        print("during the call:", {n: v for (n, l), v in during.items() if n in (
            "parrot_calls_active", "parrot_call_setup_seconds_sum", "parrot_call_setup_seconds_count",
            "parrot_chat_messages_echoed_total", "parrot_chat_messages_paced_total")})
        assert math.isfinite(during[key("parrot_call_setup_seconds_sum")])
        assert during[key("parrot_call_setup_seconds_sum")] > before[key("parrot_call_setup_seconds_sum")]
        assert "max-calls" in await m.until_status("/readyz", 503)
        await caller.terminate("success")
        await alice.next_message(timeout=jc.TIMEOUT,
                                 predicate=lambda msg: msg.xml.find(f"{{{REPORT_NS}}}report") is not None)
        ok = key("parrot_calls_total", verdict="media_ok")
        pair = key("parrot_call_selected_pairs_total", local="host", remote="host", protocol="udp")
        await m.until("call ended", lambda s: s[key("parrot_calls_active")] == 0 and s[ok] == before[ok] + 1
                      and s[pair] == before[pair] + 1)
        await m.until_status("/readyz", 200)

        # A file over SI and IBB: its verdict and the bytes hashed.
        for plugin in ("xep_0047", "xep_0095", "xep_0096"):
            alice.register_plugin(plugin)
        before = m.scrape()
        data = os.urandom(3000)
        sid = await si.send_ibb(alice, f"{parrot.jid}/parrot", data, "metrics.bin")
        assert (await si.report_for(alice, sid))["verdict"] == "FILE OK"
        si_ok = key("parrot_transfers_total", mechanism="si", verdict="ok")
        hashed = key("parrot_transfer_bytes_hashed_total", mechanism="si")
        await m.until("transfer counted", lambda s: s[si_ok] == before[si_ok] + 1
                      and s[hashed] == before[hashed] + len(data))

        # The XMPP server goes away and comes back.
        connections = m.value("parrot_xmpp_connections_total")
        reconnects = m.value("parrot_xmpp_reconnects_total")
        mark = parrot.log_size()
        prosody.stop()
        await parrot.until_log("reconnecting in", after=mark)
        assert "disconnected" in await m.until_status("/healthz", 503)
        assert (await m.until_status("/readyz", 503)).strip() == "xmpp: disconnected"
        prosody.start()
        await parrot.until_log("online as", timeout=30, after=mark)
        await m.until_status("/healthz", 200)
        after = m.scrape()
        assert after[key("parrot_xmpp_connections_total")] == connections + 1, after
        assert after[key("parrot_xmpp_reconnects_total")] >= reconnects + 1, after


if __name__ == "__main__":
    harness.run_test(main)
