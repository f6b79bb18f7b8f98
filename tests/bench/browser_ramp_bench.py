#!/usr/bin/python3
"""The browser's bandwidth ramp toward parrot, beside Janus's EchoTest in the
same run: how fast a libwebrtc caller's video send rate grows toward an echo
peer, which depends on the congestion-control feedback the peer gives
(transport-cc, goog-remb) or lacks (RTCP loss reports only).

Headless Debian Chromium (tests/interop/browser_peer.py) sends audio and a
640x480 canvas of random noise (detailed enough to use 1.5 Mbit/s; the fake
camera's flat pattern tops out near 485 kbit/s of VP8) to
  - parrot, called through Prosody's WebSocket with StanzaJS (Jingle), and
    optionally a second parrot binary (--parrot-binary-b, e.g. a branch),
  - Janus 1.1.2 (Debian's `janus`) with only its EchoTest plugin and HTTP
    transport, in a config folder of its own, signalled over its HTTP API.
Everything runs in one network namespace (unshare --net, as root). Janus
never gathers ICE candidates on an interface flagged loopback, so the
namespace also has a dummy interface carrying 127.0.0.2/32 for Janus to
use; the kernel delivers that address through `lo` all the same.

Prints per peer: time until the send rate (bytesSent deltas over 1 s, as
the browser's getStats counts them) first reached 1 and 1.5 Mbit/s, the
mean send rate over the measured span, and the last resolution.

    PARROT_BINARY=build/bot/parrot /usr/bin/python3 tests/bench/browser_ramp_bench.py [--seconds 30]
        [--parrot-binary-b ../other/build/bot/parrot] [--no-janus]
"""
import argparse
import asyncio
import glob
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../interop"))
import browser_peer  # noqa: E402
import harness  # noqa: E402

JANUS = "/usr/bin/janus"
JANUS_LIBS = "/usr/lib/x86_64-linux-gnu/janus"
JANUS_ADDRESS = "127.0.0.2"


def add_janus_address():
    """A non-loopback interface carrying JANUS_ADDRESS (dummy, or ifb where
    the dummy module is missing)."""
    for kind in ("dummy", "ifb"):
        if subprocess.run(["ip", "link", "add", "janus0", "type", kind], stderr=subprocess.DEVNULL).returncode == 0:
            break
    else:
        raise RuntimeError("cannot create a dummy or ifb interface for Janus")
    subprocess.run(["ip", "addr", "add", f"{JANUS_ADDRESS}/32", "dev", "janus0"], check=True)
    subprocess.run(["ip", "link", "set", "janus0", "up"], check=True)


class Janus:
    """Janus with a private config folder: the EchoTest plugin and the HTTP
    transport on JANUS_ADDRESS, ICE on janus0 only."""

    def __init__(self):
        self.root = tempfile.mkdtemp(prefix="parrot-janus-")
        self.port = harness.free_port()
        for folder, library in (("plugins", "plugins/libjanus_echotest.so"),
                                ("transports", "transports/libjanus_http.so")):
            os.makedirs(f"{self.root}/{folder}")
            os.symlink(f"{JANUS_LIBS}/{library}", f"{self.root}/{folder}/{os.path.basename(library)}")
        for folder in ("events", "loggers"):
            os.makedirs(f"{self.root}/{folder}")
        with open(f"{self.root}/janus.jcfg", "w") as f:
            f.write(f"""general: {{
  configs_folder = "{self.root}"
  plugins_folder = "{self.root}/plugins"
  transports_folder = "{self.root}/transports"
  events_folder = "{self.root}/events"
  loggers_folder = "{self.root}/loggers"
  debug_level = 4
}}
media: {{ }}
nat: {{
  nice_debug = false
  ice_enforce_list = "janus0"
}}
""")
        with open(f"{self.root}/janus.transport.http.jcfg", "w") as f:
            f.write(f"""general: {{
  json = "plain"
  base_path = "/janus"
  http = true
  port = {self.port}
  ip = "{JANUS_ADDRESS}"
  https = false
}}
admin: {{ admin_http = false }}
""")
        with open(f"{self.root}/janus.plugin.echotest.jcfg", "w") as f:
            f.write("general: { }\n")
        self.url = f"http://{JANUS_ADDRESS}:{self.port}/janus"
        self.process = None

    def start(self):
        self.log = open(f"{self.root}/janus.log", "ab")
        self.process = subprocess.Popen([JANUS, "-C", f"{self.root}/janus.jcfg", "-F", self.root],
                                        stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while True:
            try:
                self.request("", {"janus": "info"})
                return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"Janus did not start:\n{self.tail()}") from None
                time.sleep(0.1)

    def request(self, path, body, timeout=10):
        body = dict(body, transaction=os.urandom(6).hex())
        request = urllib.request.Request(self.url + path, data=json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=timeout) as response:
            reply = json.loads(response.read())
        if reply.get("janus") == "error":
            raise RuntimeError(f"Janus refused {body['janus']}: {reply}")
        return reply

    def event(self, session, timeout=15):
        with urllib.request.urlopen(f"{self.url}/{session}?maxev=1", timeout=timeout) as response:
            return json.loads(response.read())

    def echotest(self, offer_sdp):
        """Creates a session and an EchoTest handle, sends the offer; returns
        (session, answer SDP)."""
        session = self.request("", {"janus": "create"})["data"]["id"]
        handle = self.request(f"/{session}", {"janus": "attach", "plugin": "janus.plugin.echotest"})["data"]["id"]
        self.request(f"/{session}/{handle}", {"janus": "message", "body": {"audio": True, "video": True},
                                              "jsep": {"type": "offer", "sdp": offer_sdp}})
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            event = self.event(session)
            if event.get("jsep", {}).get("type") == "answer":
                return session, event["jsep"]["sdp"]
        raise RuntimeError(f"no answer from Janus's EchoTest:\n{self.tail()}")

    def tail(self, lines=30):
        with open(f"{self.root}/janus.log", "rb") as f:
            return "\n".join(f.read().decode(errors="replace").splitlines()[-lines:])

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        subprocess.run(["rm", "-rf", self.root])


