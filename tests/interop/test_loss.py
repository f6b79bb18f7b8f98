#!/usr/bin/python3
"""The report under real random loss: headless Chromium (libwebrtc, whose
RTCP receiver reports stay honest under loss and which sends video) calls
parrot with audio and video while iptables drops RTP and RTCP at random,
P each way (the kernel has no netem: `-m statistic --mode random`), and
only RTP and RTCP: a u32 match on the first payload byte (RFC 7983) lets
STUN and DTLS through. Two calls, P = 5% and P = 20%.

Each packet is counted where it is dropped or let through, per direction
and per kind (the audio payload types), and the report is checked against
those counters:

  upstream   audio `loss_pct` (what parrot lost receiving) against the
             share of the browser's audio RTP the rule dropped;
  return     audio `return_loss.loss_pct` / `your_loss_pct` (what the
             browser lost of what parrot sent, from the browser's RTCP,
             net of upstream gaps) against the share of parrot's audio RTP
             the rule dropped, and clearly apart from the browser's own
             gross figure, which counts both directions;
  video      `frame_rate_fps` / `average_frame_rate_fps` against the frame
             rate the browser really sent (getStats outbound-rtp
             framesSent over time and framesPerSecond), whatever the probe
             could decode, and `frames_undecodable` present.

Audio is the stream compared for loss: Chromium asks no retransmissions
for Opus, so a packet dropped is a packet lost; video is repaired by NACK,
so its loss figures are printed, not compared.

Runs in a network namespace of its own holding only `lo` (as the browser
test does), so its rules touch nothing else. Needs root, iptables and
unshare; otherwise it says so and exits 77 (skipped).
"""
import asyncio
import json
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import browser_peer  # noqa: E402
import harness  # noqa: E402

PARROT_PASSWORD = "parrot-secret"
ALICE_PASSWORD = "alice-secret"
PORTS = 20  # parrot's media ports: --ice-port-min .. +19
LOSS_LEVELS = (0.05, 0.20)
# Audio packets the browser sends per call: 20 s of Opus at 50 packets/s.
AUDIO_PACKETS = 1000
# The first UDP payload byte in 128..191 (two top bits 10): RTP or RTCP (RFC 7983).
RTP_OR_RTCP = "0>>22&0x3C@8>>30=2"
# The second byte's low 7 bits: the RTP payload type. Chromium's audio in a
# BUNDLE sends opus (111) or, when red/48000 leads the answer, RED (63);
# RTCP packet types (200..206) land on 72..78 there, never on these. The
# test checks below that these counters hold every audio packet parrot saw.
AUDIO_PAYLOAD_TYPES = (111, 63)


def payload_type_is(pt):
    return f"0>>22&0x3C@8>>16&0x7F={pt}"


def iptables(*args):
    subprocess.run(["iptables", *args], check=True)


