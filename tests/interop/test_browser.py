#!/usr/bin/python3
"""A real browser calls parrot: headless Debian Chromium (libwebrtc, the
media stack of Conversations, Monal and Movim) with fake media devices,
StanzaJS 12 as its XMPP/Jingle client over Prosody's WebSocket, all inside a
network namespace holding only `lo` (tests/interop/browser_peer.py).

Nothing munges the SDP: the offer is Chromium's default (opus + red; VP8,
VP9, H264, AV1 with rtx, red, ulpfec; transport-cc, goog-remb; a dozen
header extensions; BUNDLE), mapped to Jingle by StanzaJS.

  audio      the echo comes back (inbound-rtp from parrot), and once the
             browser stops sending, every packet parrot says it sent has
             arrived; the report says MEDIA OK and opus.
  video      audio+video: both echoed; the report's video codec (VP8, named
             "in RED" when the answer kept red and ulpfec, as libwebrtc then
             wraps VP8 in RFC 2198 RED), resolution and frame rate against
             the browser's own getStats().
  jmi        XEP-0353 propose -> proceed (from parrot's full JID) ->
             session-initiate with the propose's id.
  restart    an ICE restart mid-call (StanzaJS's restartIce: transport-info
             with new credentials): no echoed packet lost across it, by the
             browser's loss count and by parrot's sent count.
  ramp       audio + a canvas of random noise: the time the browser's video
             send rate needs to reach 1 and 1.5 Mbit/s, printed only
             (tests/bench/browser_ramp_bench.py compares it with Janus).

Each case runs even if an earlier one failed; the test fails if any did,
printing the report, the browser's getStats, its console and parrot's log.
"""
import asyncio
import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import browser_peer  # noqa: E402
import harness  # noqa: E402

RAMP_SECONDS = 12.0
PARROT_PASSWORD = "parrot-secret"
ALICE_PASSWORD = "alice-secret"


class Context:
    def __init__(self, prosody, parrot, browser, parrot_full):
        self.prosody, self.parrot, self.browser, self.parrot_full = prosody, parrot, browser, parrot_full
        self.parrot_bare = parrot.jid


def check(condition, what, **evidence):
    """An assertion whose failure prints its evidence as JSON."""
    if not condition:
        details = "\n".join(f"{key}: {json.dumps(value, indent=1, sort_keys=True, default=str)}"
                            for key, value in evidence.items())
        raise AssertionError(f"{what}\n{details}")


def check_verdict(report):
    # Media both ways on loopback without TURN: MEDIA OK, with that as a note.
    check(report["verdict"] == "MEDIA OK", f"verdict {report['verdict']!r}, expected 'MEDIA OK'", report=report)
    check(any("no relay (TURN) candidates" in note for note in report["notes"]), "no relay note", report=report)


def streams_of(report):
    return {stream["media"]: stream for stream in report["streams"]}


def video_red_in_answer(answer_sdp):
    """(must, may): libwebrtc sends its video inside RED (RFC 2198) when the
    answer keeps both red and ulpfec on the video m-line, so the report must
    then name the codec inside RED; with red alone it may; without red it
    cannot."""
    video = answer_sdp.split("m=video", 1)
    section = video[1].split("\nm=", 1)[0].lower() if len(video) == 2 else ""
    red = "red/90000" in section
    return red and "ulpfec/90000" in section, red


async def echo_settled(browser, kinds, timeout=10):
    """Stops what the browser sends (its senders get no track) and waits
    until the echo has stopped too: no new inbound packet for 0.5 s. Then
    the browser's inbound counts are final and comparable to what parrot
    reports as sent."""
    await browser.run("stopSending")
    deadline = time.monotonic() + timeout
    previous = None
    while True:
        stats = await browser.run("stats")
        counts = tuple(stats["inbound"].get(kind, {}).get("packetsReceived", 0) for kind in kinds)
        if counts == previous:
            return stats
        check(time.monotonic() < deadline, f"the echo did not stop within {timeout} s of the browser stopping",
              stats=stats)
        previous = counts
        await asyncio.sleep(0.5)


def check_all_echo_arrived(report, stats, kind):
    """parrot's sent count against the browser's received count, after the
    echo settled: nothing parrot counted as sent went missing."""
    stream, inbound = streams_of(report)[kind], stats["inbound"][kind]
    check(stream["packets_sent"] == inbound["packetsReceived"] and inbound.get("packetsLost", 0) == 0,
          f"{kind}: parrot sent {stream['packets_sent']} packets, the browser received "
          f"{inbound['packetsReceived']} and counts {inbound.get('packetsLost')} lost",
          report_stream=stream, browser_inbound=inbound)


