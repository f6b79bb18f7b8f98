"""Nothing lost across outages: messages sent while parrot is down come back
from offline storage marked as delayed; after a Prosody restart parrot
reconnects by itself and echoes everything the server accepted."""
import asyncio
import signal

import harness


async def main():
    prosody = harness.Prosody(users=[("parrot", "parrot-secret"), ("dave", "dave-secret")])
    prosody.start()
    parrot = harness.Parrot(prosody, extra=["--echo-burst", "1000"]).start()
    clients = []
    try:
        await parrot.until_log("online as")
        dave = await harness.Client(prosody, "dave", "dave-secret").online()
        clients.append(dave)
        assert await dave.echo_round(parrot.jid, "before", 20) == [f"before {i}" for i in range(20)]

        # parrot killed hard: messages go to offline storage and come back
        # delayed when it returns.
        # Sent once Prosody has seen parrot's connection close; stored once
        # Prosody answers dave's ping, which it handles after them.
        prosody_mark = prosody.log_size()
        parrot.stop(signal.SIGKILL)
        await prosody.until_log("Client disconnected", after=prosody_mark)
        for i in range(10):
            dave.send_message(mto=parrot.jid, mbody=f"offline {i}", mtype="chat")
        await dave.plugin["xep_0199"].ping(prosody.domain, timeout=20)
        mark = parrot.log_size()
        parrot.start()
        await parrot.until_log("online as", after=mark)
        delayed = []
        while len(delayed) < 10:
            message = await dave.next_message(20, lambda m: m["body"].startswith("offline"))
            assert message["delay"]["stamp"] is not None, message
            delayed.append(message["body"])
        assert delayed == [f"offline {i}" for i in range(10)], delayed
        print("10 messages sent while parrot was down echoed on return, marked delayed")

        # Prosody restarted under parrot: it reconnects on its own.
        for client in clients:
            client.disconnect()
        clients.clear()
        await parrot.outlive_server_restart()
        dave = await harness.Client(prosody, "dave", "dave-secret").online()
        clients.append(dave)
        assert await dave.echo_round(parrot.jid, "after", 50) == [f"after {i}" for i in range(50)]
        print("Prosody restarted: parrot reconnected and echoed 50 of 50")
    finally:
        for client in clients:
            client.disconnect()
        code = parrot.stop()
        prosody.cleanup()
    assert code == 0, code


if __name__ == "__main__":
    harness.run_test(main)