class LossRules:
    """Random loss of RTP/RTCP to parrot ("up") and from it ("back"), on
    INPUT: the packets left their sender and the network lost them. Per
    direction, one random decision per packet sends it to <dir>_DROP
    (counted per kind, then dropped) or lets it on (counted per kind)."""

    DIRECTIONS = {"up": "--dport", "back": "--sport"}

    def __init__(self, low, probability):
        self.low, self.probability = low, probability

    def chain(self, direction, dropped=False):
        return f"LOSS_{direction.upper()}{'_DROP' if dropped else ''}"

    def install(self):
        for direction, port_option in self.DIRECTIONS.items():
            passed, dropped = self.chain(direction), self.chain(direction, True)
            for name in (passed, dropped):
                iptables("-N", name)
            for name in (passed, dropped):
                # Counting rules without a target: one per audio payload type.
                for pt in AUDIO_PAYLOAD_TYPES:
                    iptables("-A", name, "-m", "u32", "--u32", payload_type_is(pt))
            iptables("-I", passed, "1", "-m", "statistic", "--mode", "random", "--probability",
                     str(self.probability), "-j", dropped)
            iptables("-A", dropped, "-j", "DROP")
            iptables("-A", "INPUT", "-p", "udp", port_option, f"{self.low}:{self.low + PORTS - 1}",
                     "-m", "u32", "--u32", RTP_OR_RTCP, "-j", passed)

    def remove(self):
        for direction, port_option in self.DIRECTIONS.items():
            subprocess.run(["iptables", "-D", "INPUT", "-p", "udp", port_option, f"{self.low}:{self.low + PORTS - 1}",
                            "-m", "u32", "--u32", RTP_OR_RTCP, "-j", self.chain(direction)], check=False)
            for name in (self.chain(direction), self.chain(direction, True)):
                subprocess.run(["iptables", "-F", name], check=False)
                subprocess.run(["iptables", "-X", name], check=False)

    @staticmethod
    def _packets(chain):
        """Packet counts of the chain's rules, in order."""
        out = subprocess.run(["iptables", "-L", chain, "-v", "-x", "-n"], check=True, capture_output=True,
                             text=True).stdout
        return [(int(line.split()[0]), line) for line in out.splitlines()[2:] if line.strip()]

    def counters(self):
        """Per direction: RTP/RTCP seen and dropped; audio RTP seen and dropped."""
        result = {}
        for direction in self.DIRECTIONS:
            into = [count for count, line in self._packets("INPUT") if self.chain(direction) in line.split()]
            check(len(into) == 1, f"one INPUT rule for {self.chain(direction)}", rules=self._packets("INPUT"))
            # LOSS_<dir>: the random jump, then one counter per audio payload
            # type for what was let through; LOSS_<dir>_DROP: the same
            # counters for what was dropped, then DROP.
            passed = [count for count, _ in self._packets(self.chain(direction))]
            dropped = [count for count, _ in self._packets(self.chain(direction, True))]
            audio_passed = sum(passed[1:1 + len(AUDIO_PAYLOAD_TYPES)])
            audio_dropped = sum(dropped[:len(AUDIO_PAYLOAD_TYPES)])
            result[direction] = {"all": into[0], "all_dropped": passed[0],
                                 "audio": audio_passed + audio_dropped, "audio_dropped": audio_dropped}
        return result


def check(condition, what, **evidence):
    if not condition:
        details = "\n".join(f"{key}: {json.dumps(value, indent=1, sort_keys=True, default=str)}"
                            for key, value in evidence.items())
        raise AssertionError(f"{what}\n{details}")


def pct(part, whole):
    return 100.0 * part / whole if whole else 0.0


async def one_call(browser, parrot_full, low, probability):
    rules = LossRules(low, probability)
    rules.install()
    try:
        await browser.run("call", to=parrot_full, video=True)
        await browser.run("waitEcho", kinds=["audio", "video"], packets=20, timeout=40, timeoutMs=30000)
        # Sample the browser's own sending until AUDIO_PACKETS audio packets
        # left it: its frame rate over the call, from its own counters.
        samples = []
        deadline = time.monotonic() + AUDIO_PACKETS / 50 * 3
        while True:
            stats = await browser.run("stats")
            samples.append(stats)
            if stats["outbound"]["audio"].get("packetsSent", 0) >= AUDIO_PACKETS:
                break
            check(time.monotonic() < deadline, f"the browser sent fewer than {AUDIO_PACKETS} audio packets in time",
                  stats=stats)
            await asyncio.sleep(0.5)
        result = await browser.run("hangup")
        counters = rules.counters()
    finally:
        rules.remove()
    return result, samples, counters


def sent_frame_rates(samples):
    """The browser's sent frame rate: framesSent over the time the video
    was sent, and the mean of its framesPerSecond over the last 3 s."""
    video = [(s["timestamp"], s["outbound"].get("video", {})) for s in samples]
    video = [(t, v) for t, v in video if v.get("framesSent", 0) > 0]
    check(len(video) >= 4, "too few samples of the browser's video", samples=samples[-3:])
    (t0, first), (t1, last) = video[0], video[-1]
    average = (last["framesSent"] - first["framesSent"]) * 1000 / (t1 - t0)
    recent = [v.get("framesPerSecond", 0) for t, v in video if t >= t1 - 3000]
    return average, sum(recent) / len(recent)


