"""Wrong credentials: one clear log line and exit code 3, no retry storm.
An untrusted certificate is refused unless --insecure-skip-verify says so."""
import subprocess
import time

import harness


def main():
    prosody = harness.Prosody(users=[("parrot", "parrot-secret")])
    prosody.start()
    try:
        parrot = harness.Parrot(prosody, password="wrong-password").start()
        started = time.monotonic()
        code = parrot.process.wait(30)
        log = open(parrot.log_path, errors="replace").read()
        assert code == 3, (code, log)
        assert "authentication failed for parrot@parrot.test" in log, log
        assert log.count("xmpp: connecting to") == 1, "parrot retried a login that cannot succeed"
        print(f"wrong password: exit 3 after {time.monotonic() - started:.2f} s, one attempt")

        # No --ca-file: the private CA is not trusted, so the login is refused.
        untrusted = harness.Parrot(prosody, trust_ca=False).start()
        untrusted.wait_log("certificate of parrot.test rejected")
        assert "online as" not in open(untrusted.log_path, errors="replace").read()
        untrusted.stop()
        print("untrusted certificate refused")

        insecure = harness.Parrot(prosody, trust_ca=False, extra=["--insecure-skip-verify"]).start()
        log = insecure.wait_log("online as")
        assert "INSECURE" in log, log
        insecure.stop()
        print("--insecure-skip-verify connects and says so")

        # Usage errors: exit 2 with one line.
        not_pem = f"{prosody.root}/not-a-certificate.pem"
        with open(not_pem, "w") as f:
            f.write("this is not a certificate\n")
        for args in (["--jid", "a@b", "--ca-file", not_pem],
                     ["--jid", "nobody"], ["--jid", "a@b", "--password-file", "/nonexistent"],
                     ["--jid", "a@b", "--bogus"], ["--config", "/nonexistent.toml"]):
            # --server keeps even a regression that gets as far as connecting on loopback.
            result = subprocess.run([harness.parrot_binary(), "--server", "127.0.0.1:1"] + args,
                                    capture_output=True, text=True, env={"PARROT_PASSWORD": "x"}, timeout=10)
            assert result.returncode == 2, (args, result)
            assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        print("usage errors exit 2 with one line")
    finally:
        prosody.cleanup()


if __name__ == "__main__":
    try:
        main()
    except Exception as error:  # noqa: BLE001
        import traceback
        traceback.print_exc()
        print(f"FAILED: {error}")
        raise SystemExit(1)
    print("PASSED")
