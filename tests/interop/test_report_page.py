#!/usr/bin/python3
"""The report page: parrot with --http-listen on a free loopback port and
--public-url, a real audio+video call from the aiortc caller
(jingle_caller.py), then

  - the chat report ends with "Details: <public-url>/reports/<token>", a
    32-hex-digit token (not a row id);
  - that page over plain HTTP: 200, text/html, a Content-Security-Policy
    that allows no script and nothing from elsewhere; a wrong token, a
    malformed one and another path give 404; POST gives 405;
  - the page in headless Debian Chromium (playwright-core, as
    tests/interop/test_browser.py launches it): a full-page screenshot saved
    in the test's directory and checked to be a sane PNG; in the DOM the
    verdict, the NAT diagram with the report's evidence (the caller's host
    candidates, the address parrot saw), and for each stream at least one timeline
    chart whose lines have several points; no request beyond the page
    itself and no page error;
  - a second caller whose JID's resource is markup (an <img onerror>, a
    <script>): its page shows the JID as text; Chromium finds no image, no
    script, no extra request.
"""
import asyncio
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import jingle_caller as jc  # noqa: E402  (patches aioice to loopback first)
import harness  # noqa: E402
import browser_peer  # noqa: E402

REPORT_NS = "urn:parrot:report:1"
MEDIA_PACKETS = 250  # 5 s of the caller's audio: several one-second points
HOSTILE_RESOURCE = "\"'><img src=x onerror=alert(1)><script>alert(2)</script>"
BROWSER_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "browser")


def http(method, url):
    """(status, headers, body) of one request, errors included."""
    request = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


def png_size(path):
    """(width, height) from a PNG's IHDR, asserting the signature."""
    with open(path, "rb") as f:
        head = f.read(24)
    assert head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR", head
    return struct.unpack(">II", head[16:24])


