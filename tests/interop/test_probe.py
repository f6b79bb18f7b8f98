#!/usr/bin/python3
"""`parrot probe`: a call test for CI and server operators, end to end.

A throwaway Prosody runs mod_external_services (XEP-0215) with a STUN and a
TURN entry whose credentials come from a TURN REST secret; a coturn on
loopback checks them with the same secret. A parrot is the target; the probe
is a second parrot process (`parrot probe`) logging in as another account.

  1. a direct call: exit 0, and the JUnit XML and JSON say what happened
     (each check, the probe's report of the echo, the target's report);
  2. --relay-only: exit 0, the selected pair's local candidate is a relay
     on coturn, and coturn's log shows the allocation for the TURN REST user;
  3. coturn restarted with another secret than Prosody's (the credentials
     Prosody hands out are now wrong): --relay-only exits 1, and the JUnit
     failure names the relay;
  4. --file (with --video): the target's checksum of the file sent matches
     the probe's, and the test pattern came back;
  5. a wrong password exits 3 and bad options exit 2;
  6. a target that never answers exits 4, saying so.
"""
import json
import os
import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402

SECRET = "probe-turn-secret"
TTL_S = 600
PROBE_TIMEOUT_S = 60  # the probe's own step timeouts end it well before this


class Coturn:
    """coturn on loopback checking TURN REST credentials made with `secret`."""

    def __init__(self, root, port, secret, name="turnserver"):
        self.log_path = f"{root}/{name}.log"
        self.port = port
        self.relay_min = 49152 + port % 10000
        self.process = subprocess.Popen(
            ["turnserver", "-n", "--listening-ip", "127.0.0.1", "--relay-ip", "127.0.0.1",
             "--listening-port", str(port), "--min-port", str(self.relay_min), "--max-port", str(self.relay_min + 200),
             "--use-auth-secret", "--static-auth-secret", secret, "--realm", "parrot.test", "--no-tls", "--no-dtls",
             "--no-tcp", "--no-cli", "--allow-loopback-peers", "--verbose", "--log-file", "stdout",
             "--pidfile", f"{root}/{name}.pid"],
            stdout=open(self.log_path, "w"), stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:  # ready when its UDP socket is bound
            out = subprocess.run(["ss", "-Hlun", "sport", "=", f":{port}"], capture_output=True, text=True).stdout
            if out.strip():
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        raise RuntimeError("coturn did not start:\n" + self.log()[-2000:])

    def log(self):
        with open(self.log_path) as f:
            return f.read()

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        # The port is free again once nothing is bound to it.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            out = subprocess.run(["ss", "-Hlun", "sport", "=", f":{self.port}"], capture_output=True, text=True).stdout
            if not out.strip():
                return
            time.sleep(0.05)


def run_probe(prosody, root, name, *extra, user="probe", password="probe-secret", target="parrot", step_timeout=15):
    """Runs `parrot probe` against the target parrot; returns (exit code,
    stdout, JUnit tree, JSON) with the files it wrote."""
    password_file = f"{root}/{name}.password"
    with open(password_file, "w") as f:
        f.write(password + "\n")
    junit, result = f"{root}/{name}.xml", f"{root}/{name}.json"
    command = [harness.parrot_binary(), "probe", "--jid", f"{user}@{prosody.domain}", "--password-file", password_file,
               "--server", f"127.0.0.1:{prosody.port}", "--ca-file", prosody.ca_file, "--ice-address", "127.0.0.1",
               "--target", f"{target}@{prosody.domain}", "--seconds", "2", "--step-timeout", str(step_timeout),
               "--junit", junit, "--json", result, "--log-level", "info", *extra]
    started = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True, timeout=PROBE_TIMEOUT_S)
    print(f"--- probe {name}: exit {done.returncode} after {time.monotonic() - started:.1f} s\n{done.stdout}")
    with open(f"{root}/{name}.stderr", "w") as f:
        f.write(done.stderr)
    tree = ET.parse(junit) if os.path.exists(junit) else None
    data = json.load(open(result)) if os.path.exists(result) else None
    return done.returncode, done.stdout, done.stderr, tree, data