async def case_audio(ctx):
    browser = ctx.browser
    call = await browser.run("call", to=ctx.parrot_full)
    await browser.run("waitEcho", kinds=["audio"], packets=150)
    stats = await echo_settled(browser, ["audio"])
    result = await browser.run("hangup")
    report, inbound = result["report"], stats["inbound"]["audio"]
    print(f"audio: {result['body']}")
    check(inbound["packetsReceived"] >= 150, "audio echo", stats=stats)
    check(report["kind"] == "call" and report["id"] == call["sid"], "the report is for this call", report=report)
    check_verdict(report)
    audio = streams_of(report)["audio"]
    check(audio["codec"].startswith("opus/48000") and stats["outbound"]["audio"]["codec"]["mimeType"] == "audio/opus",
          f"audio codec {audio['codec']!r}, the browser sends {stats['outbound']['audio']['codec']}", report=report)
    # Chromium's fake microphone beeps: parrot decoded sound, not silence.
    check(-60 < audio.get("level_dbfs", -100) < 0, "parrot heard the beep", report_stream=audio)
    # libwebrtc puts its RFC 6464 level on every audio packet; the answer
    # keeps ssrc-audio-level, so parrot's level is the browser's own.
    check(audio.get("level_source") == "audio level", "the level is the browser's RFC 6464 level", report_stream=audio)
    sent = stats["outbound"]["audio"]["packetsSent"]
    check(abs(audio["packets_received"] - sent) <= 2, f"parrot received {audio['packets_received']} of {sent}",
          report_stream=audio, browser=stats["outbound"]["audio"])
    check_all_echo_arrived(report, stats, "audio")
    check(report["dtls"]["fingerprint_ok"] is True, "DTLS fingerprint", dtls=report["dtls"])
    check(report["ice"]["selected"]["local_type"] == "host", "ICE pair", ice=report["ice"])


async def case_video(ctx):
    browser = ctx.browser
    call = await browser.run("call", to=ctx.parrot_full, video=True)
    offer = call["offerSdp"]
    # The default offer really is Chromium's rich one
    # (docs/client-quirks.md#libwebrtc).
    for needle in ("red/90000", "ulpfec/90000", "rtx/90000", "transport-cc", "H264/90000", "AV1/90000",
                   "VP9/90000", "a=extmap:"):
        check(needle in offer, f"Chromium's default offer has {needle}", offer=offer)
    await browser.run("waitEcho", kinds=["audio", "video"], packets=100)
    samples = []
    deadline = time.monotonic() + 20
    while True:  # two more seconds of video for parrot's frame rate, sampling the browser's own view
        stats = await browser.run("stats")
        samples.append(stats)
        if stats["inbound"]["video"].get("framesDecoded", 0) >= 60:
            break
        check(time.monotonic() < deadline, "the browser decoded fewer than 60 echoed frames in 20 s", stats=stats)
        await asyncio.sleep(0.25)
    sent_resolutions = {f"{s['outbound']['video'].get('frameWidth')}x{s['outbound']['video'].get('frameHeight')}"
                        for s in samples[-8:]}
    result = await browser.run("hangup")
    report = result["report"]
    print(f"video: {result['body']}")
    outbound, inbound = stats["outbound"]["video"], stats["inbound"]["video"]
    answer_video = call["answerSdp"].split("m=video")[-1]
    evidence = {"report": report, "browser_getStats": stats,
                "answer_video_rtpmaps": re.findall(r"a=rtpmap:(\S+ \S+)", answer_video)}
    check(stats["inbound"]["audio"]["packetsReceived"] >= 100, "audio echo", **evidence)
    check(inbound["packetsReceived"] >= 100 and inbound.get("framesDecoded", 0) > 0,
          "video echo decoded by the browser", **evidence)
    check_verdict(report)
    streams = streams_of(report)
    check(streams["audio"]["codec"].startswith("opus/48000"), "audio codec", **evidence)
    video = streams["video"]
    check(outbound["codec"]["mimeType"] == "video/VP8", "the browser sends VP8 (parrot's answer)", **evidence)
    must_red, may_red = video_red_in_answer(call["answerSdp"])
    named_red = "red" in video["codec"].lower()
    expected = "VP8/90000 in RED" if must_red else "VP8/90000 (in RED or not)" if may_red else "VP8/90000"
    check(video["codec"].startswith("VP8/90000") and (named_red or not must_red) and (may_red or not named_red),
          f"report's video codec {video['codec']!r}, expected {expected!r} (the answer keeps red: {may_red}, "
          f"red and ulpfec: {must_red})", **evidence)
    check(video.get("resolution") in sent_resolutions,
          f"report's resolution {video.get('resolution')!r}, the browser sent {sorted(sent_resolutions)}", **evidence)
    fps, browser_fps = video.get("frame_rate_fps", 0), outbound.get("framesPerSecond", 0)
    check(abs(fps - browser_fps) <= max(3, browser_fps * 0.25),
          f"report's frame rate {fps} fps, the browser sends {browser_fps} fps", **evidence)
    check(video.get("keyframes", 0) >= 1, "the report counts key frames", **evidence)