def check_call(probability, result, samples, counters):
    report, body = result["report"], result["body"]
    streams = {s["media"]: s for s in report["streams"]}
    audio, video = streams["audio"], streams["video"]
    last = samples[-1]
    up, back = counters["up"], counters["back"]
    evidence = {"report_audio": audio, "report_video": video, "iptables": counters,
                "browser_inbound": last["inbound"], "body": body}

    # The counters hold every audio packet: what parrot received of the
    # browser's audio is what the rule let through (a few in flight at the
    # hang-up may be counted and not yet read).
    check(0 <= (up["audio"] - up["audio_dropped"]) - audio["packets_received"] <= 10,
          "iptables' upstream audio counters do not match what parrot received: other payload types?", **evidence)
    check(up["audio"] >= AUDIO_PACKETS * 0.9 and back["audio"] > 0, "audio both ways", **evidence)

    # Upstream: parrot's own count (RFC 3550 A.3, first to highest received)
    # against the drops. Only packets dropped after parrot's highest received
    # one, in the last instants, can differ: a few packets, well under a
    # point. A point of tolerance for that, nothing for noise: both count
    # the same packets.
    up_true = pct(up["audio_dropped"], up["audio"])
    check(abs(audio["loss_pct"] - up_true) <= 1.0,
          f"upstream: report {audio['loss_pct']}%, iptables dropped {up_true:.2f}%", **evidence)

    # Return: the browser's RTCP covers parrot's packets up to its last
    # report (Chromium reports on audio every few seconds, and 20% of its
    # RTCP is dropped too), a subset of what iptables counted over the whole
    # call. Same random rule, so the shares agree up to sampling noise of
    # that subset: 1,000 packets at 20% give a standard deviation of 1.3
    # points. 3 points of tolerance (2 at 5%) is over two of them; the
    # gross figure reports used to give, with the upstream loss counted in, is off by
    # the whole upstream loss (5 or 20 points), far outside.
    back_true = pct(back["audio_dropped"], back["audio"])
    return_loss = audio.get("return_loss")
    check(return_loss is not None and return_loss["basis"] == "caller RTCP, net of upstream gaps",
          "the report has the return loss", **evidence)
    tolerance = 2.0 if probability < 0.1 else 3.0
    check(abs(return_loss["loss_pct"] - back_true) <= tolerance and audio["your_loss_pct"] == return_loss["loss_pct"],
          f"return: report {return_loss['loss_pct']}%, iptables dropped {back_true:.2f}%", **evidence)
    # ...and it is not the gross figure, which adds the upstream loss.
    gross = pct(return_loss.get("caller_reported_lost", 0), return_loss.get("caller_reported_lost", 0)
                + return_loss["packets"] - return_loss["lost"])
    check(gross - return_loss["loss_pct"] >= up_true / 2,
          f"the browser's own count ({gross:.1f}%) should include the upstream loss; the net one "
          f"({return_loss['loss_pct']}%) not", **evidence)
    check("% on the way back" in body, "the chat line gives the loss each way", **evidence)

    # Frame rate: the stream's, against what the browser sent. The rate of
    # pictures of which no packet arrived (each of 20% dropped, and the
    # browser's resends repair most) is the only shortfall; the figure the
    # report used to give was 70-85% low. 25% (or 3 fps) of tolerance, as the
    # browser test allows on a clean path. The recent figure gets 40% (or
    # 5 fps): parrot's last 2 s end at the hang-up, the browser's samples
    # are of the 3 s before it, and pictures lost upstream in those last
    # 2 s have had no time to be resent (a cold CI run on 2 busy cores read
    # 10.5 against 14.3 fps, while the call's average agreed).
    sent_average, sent_recent = sent_frame_rates(samples)
    for key, browser_fps, share, floor in (("average_frame_rate_fps", sent_average, 0.25, 3.0),
                                           ("frame_rate_fps", sent_recent, 0.40, 5.0)):
        check(abs(video.get(key, 0) - browser_fps) <= max(floor, browser_fps * share),
              f"report's {key} {video.get(key)} fps, the browser sent {browser_fps:.1f} fps", **evidence)
    check("frames_undecodable" in video and video["frames"] > 0, "the report says how many frames were undecodable",
          **evidence)
    return {"set": probability * 100, "up_report": audio["loss_pct"], "up_iptables": up_true,
            "back_report": return_loss["loss_pct"], "back_iptables": back_true, "back_gross": gross,
            "fps_report": video.get("average_frame_rate_fps"), "fps_recent": video.get("frame_rate_fps"),
            "fps_browser": sent_average, "fps_browser_recent": sent_recent,
            "undecodable": video["frames_undecodable"], "frames": video["frames"],
            "video_up_loss": video["loss_pct"], "video_back_loss": video.get("your_loss_pct")}