async def ramp_to_parrot(browser, prosody, binary, user, seconds):
    # Each binary has an account of its own: no stale presence or session of
    # the previous one can catch the call.
    os.environ["PARROT_BINARY"] = binary
    parrot = harness.Parrot(prosody, user=user, password="parrot-secret", extra=["--ice-address", "127.0.0.1"],
                            log_level="info")
    try:
        parrot.start()
        await parrot.until_log("online as")
        if not browser.logged_in:
            await browser.run("login", url=prosody.websocket_url, jid=f"alice@{prosody.domain}",
                              password="alice-secret")
            browser.logged_in = True
        full = (await browser.run("befriend", bare=parrot.jid))["full"]
        await browser.run("call", to=full, video=True, noise=True)
        samples = await browser.run("sampleVideoSend", seconds=seconds, timeout=seconds + 30)
        result = await browser.run("hangup")
        print(f"  parrot's report: {result['body']}")
        for stream in result["report"].get("streams", []):
            rates = {key: value for key, value in stream.items()
                     if any(word in key for word in ("bitrate", "estimate", "upstream"))}
            print(f"  parrot's report, {stream.get('media')}: {json.dumps(rates, sort_keys=True)}")
        return samples
    except Exception:
        print(f"parrot log:\n{parrot.tail()}", file=sys.stderr)
        raise
    finally:
        parrot.stop()


async def ramp_to_janus(browser, janus, seconds):
    offer = await browser.run("rawOffer", video=True, noise=True)
    session, answer = await asyncio.to_thread(janus.echotest, offer["sdp"])
    try:
        await browser.run("rawAnswer", sdp=answer)
        sampling = asyncio.create_task(browser.run("sampleVideoSend", seconds=seconds, timeout=seconds + 30))
        while not sampling.done():  # Janus drops sessions idle for 60 s
            await asyncio.to_thread(janus.request, f"/{session}", {"janus": "keepalive"})
            await asyncio.wait([sampling], timeout=10)
        return sampling.result()
    finally:
        await browser.run("rawClose")


async def main(args):
    prosody = harness.Prosody(users=[("parrot", "parrot-secret"), ("parrotb", "parrot-secret"),
                                     ("alice", "alice-secret")], websocket=True, log_level="warn")
    prosody.start()
    janus = None
    browser = await browser_peer.Browser.start()
    browser.logged_in = False
    rows = []
    try:
        print(f"Chromium {browser.version}; {args.seconds:.0f} s per peer")
        peers = [("parrot", harness.parrot_binary(), "parrot")]
        if args.parrot_binary_b:
            peers.append((f"parrot ({args.parrot_binary_b})", args.parrot_binary_b, "parrotb"))
        for name, binary, user in peers:
            print(f"{name}:")
            samples = await ramp_to_parrot(browser, prosody, os.path.abspath(binary), user, args.seconds)
            rows.append((name, browser_peer.describe_ramp(samples, args.seconds)))
            print(f"  {rows[-1][1]['text']}")
        if not args.no_janus:
            add_janus_address()
            janus = Janus()
            janus.start()
            print("Janus 1.1.2 EchoTest:")
            samples = await ramp_to_janus(browser, janus, args.seconds)
            rows.append(("Janus EchoTest", browser_peer.describe_ramp(samples, args.seconds)))
            print(f"  {rows[-1][1]['text']}")
    finally:
        await browser.close()
        if janus:
            janus.stop()
        prosody.cleanup()

    def fmt(t):
        return f"{t:.1f} s" if t is not None else "never"
    print(f"\n| peer | 1 Mbit/s after | 1.5 Mbit/s after | mean over {args.seconds:.0f} s | peak (1-s window) |")
    print("| --- | --- | --- | --- | --- |")
    for name, ramp in rows:
        print(f"| {name} | {fmt(ramp['to_1000_kbps_s'])} | {fmt(ramp['to_1500_kbps_s'])} | "
              f"{ramp['mean_kbps']:,} kbit/s | {ramp['peak_kbps']:,} kbit/s |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--parrot-binary-b", help="a second parrot binary to measure in the same run")
    parser.add_argument("--no-janus", action="store_true")
    arguments = parser.parse_args()
    if not arguments.no_janus and not (os.path.exists(JANUS) and glob.glob(f"{JANUS_LIBS}/plugins/libjanus_echotest.so")):
        sys.exit("Janus is not installed (Debian: apt-get install janus; deploy/install-deps.sh does)")
    if not browser_peer.enter_loopback_namespace() and not arguments.no_janus:
        sys.exit("the Janus comparison needs root (a network namespace with a dummy interface)")
    asyncio.run(main(arguments))
