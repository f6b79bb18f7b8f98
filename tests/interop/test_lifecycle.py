#!/usr/bin/python3
"""parrot run like a service: a --config file, SIGHUP and SIGTERM.

  - SIGHUP with the file's log-level and max-calls changed: the log says
    what changed, debug lines appear (a chat echo logs one), and a call now
    fills parrot (/readyz "at --max-calls"); a file that does not parse is
    logged and the running configuration kept (the limit still holds);
  - SIGTERM during a call: /readyz 503 "draining" at once, a new call
    (!callme) and a file offer (SI) are refused with the reason, the call goes on until the caller
    hangs up and gets its report, then parrot exits 0 on its own, having
    drained rather than hit --drain-seconds;
  - SIGTERM during a call that nobody ends, with a short --drain-seconds:
    parrot ends the call itself, the caller gets the report, exit 0;
  - SIGTERM then SIGINT during a call: parrot exits 0 at once.
"""
import asyncio
import json
import os
import signal
import sys
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import jingle_caller as jc  # noqa: E402  (patches aioice to loopback first)
import harness  # noqa: E402
import test_si_transfer as si  # noqa: E402  (its SI file offer)
from slixmpp.exceptions import IqError  # noqa: E402

REPORT_NS = "urn:parrot:report:1"
DEADLINE = 15


class ConfiguredParrot(harness.Parrot):
    """parrot whose log level comes from its --config file alone."""

    def __init__(self, prosody, config, extra):
        super().__init__(prosody, extra=["--config", config, *extra])

    def command(self):
        command = super().command()
        at = command.index("--log-level")
        del command[at:at + 2]
        return command


def write_config(path, text):
    with open(path + ".new", "w") as f:
        f.write(text)
    os.replace(path + ".new", path)


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode().strip()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode().strip()


async def until_get(url, expected, timeout=DEADLINE):
    """Polls `url` until it answers `expected` (status, body); the call
    count behind /readyz is sampled each second."""
    deadline = asyncio.get_running_loop().time() + timeout
    while (got := get(url)) != expected:
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{url}: {got}, not {expected}, within {timeout} s")
        await asyncio.sleep(0.1)


async def until_exit(parrot, timeout=DEADLINE):
    deadline = asyncio.get_running_loop().time() + timeout
    while parrot.process.poll() is None:
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"parrot still running after {timeout} s:\n{parrot.tail()}")
        await asyncio.sleep(0.1)
    return parrot.process.returncode


async def start(parrot):
    mark = parrot.log_size()
    parrot.start()
    await parrot.until_log("online as", after=mark)


async def call(alice, parrot):
    caller = jc.JingleCaller(alice, f"{parrot.jid}/parrot", media=("audio",), jmi=False)
    await caller.call()
    await caller.wait_media(("audio",), frames=10)
    return caller


async def report(alice):
    """The next call report's summary (file reports are passed over)."""
    def call_report(message):
        element = message.xml.find(f"{{{REPORT_NS}}}report")
        return element is not None and json.loads(element.text).get("kind") != "file"
    message = await alice.next_message(timeout=jc.TIMEOUT, predicate=call_report)
    return message["body"]


async def main():
    prosody = harness.Prosody(users=[("parrot", "parrot-secret"), ("alice", "alice-secret")])
    prosody.start()
    port = harness.free_port()
    base = f"http://127.0.0.1:{port}"
    config = f"{prosody.root}/parrot.toml"
    write_config(config, 'log-level = "info"\nmax-calls = 5\ndrain-seconds = 60\n')
    parrot = ConfiguredParrot(prosody, config, ["--ice-address", "127.0.0.1", "--http-listen", f"127.0.0.1:{port}"])
    alice = None
    try:
        await start(parrot)
        alice = harness.Client(prosody, "alice", "alice-secret")
        for plugin in ("xep_0047", "xep_0095", "xep_0096"):
            alice.register_plugin(plugin)
        await alice.online()
        await alice.befriend(parrot.jid)
        await alice.next_message(predicate=lambda m: "!help" in m["body"])

        # SIGHUP: at info no echo is logged; after the reload, debug is on
        # and one call is as many as parrot takes.
        mark = parrot.log_size()
        assert await alice.echo_round(parrot.jid, "before", 1) == ["before 0"]
        write_config(config, 'log-level = "debug"\nmax-calls = 1\ndrain-seconds = 60\n')
        parrot.process.send_signal(signal.SIGHUP)
        applied = await parrot.until_log("config: SIGHUP: applied", after=mark)
        assert "echo peer=" not in applied, "an echo was logged at info"
        assert "--log-level info -> debug" in applied and "--max-calls 5 -> 1" in applied, parrot.tail(5)
        assert await alice.echo_round(parrot.jid, "after", 1) == ["after 0"]
        await parrot.until_log("echo peer=", after=mark)

        # A bad file is refused and the running configuration kept.
        mark = parrot.log_size()
        write_config(config, 'log-level = "debug"\nmax-calls = "many"\n')
        parrot.process.send_signal(signal.SIGHUP)
        await parrot.until_log("the configuration is not valid, keeping the running one", after=mark)
        assert get(base + "/readyz") == (200, "ready")

        # SIGTERM during a call: drain, refuse, report, exit 0.
        caller = await call(alice, parrot)
        await until_get(base + "/readyz", (503, "at --max-calls"))  # the reloaded limit of 1 holds
        mark = parrot.log_size()
        parrot.process.send_signal(signal.SIGTERM)
        await parrot.until_log("parrot: draining", after=mark)
        assert get(base + "/readyz") == (503, "draining")
        alice.send_message(mto=parrot.jid, mbody="!callme", mtype="chat")
        refusal = await alice.next_message(predicate=lambda m: m["body"].startswith("Busy"))
        assert "restarting" in refusal["body"], refusal["body"]
        try:
            await si.offer(alice, f"{parrot.jid}/parrot", b"x" * 100, "late.bin", methods=[si.IBB_NS])
            raise AssertionError("a file offer was accepted while draining")
        except IqError as error:
            assert error.condition == "forbidden" and "restarting" in error.text, (error.condition, error.text)
        assert parrot.process.poll() is None, "parrot left before the call ended"
        await caller.terminate("success")
        body = await report(alice)
        assert body.startswith("MEDIA OK"), body
        assert await until_exit(parrot) == 0
        log = await parrot.until_log("parrot: drained: exiting", after=mark)
        assert "--drain-seconds passed" not in log

        # The deadline: nobody hangs up, parrot ends the call with its report.
        write_config(config, 'log-level = "info"\ndrain-seconds = 1\n')
        await start(parrot)
        caller = await call(alice, parrot)
        mark = parrot.log_size()
        parrot.process.send_signal(signal.SIGTERM)
        body = await report(alice)
        assert "shutting down" in body, body
        assert await until_exit(parrot) == 0
        await parrot.until_log("--drain-seconds passed", after=mark)
        await jc.close_all()

        # A second signal does not wait for the call.
        write_config(config, 'log-level = "info"\ndrain-seconds = 600\n')
        await start(parrot)
        caller = await call(alice, parrot)
        mark = parrot.log_size()
        parrot.process.send_signal(signal.SIGTERM)
        await parrot.until_log("parrot: draining", after=mark)
        parrot.process.send_signal(signal.SIGINT)
        assert await until_exit(parrot) == 0
        await parrot.until_log("second signal: exiting now", after=mark)
    finally:
        await jc.close_all()
        if alice:
            alice.disconnect()
        parrot.stop()
        prosody.cleanup()


if __name__ == "__main__":
    harness.run_test(main)
