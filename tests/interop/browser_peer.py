"""A real browser for parrot's tests: headless Debian Chromium (libwebrtc)
driven through playwright-core by tests/interop/browser/driver.mjs, with
StanzaJS 12 over Prosody's WebSocket as its XMPP and Jingle client
(tests/interop/browser/page.js). deploy/install-browser-deps.sh installs
Chromium, Node and the npm packages (`npm ci` in tests/interop/browser).

Also: the network namespace the tests run in (only `lo`, so Chromium,
Prosody and parrot see nothing but loopback), and the send-rate arithmetic
the bandwidth-ramp test and benchmark share.
"""
import asyncio
import collections
import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
BROWSER_DIR = os.path.join(HERE, "browser")
NODE = shutil.which("node") or "/usr/bin/node"
IN_NAMESPACE = "PARROT_BROWSER_NETNS"


def enter_loopback_namespace():
    """Re-runs this script inside a new network namespace holding only `lo`
    (unshare --net, as root), so Chromium gathers loopback candidates only
    and nothing leaves the machine. Without root, runs on the host's
    loopback: Chromium is still told to allow loopback ICE, and parrot
    gathers on 127.0.0.1 only, so only loopback pairs can connect."""
    if os.environ.get(IN_NAMESPACE):
        subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
        return True
    unshare = shutil.which("unshare")
    if os.geteuid() == 0 and unshare and subprocess.run([unshare, "--net", "true"],
                                                       stderr=subprocess.DEVNULL).returncode == 0:
        env = dict(os.environ, **{IN_NAMESPACE: "1"})
        os.execve(unshare, [unshare, "--net", "--", sys.executable, *sys.argv], env)
    print("note: no network namespace here (needs root and unshare); running on the host's loopback")
    return False


def check_installed():
    """Fails with what to run when the browser parts are missing."""
    missing = [path for path in (NODE, os.path.join(BROWSER_DIR, "node_modules", "stanza"),
                                 os.path.join(BROWSER_DIR, "node_modules", "playwright-core"))
               if not os.path.exists(path)]
    if not (os.path.exists("/usr/lib/chromium/chromium") or shutil.which("chromium")
            or os.environ.get("PARROT_CHROMIUM")):
        missing.append("chromium")
    if missing:
        raise RuntimeError(f"browser test parts missing ({', '.join(missing)}): run deploy/install-deps.sh as root")


class BrowserError(AssertionError):
    pass


class Browser:
    """One headless Chromium with page.js loaded. `await browser.run(fn, **args)`
    calls window.parrotTest[fn](args) in the page and returns its result;
    the page's console is kept for failure messages (`console_tail`)."""

    def __init__(self):
        self.process = None
        self.console = collections.deque(maxlen=200)
        self.version = None
        self._next_id = 0
        self._stderr_task = None

    @classmethod
    async def start(cls, timeout=60):
        check_installed()
        browser = cls()
        browser.process = await asyncio.create_subprocess_exec(
            NODE, os.path.join(BROWSER_DIR, "driver.mjs"), cwd=BROWSER_DIR, stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, limit=16 * 1024 * 1024)
        browser._stderr_task = asyncio.create_task(browser._read_stderr())
        ready = await browser._reply(0, timeout)
        browser.version = ready["version"]
        return browser

    async def _read_stderr(self):
        while True:
            line = await self.process.stderr.readline()
            if not line:
                return
            text = line.decode(errors="replace").rstrip()
            self.console.append(text)
            if os.environ.get("PARROT_BROWSER_VERBOSE"):
                print(text, file=sys.stderr)

    async def _reply(self, wanted_id, timeout):
        try:
            line = await asyncio.wait_for(self.process.stdout.readline(), timeout)
        except asyncio.TimeoutError:
            raise BrowserError(f"the browser did not answer within {timeout} s\n{self.console_tail()}") from None
        if not line:
            await asyncio.sleep(0.2)  # let the driver's last words reach the console
            raise BrowserError(f"the browser driver exited ({self.process.returncode})\n{self.console_tail()}")
        reply = json.loads(line)
        assert reply["id"] == wanted_id, (reply, wanted_id)
        if not reply["ok"]:
            raise BrowserError(f"{reply['error']}\n{self.console_tail()}")
        return reply["value"]

    async def run(self, fn, timeout=60, **args):
        self._next_id += 1
        command = {"id": self._next_id, "fn": fn, "args": args}
        self.process.stdin.write((json.dumps(command) + "\n").encode())
        await self.process.stdin.drain()
        return await self._reply(self._next_id, timeout)

    def console_tail(self, lines=40):
        return "browser console (last lines):\n  " + "\n  ".join(list(self.console)[-lines:])

    async def close(self):
        if self.process and self.process.returncode is None:
            self.process.stdin.close()
            try:
                await asyncio.wait_for(self.process.wait(), 10)
            except asyncio.TimeoutError:
                self.process.kill()
                await self.process.wait()
        if self._stderr_task:
            await self._stderr_task


def send_rates(samples, window_s=1.0):
    """The browser's video send rate (kbit/s) over the `window_s` before each
    sample, from bytesSent deltas: [(seconds since the first sample that
    sent video, kbit/s)]."""
    samples = [s for s in samples if s["bytesSent"] > 0] or samples[:1]
    if not samples:
        return []
    t0 = samples[0]["t"]
    rates = []
    for i, sample in enumerate(samples):
        j = i
        while j > 0 and sample["t"] - samples[j - 1]["t"] <= window_s * 1000 + 1:
            j -= 1
        span_ms = sample["t"] - samples[j]["t"]
        if span_ms >= window_s * 1000 * 0.75:
            rates.append(((sample["t"] - t0) / 1000, (sample["bytesSent"] - samples[j]["bytesSent"]) * 8 / span_ms))
    return rates


def time_to_rate(rates, kbps):
    """Seconds until the send rate first reached `kbps`, or None."""
    return next((t for t, rate in rates if rate >= kbps), None)


def mean_rate(samples, seconds):
    """Mean video send rate (kbit/s) over the first `seconds` of sending."""
    sending = [s for s in samples if s["bytesSent"] > 0]
    if len(sending) < 2:
        return 0.0
    t0 = sending[0]["t"]
    within = [s for s in sending if s["t"] - t0 <= seconds * 1000 + 1]
    span_ms = within[-1]["t"] - t0
    return (within[-1]["bytesSent"] - sending[0]["bytesSent"]) * 8 / span_ms if span_ms > 0 else 0.0


def describe_ramp(samples, seconds):
    rates = send_rates(samples)
    to_1m, to_15m = time_to_rate(rates, 1000), time_to_rate(rates, 1500)
    def fmt(t):
        return f"{t:.1f} s" if t is not None else f"not within {seconds:.0f} s"
    last = samples[-1] if samples else {}
    return {"to_1000_kbps_s": to_1m, "to_1500_kbps_s": to_15m, "mean_kbps": round(mean_rate(samples, seconds)),
            "peak_kbps": round(max((r for _, r in rates), default=0)),
            "text": f"1 Mbit/s after {fmt(to_1m)}, 1.5 Mbit/s after {fmt(to_15m)}, "
                    f"mean {mean_rate(samples, seconds):,.0f} kbit/s over {seconds:.0f} s, "
                    f"last {last.get('frameWidth')}x{last.get('frameHeight')} at {last.get('framesPerSecond')} fps "
                    f"(limited by: {last.get('qualityLimitationReason')})"}