def load_in_chromium(url, screenshot):
    done = subprocess.run([browser_peer.NODE, os.path.join(BROWSER_DIR, "report_page.mjs"), url, screenshot],
                          cwd=BROWSER_DIR, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"chromium failed:\n{done.stderr}"
    return json.loads(done.stdout.strip().splitlines()[-1])


async def call_and_read_link(client, parrot_full, media, packets=MEDIA_PACKETS):
    """A call of `packets` audio packets from `client`; the report and the
    page token from its chat report's link."""
    caller = jc.JingleCaller(client, parrot_full, media=media, jmi=False)
    await caller.call()
    await caller.wait_media(media, frames=25)
    await caller.until_sent((await caller.stats())["audio"]["packets_sent"] + packets)
    await caller.terminate("success")
    message = await client.next_message(
        timeout=jc.TIMEOUT, predicate=lambda m: m.xml.find(f"{{{REPORT_NS}}}report") is not None)
    body = message["body"]
    report = json.loads(message.xml.find(f"{{{REPORT_NS}}}report").text)
    print(f"chat report: {body}")
    link = re.search(r"Details: (\S+)", body)
    assert link, f"no link in the chat report: {body}"
    assert link.group(1).startswith("https://parrot.example.org/reports/"), link.group(1)
    token = link.group(1).rsplit("/", 1)[1]
    assert re.fullmatch(r"[0-9a-f]{32}", token), token
    return report, token


async def hostile_caller(prosody, parrot, base):
    """A caller whose JID carries markup (a resource may hold any of it):
    its page shows the JID as text, and Chromium finds no element, script
    or request the JID smuggled in."""
    prosody.add_user("mallory", "mallory-secret")
    mallory = harness.Client(prosody, "mallory", "mallory-secret")
    mallory.requested_jid.resource = HOSTILE_RESOURCE
    await mallory.online()
    try:
        assert mallory.boundjid.resource == HOSTILE_RESOURCE, mallory.boundjid
        await mallory.befriend(parrot.jid)
        await mallory.next_message(predicate=lambda m: "!help" in m["body"])
        report, token = await call_and_read_link(mallory, f"{parrot.jid}/parrot", ("audio",), packets=100)
        assert report["peer"].endswith(HOSTILE_RESOURCE), report["peer"]
        url = f"{base}/reports/{token}"
        status, _, page = http("GET", url)
        assert status == 200 and "&lt;img src=x onerror=alert(1)&gt;" in page, (status, page[:2000])
        loaded = load_in_chromium(url, os.path.join(prosody.root, "hostile-page.png"))
        assert loaded["requests"] == [url], loaded["requests"]
        assert loaded["errors"] == [], loaded["errors"]
        dom = loaded["dom"]
        assert dom["scripts"] == 0 and dom["images"] == 0, dom
        assert HOSTILE_RESOURCE in dom["meta"], dom["meta"]
        print("a JID with markup: shown as text, nothing injected")
    finally:
        mallory.disconnect()


async def main():
    browser_peer.check_installed()
    port = harness.free_port()
    base = f"http://127.0.0.1:{port}"
    public = "https://parrot.example.org/"  # what people would use; the test reaches the same pages directly
    async with jc.parrot_and_alice(extra=["--http-listen", f"127.0.0.1:{port}", "--public-url", public]) as (
            prosody, parrot, alice):
        await parrot.until_log("http: report pages on")
        report, token = await call_and_read_link(alice, f"{parrot.jid}/parrot", ("audio", "video"))
        url = f"{base}/reports/{token}"

        status, headers, page = http("GET", url)
        assert status == 200, (status, page)
        assert headers["Content-Type"].startswith("text/html"), headers
        csp = headers["Content-Security-Policy"]
        assert "default-src 'none'" in csp and "script-src" not in csp, csp
        assert report["verdict"] in page, "the page lacks the verdict"
        wrong = token[:-1] + ("0" if token[-1] != "0" else "1")
        for path in (f"/reports/{wrong}", "/reports/1", "/reports/../reports.sqlite", "/", "/reports/"):
            status, _, text = http("GET", base + path)
            assert status == 404, (path, status, text)
        status, headers, _ = http("POST", url)
        assert status == 405 and "GET" in headers.get("Allow", ""), (status, dict(headers))

        if True:  # the screenshot goes with the test's directory (Prosody's root)
            screenshot = os.path.join(prosody.root, "report-page.png")
            loaded = load_in_chromium(url, screenshot)
            width, height = png_size(screenshot)
            size = os.path.getsize(screenshot)
            print(f"screenshot {width}x{height}, {size} bytes")
            if os.environ.get("PARROT_KEEP_SCREENSHOT"):  # a copy to look at; the test's directory goes
                shutil.copyfile(screenshot, os.environ["PARROT_KEEP_SCREENSHOT"])
            assert width >= 800 and height >= 600 and size > 10_000, (width, height, size)
            dom = loaded["dom"]
            assert loaded["status"] == 200, loaded
            assert loaded["errors"] == [], loaded["errors"]
            # The page and nothing else: no script, font, style or image fetched.
            assert loaded["requests"] == [url], loaded["requests"]
            assert dom["scripts"] == 0, dom
            assert dom["verdict"] == report["verdict"] == "MEDIA OK", dom["verdict"]
            assert dom["diagram"] and dom["diagram"]["width"] > 300, dom["diagram"]
            assert "parrot" in dom["diagram"]["text"] and "you (caller)" in dom["diagram"]["text"], dom["diagram"]
            # The report's NAT evidence, drawn: the caller's host candidates and where parrot saw it.
            evidence = report["nat"]["evidence"]
            for address in evidence["caller_host"][:3]:
                assert f"host {address}" in dom["diagram"]["text"], (address, dom["diagram"])
            assert f"saw you as {evidence['seen_at_parrot']}" in dom["diagram"]["text"], dom["diagram"]
            media = sorted(s["media"] for s in dom["streams"])
            assert media == ["audio", "video"], dom["streams"]
            for stream in dom["streams"]:
                figures = {c["figure"]: c["points"] for c in stream["charts"]}
                assert {"jitter_buffer_ms", "lost", "bitrate_kbps"} <= figures.keys(), stream
                assert figures["bitrate_kbps"] >= 3, (stream["media"], figures)
                assert ("level_dbfs" if stream["media"] == "audio" else "frame_rate_fps") in figures, stream
                print(f"{stream['media']}: {stream['heading']}: {figures}")

        await hostile_caller(prosody, parrot, base)


if __name__ == "__main__":
    harness.run_test(main)
