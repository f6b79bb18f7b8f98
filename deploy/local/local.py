"""The README's first command: a throwaway Prosody on loopback, parrot on it,
a self-check a newcomer can watch, then parrot keeps running until Ctrl-C."""
import asyncio
import hashlib
import json
import os
import socket
import sys
import threading
import time
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../../tests/interop"))
import harness  # noqa: E402  (the same throwaway-server code the tests use)
import jingle_caller  # noqa: E402  (the slixmpp + aiortc caller the call tests use; loopback only)

ACCOUNTS = [("parrot", "parrot-secret"), ("newcomer", "newcomer-secret"), ("you", "you-secret")]


def port_free(port):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def follow(path, stop):
    """Prints parrot's log as it grows, so you can watch what it does."""
    while not os.path.exists(path) and not stop.is_set():
        time.sleep(0.1)
    with open(path, errors="replace") as log:
        while not stop.is_set():
            line = log.readline()
            if line:
                print("  parrot | " + line.rstrip(), flush=True)
            else:
                time.sleep(0.1)


def step(text):
    print(f"\n==> {text}", flush=True)


async def self_check(prosody, parrot):
    client = await harness.Client(prosody, "newcomer", "newcomer-secret").online()
    try:
        step("newcomer@localhost asks to add parrot as a contact")
        client.send_presence(pto=parrot.jid, ptype="subscribe")
        seen = set()
        while seen != {"presence_subscribed", "presence_subscribe"}:
            event, _ = await asyncio.wait_for(client.subscriptions.get(), 15)
            seen.add(event)
            print("    " + ("parrot accepted" if event == "presence_subscribed" else "parrot asked back"))
        client.send_presence(pto=parrot.jid, ptype="subscribed")
        welcome = await client.next_message(15, lambda m: "!help" in m["body"])
        print(f"    welcome: {welcome['body'][:90]}...")
        step("newcomer writes 'Hello, parrot!'")
        client.send_message(mto=parrot.jid, mbody="Hello, parrot!", mtype="chat")
        echo = await client.next_message(15, lambda m: m["body"] == "Hello, parrot!")
        print(f"    echoed back from {echo['from']}: {echo['body']}")
        client.send_message(mto=parrot.jid, mbody="!stats", mtype="chat")
        stats = await client.next_message(15, lambda m: m["body"].startswith("uptime"))
        print(f"    !stats: {stats['body']}")
        step("newcomer calls parrot (audio, via Jingle Message Initiation) for 3 seconds")
        caller = jingle_caller.JingleCaller(client, parrot.jid, media=("audio",), jmi=True)
        await caller.call()
        await caller.wait_media(("audio",), frames=25)
        await asyncio.sleep(3)
        heard = (await caller.stats())["audio"]
        await caller.terminate("success")
        print(f"    newcomer sent {heard['packets_sent']} packets and heard {heard['packets_received']} back "
              f"({heard['frames_decoded']} frames decoded)")
        report = await client.next_message(jingle_caller.TIMEOUT,
                                           lambda m: m.xml.find("{urn:parrot:report:1}report") is not None)
        print(f"    parrot's report: {report['body']}")
        await send_file(client, f"{parrot.jid}/parrot")
    finally:
        await jingle_caller.close_all()
        client.disconnect()


async def send_file(client, parrot_full):
    """A 64 KiB file by Stream Initiation (XEP-0096) over in-band bytestreams
    (XEP-0047), with slixmpp's own plugins; parrot hashes it and reports."""
    step("newcomer sends parrot a 64 KiB file (XEP-0096 over in-band bytestreams)")
    for plugin in ("xep_0047", "xep_0095", "xep_0096"):
        client.register_plugin(plugin)
    data = os.urandom(64 * 1024)
    sid = uuid.uuid4().hex
    await client["xep_0096"].request_file_transfer(parrot_full, sid=sid, name="self-check.bin", size=len(data),
                                                   hash=hashlib.md5(data).hexdigest(), timeout=15,
                                                   methods=[{"value": "http://jabber.org/protocol/ibb"}])
    stream = await client["xep_0047"].open_stream(parrot_full, sid=sid, block_size=4096, timeout=15)
    await stream.sendall(data, timeout=15)
    await stream.close(timeout=15)
    report = await client.next_message(jingle_caller.TIMEOUT,
                                       lambda m: m.xml.find("{urn:parrot:report:1}report") is not None)
    print(f"    parrot's report: {report['body']}")
    reported = json.loads(report.xml.find("{urn:parrot:report:1}report").text)
    if reported.get("sha256") != hashlib.sha256(data).hexdigest():
        raise AssertionError(f"parrot's sha-256 {reported.get('sha256')} is not the file's")
    print("    the sha-256 parrot reports is the file's own")


def main():
    binary = os.path.abspath(sys.argv[1])
    os.environ["PARROT_BINARY"] = binary
    step("starting a throwaway Prosody for 'localhost' on 127.0.0.1")
    port = 5222 if port_free(5222) else None
    prosody = harness.Prosody(domain="localhost", users=ACCOUNTS, port=port)
    prosody.start()
    print(f"    listening on 127.0.0.1:{prosody.port}, data in {prosody.root}")
    parrot = harness.Parrot(prosody, log_level="info", extra=["--ice-address", "127.0.0.1"])
    stop = threading.Event()
    try:
        step("starting parrot as parrot@localhost")
        parrot.start()
        threading.Thread(target=follow, args=(parrot.log_path, stop), daemon=True).start()
        parrot.wait_log("online as", timeout=30)
        asyncio.run(self_check(prosody, parrot))
        step("self-check passed: parrot befriends, echoes messages, calls and files, and reports")
        print(f"""
Connect your own client to try it:
    account   you@localhost   password  you-secret
    server    127.0.0.1 port {prosody.port} (STARTTLS; the certificate is from a throwaway CA:
              {prosody.ca_file} — trust it, or accept it in your client)
    then add  parrot@localhost  as a contact and write to it, or call it; send !help for commands.

parrot keeps running; press Ctrl-C to stop it and remove the throwaway server.""", flush=True)
        while parrot.process.poll() is None:
            time.sleep(0.5)
        print(f"parrot exited with {parrot.process.returncode}")
        return 1
    except KeyboardInterrupt:
        print("\nstopping")
        return 0
    except Exception as error:  # noqa: BLE001 — a failed self-check explains itself and exits non-zero
        print(f"\nself-check FAILED: {error}", file=sys.stderr)
        return 1
    finally:
        parrot.stop()
        stop.set()
        prosody.cleanup()


if __name__ == "__main__":
    sys.exit(main())
