"""gloox select()s on its socket and aborts on a descriptor >= 1024. parrot
starts here with 1,100 descriptors already open (as a busy media process
would have), connects, echoes, survives a Prosody restart, echoes again."""
import os

import harness

# Opens descriptors 10..1110 on /dev/null, then runs parrot; 3..9 stay free,
# so parrot can reserve its low slot at start but every later socket lands
# far above FD_SETSIZE.
WRAPPER = ["bash", "-c", 'ulimit -n 4096 && for i in $(seq 10 1110); do eval "exec $i</dev/null"; done; exec "$@"',
           "with-1100-fds"]


async def main():
    prosody = harness.Prosody(users=[("parrot", "parrot-secret"), ("erin", "erin-secret")])
    prosody.start()
    parrot = harness.Parrot(prosody, wrapper=WRAPPER, extra=["--echo-burst", "1000"]).start()
    clients = []
    try:
        await parrot.until_log("online as")
        open_fds = len(os.listdir(f"/proc/{parrot.process.pid}/fd"))
        assert open_fds > 1100, open_fds
        erin = await harness.Client(prosody, "erin", "erin-secret").online()
        clients.append(erin)
        assert await erin.echo_round(parrot.jid, "high", 20) == [f"high {i}" for i in range(20)]
        print(f"online and echoing with {open_fds} descriptors open")

        erin.disconnect()
        clients.clear()
        await parrot.outlive_server_restart()
        erin = await harness.Client(prosody, "erin", "erin-secret").online()
        clients.append(erin)
        assert await erin.echo_round(parrot.jid, "again", 20) == [f"again {i}" for i in range(20)]
        print("reconnected after a Prosody restart and echoing again")
    finally:
        for client in clients:
            client.disconnect()
        code = parrot.stop()
        prosody.cleanup()
    assert code == 0, code


if __name__ == "__main__":
    harness.run_test(main)