async def main():
    low = harness.free_udp_block(PORTS)
    prosody = harness.Prosody(users=[("parrot", PARROT_PASSWORD), ("alice", ALICE_PASSWORD)], websocket=True)
    prosody.start()
    parrot = browser = None
    rows = []
    try:
        parrot = harness.Parrot(prosody, password=PARROT_PASSWORD,
                                extra=["--ice-address", "127.0.0.1", "--ice-port-min", str(low),
                                       "--ice-port-max", str(low + PORTS - 1)]).start()
        await parrot.until_log("online as")
        browser = await browser_peer.Browser.start()
        print(f"Chromium {browser.version}")
        await browser.run("login", url=prosody.websocket_url, jid=f"alice@{prosody.domain}", password=ALICE_PASSWORD)
        parrot_full = (await browser.run("befriend", bare=parrot.jid))["full"]
        for probability in LOSS_LEVELS:
            result, samples, counters = await one_call(browser, parrot_full, low, probability)
            print(f"{probability:.0%} each way: {result['body']}")
            print(f"  iptables: {json.dumps(counters)}")
            video = next(s for s in result["report"]["streams"] if s["media"] == "video")
            print("  video: " + json.dumps({k: video.get(k) for k in (
                "codec", "packets_received", "lost", "nacks_sent", "retransmitted", "reordered", "late_dropped",
                "keyframes", "keyframe_requests_relayed", "frames", "frames_undecodable", "decoded_frame_rate_fps",
                "return_loss", "buffer_delay_ms")}))
            row = check_call(probability, result, samples, counters)
            rows.append(row)
            print("  " + json.dumps({k: round(v, 2) if isinstance(v, float) else v for k, v in row.items()}))
        print("| loss set each way | upstream: reported / iptables | return: reported / iptables "
              "| the browser's own (both ways) | fps: reported avg, recent / browser avg, recent | frames undecodable |")
        for r in rows:
            print(f"| {r['set']:.0f}% | {r['up_report']:.2f}% / {r['up_iptables']:.2f}% "
                  f"| {r['back_report']:.2f}% / {r['back_iptables']:.2f}% | {r['back_gross']:.1f}% "
                  f"| {r['fps_report']}, {r['fps_recent']} / {r['fps_browser']:.1f}, {r['fps_browser_recent']:.1f} "
                  f"| {r['undecodable']} of {r['frames']} |")
    except Exception:
        if browser:
            print(browser.console_tail(), file=sys.stderr)
        if parrot:
            print("parrot log (last lines):\n" + parrot.tail(60), file=sys.stderr)
        raise
    finally:
        if browser:
            await browser.close()
        if parrot:
            parrot.stop()
        prosody.cleanup()


if __name__ == "__main__":
    if not os.environ.get(browser_peer.IN_NAMESPACE):
        if os.geteuid() != 0 or not shutil.which("iptables") or not shutil.which("unshare"):
            print("SKIP: needs root, iptables and unshare for a network namespace of its own")
            sys.exit(77)
    browser_peer.enter_loopback_namespace()
    if not os.environ.get(browser_peer.IN_NAMESPACE):
        print("SKIP: could not enter a network namespace of its own (unshare --net)")
        sys.exit(77)
    harness.run_test(main)