def testcases(tree):
    """{name: (status, message)} from the JUnit XML."""
    suite = tree.getroot()
    assert suite.tag == "testsuite" and suite.get("name") == "parrot probe", suite.attrib
    cases = {}
    for case in suite.iter("testcase"):
        failure, skipped = case.find("failure"), case.find("skipped")
        if failure is not None:
            cases[case.get("name")] = ("failed", failure.get("message"))
        elif skipped is not None:
            cases[case.get("name")] = ("skipped", skipped.get("message"))
        else:
            cases[case.get("name")] = ("passed", case.findtext("system-out"))
    assert set(cases) == {"login", "stun-turn-discovered", "call-verdict", "relay-path", "file-checksum"}, cases
    assert int(suite.get("tests")) == 5, suite.attrib
    assert int(suite.get("failures")) == sum(1 for s, _ in cases.values() if s == "failed"), suite.attrib
    return cases


def checks(data):
    return {c["name"]: c["status"] for c in data["checks"]}


async def main():
    turn_port = harness.free_udp_port()
    prosody = harness.Prosody(users=[("parrot", "parrot-secret"), ("probe", "probe-secret"), ("away", "away-secret")])
    root = prosody.root
    harness.enable_external_services(prosody, turn_port, SECRET, TTL_S)
    coturn = Coturn(root, turn_port, SECRET)
    prosody.start()
    parrot = harness.Parrot(prosody, extra=["--ice-address", "127.0.0.1", "--external-services", "false"]).start()
    try:
        await parrot.until_log("online as")

        # 1. Direct: host candidates on loopback carry the call.
        code, out, err, tree, data = run_probe(prosody, root, "direct")
        assert code == 0, f"exit {code}\n{out}\n{err[-3000:]}"
        cases = testcases(tree)
        assert cases["login"][0] == "passed" and "probe@parrot.test/probe" in cases["login"][1], cases
        assert cases["stun-turn-discovered"][0] == "passed", cases
        assert f"turn 127.0.0.1:{turn_port}/udp" in cases["stun-turn-discovered"][1], cases
        assert cases["call-verdict"] == ("passed", cases["call-verdict"][1]), cases
        assert cases["call-verdict"][1].startswith("MEDIA OK"), cases
        assert cases["relay-path"][0] == "skipped" and cases["file-checksum"][0] == "skipped", cases
        assert data["ok"] is True and data["exit_code"] == 0 and data["failure"] == "", data
        probe_report, target_report = data["probe_report"], data["target_report"]
        assert probe_report["verdict"] == "MEDIA OK", probe_report
        # What the probe got back is the echo of its own test tone.
        audio = [s for s in probe_report["streams"] if s.get("media") == "audio"]
        assert audio and audio[0]["sent_back"] == "test tone", probe_report["streams"]
        assert audio[0]["packets_received"] > 0, audio
        # The target's chat report is about the same call, and it echoed.
        assert target_report and target_report["kind"] == "call", data
        assert target_report["id"] == probe_report["id"], (target_report["id"], probe_report["id"])
        assert target_report["verdict"] == "MEDIA OK", target_report
        assert data["target_summary"].startswith("MEDIA OK"), data["target_summary"]
        assert "Target's report" in out and "Probe's report" in out, out
        print(f"direct: {data['seconds_to_verdict']:.1f} s to verdict, path {probe_report['ice']['selected']}")

        # 2. Relay only: the call goes through coturn with XEP-0215's credentials.
        mark = len(coturn.log())  # the direct call allocated too (the probe gathers relay candidates anyway)
        code, out, err, tree, data = run_probe(prosody, root, "relay", "--relay-only")
        assert code == 0, f"exit {code}\n{out}\n{err[-3000:]}\ncoturn:\n{coturn.log()[-3000:]}"
        cases = testcases(tree)
        assert cases["relay-path"][0] == "passed", cases
        selected = data["probe_report"]["ice"]["selected"]
        assert selected["local_type"] == "relay", selected
        relay = re.search(r"local relay 127\.0\.0\.1:(\d+) <-> remote host", cases["relay-path"][1])
        assert relay and coturn.relay_min <= int(relay.group(1)) <= coturn.relay_min + 200, cases["relay-path"]
        assert cases["call-verdict"][0] == "passed", cases
        assert data["target_report"]["verdict"] == "MEDIA OK", data["target_report"]
        turn_log = coturn.log()[mark:]
        users = set(re.findall(r"user <(\d+)>", turn_log))  # TURN REST: the expiry in Unix seconds
        assert users, "coturn saw no authenticated TURN user:\n" + turn_log[-3000:]
        assert re.search(r"ALLOCATE processed, success", turn_log), turn_log[-3000:]
        print(f"relay: {data['seconds_to_verdict']:.1f} s to verdict, {cases['relay-path'][1]}; "
              f"coturn allocated for {sorted(users)}")

        # 4. A file with a video call: the target's SHA-256 matches the probe's.
        code, out, err, tree, data = run_probe(prosody, root, "file", "--file", "300k", "--video")
        assert code == 0, f"exit {code}\n{out}\n{err[-3000:]}"
        cases = testcases(tree)
        status, message = cases["file-checksum"]
        assert status == "passed" and "307200 bytes sent" in message, cases
        digest = re.search(r"SHA-256 ([0-9a-f]{64}); the target's is ([0-9a-f]{64})", message)
        assert digest and digest.group(1) == digest.group(2), message
        assert data["file_summary"].startswith("FILE OK") and "307,200 bytes" in data["file_summary"], data
        assert data["file_report"]["sha256"] == digest.group(1) and data["file_report"]["mechanism"], data
        video = [s for s in data["probe_report"]["streams"] if s.get("media") == "video"]
        assert video and video[0]["sent_back"] == "test pattern" and video[0]["packets_received"] > 0, video
        assert data["probe_report"]["verdict"] == "MEDIA OK", data["probe_report"]
        print(f"file (and video): {message}")

        # 3. coturn's secret no longer matches Prosody's: the TURN the server
        # advertises cannot allocate, and the probe says so.
        coturn.stop()
        coturn = Coturn(root, turn_port, SECRET + "-rotated", name="turnserver-broken")
        code, out, err, tree, data = run_probe(prosody, root, "broken", "--relay-only", "--call-connect-seconds", "8")
        assert code == 1, f"exit {code}\n{out}\n{err[-3000:]}"
        cases = testcases(tree)
        assert cases["login"][0] == "passed" and cases["stun-turn-discovered"][0] == "passed", cases
        status, message = cases["relay-path"]
        assert status == "failed" and f"no relay path through turn 127.0.0.1:{turn_port}/udp" in message, cases
        assert "gave no relay candidate" in message and data["relay_candidates"] == 0, (message, data)
        assert cases["call-verdict"][0] == "failed", cases
        assert data["ok"] is False and data["exit_code"] == 1 and data["failure"].startswith("relay-path: "), data
        assert re.search(r"(401|Unauthorized|cannot find credentials|check_stun_auth)", coturn.log(), re.I), \
            coturn.log()[-3000:]
        print(f"broken TURN: exit 1, relay-path failure: {message}")

        # 5. Exit codes for a wrong password and for bad options.
        code, out, err, tree, data = run_probe(prosody, root, "badpass", password="not-the-password")
        assert code == 3, f"exit {code}\n{out}\n{err[-2000:]}"
        assert testcases(tree)["login"][0] == "failed", out
        assert "authentication failed" in out, out
        usage = subprocess.run([harness.parrot_binary(), "probe", "--jid", "probe@parrot.test"],
                               capture_output=True, text=True, timeout=30)
        assert usage.returncode == 2 and "--target" in usage.stderr, (usage.returncode, usage.stderr)
        print("wrong password: exit 3; missing --target: exit 2")

        # 6. A target that never answers (its account is offline): exit 4,
        # and the failure says the call was not answered.
        code, out, err, tree, data = run_probe(prosody, root, "unanswered", "--call-connect-seconds", "5",
                                               target="away", step_timeout=3)
        assert code == 4, f"exit {code}\n{out}\n{err[-2000:]}"
        status, message = testcases(tree)["call-verdict"]
        assert status == "failed" and "away@parrot.test did not answer the call" in message, message
        print(f"unanswered: exit 4, {message}")
    finally:
        parrot.stop()
        coturn.stop()
        prosody.cleanup()


if __name__ == "__main__":
    harness.run_test(main)