async def case_jmi(ctx):
    browser = ctx.browser
    call = await browser.run("call", to=ctx.parrot_bare, jmi=True)
    check(call["proceededBy"] == ctx.parrot_full and "proceed" in call["jmi"],
          "parrot proceeds from its full JID", call={k: call[k] for k in ("proceededBy", "jmi", "sid")})
    await browser.run("waitEcho", kinds=["audio"], packets=100)
    result = await browser.run("hangup")
    report = result["report"]
    print(f"jmi: {result['body']}")
    check(report["id"] == call["sid"], "the session carries the propose's id", report=report, sid=call["sid"])
    check_verdict(report)
    check(streams_of(report)["audio"]["codec"].startswith("opus/48000"), "audio codec", report=report)


async def case_restart(ctx):
    browser = ctx.browser
    await browser.run("call", to=ctx.parrot_full)
    before = await browser.run("waitEcho", kinds=["audio"], packets=100)
    restart = await browser.run("restartIce")
    received = before["inbound"]["audio"]["packetsReceived"]
    after = await browser.run("waitEcho", kinds=["audio"], packets=received + 150)
    stats = await echo_settled(browser, ["audio"])
    result = await browser.run("hangup")
    report = result["report"]
    print(f"restart: ufrag {restart['before']['remote']} -> {restart['after']['remote']}; {result['body']}")
    lost = after["inbound"]["audio"].get("packetsLost", 0) - before["inbound"]["audio"].get("packetsLost", 0)
    evidence = {"report": report, "before_restart": before["inbound"]["audio"],
                "after_restart": after["inbound"]["audio"], "settled": stats["inbound"]["audio"]}
    check(report["ice"]["restarts"] == 1, "parrot counted the restart", **evidence)
    check(restart["after"]["remote"] != restart["before"]["remote"], "parrot answered with new credentials",
          restart=restart)
    check(lost == 0, f"{lost} echoed packets lost across the ICE restart (browser's packetsLost)", **evidence)
    check_all_echo_arrived(report, stats, "audio")
    check_verdict(report)


async def case_ramp(ctx):
    browser = ctx.browser
    await browser.run("call", to=ctx.parrot_full, video=True, noise=True)
    samples = await browser.run("sampleVideoSend", seconds=RAMP_SECONDS, timeout=RAMP_SECONDS + 30)
    stats = await browser.run("stats")
    result = await browser.run("hangup")
    ramp = browser_peer.describe_ramp(samples, RAMP_SECONDS)
    print(f"ramp: browser -> parrot video send rate: {ramp['text']}")
    print(f"ramp: {result['body']}")
    check(stats["inbound"]["video"]["packetsReceived"] > 0 and ramp["mean_kbps"] > 0,
          "noise video sent and echoed", stats=stats)
    check_verdict(result["report"])


CASES = [("audio", case_audio), ("video", case_video), ("jmi", case_jmi), ("restart", case_restart),
         ("ramp", case_ramp)]


async def main():
    selected = os.environ.get("PARROT_BROWSER_CASES")
    cases = [(name, case) for name, case in CASES if not selected or re.fullmatch(selected, name)]
    prosody = harness.Prosody(users=[("parrot", PARROT_PASSWORD), ("alice", ALICE_PASSWORD)], websocket=True)
    prosody.start()
    parrot = browser = None
    failures = []
    try:
        parrot = harness.Parrot(prosody, password=PARROT_PASSWORD, extra=["--ice-address", "127.0.0.1"]).start()
        await parrot.until_log("online as")
        browser = await browser_peer.Browser.start()
        print(f"Chromium {browser.version}")
        await browser.run("login", url=prosody.websocket_url, jid=f"alice@{prosody.domain}", password=ALICE_PASSWORD)
        parrot_full = (await browser.run("befriend", bare=parrot.jid))["full"]
        ctx = Context(prosody, parrot, browser, parrot_full)
        for name, case in cases:
            started = time.monotonic()
            try:
                await case(ctx)
                print(f"case {name}: passed ({time.monotonic() - started:.1f} s)")
            except Exception as error:  # noqa: BLE001 — every case runs; each failure is told
                failures.append(name)
                print(f"case {name}: FAILED ({time.monotonic() - started:.1f} s): {error}", file=sys.stderr)
                try:
                    await browser.run("cleanup", timeout=15)
                except browser_peer.BrowserError as stuck:
                    print(f"the browser is stuck, later cases not run: {stuck}", file=sys.stderr)
                    failures.append("(the rest)")
                    break
        if failures:
            print(browser.console_tail(), file=sys.stderr)
            print("parrot log (last lines):\n" + parrot.tail(60), file=sys.stderr)
            raise AssertionError(f"failed cases: {', '.join(failures)}")
    except browser_peer.BrowserError:
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
    browser_peer.enter_loopback_namespace()
    harness.run_test(main)
