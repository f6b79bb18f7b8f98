"""Real parts for parrot's interop tests: a throwaway Prosody on loopback with
its own CA and accounts (or an ejabberd, class Ejabberd), parrot itself, and
slixmpp clients.

Everything binds to 127.0.0.1 on ports from a free-port search, and lives in a
temporary directory, so tests can run side by side.
"""
import asyncio
import glob
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import slixmpp

DOMAIN = "parrot.test"
PROSODY = shutil.which("prosody") or "/usr/bin/prosody"
PROSODYCTL = shutil.which("prosodyctl") or "/usr/bin/prosodyctl"


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def free_udp_port():
    """A loopback port free for both TCP and UDP (coturn listens on both)."""
    while True:
        port = free_port()
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port


def free_udp_block(count):
    """`count` consecutive free UDP ports below the ephemeral range, so
    nothing the test starts later (Prosody's free_port()s) takes one."""
    for _ in range(200):
        low = random.randrange(10000, 32000)
        sockets = []
        try:
            for port in range(low, low + count):
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                sockets.append(s)
                s.bind(("127.0.0.1", port))
            return low
        except OSError:
            continue
        finally:
            for s in sockets:
                s.close()
    raise RuntimeError("no free block of UDP ports")


def enable_external_services(prosody, turn_port, secret, ttl_s):
    """mod_external_services (XEP-0215) in the Prosody config: a STUN entry
    and a TURN entry whose credentials Prosody makes from `secret`, valid
    for ttl_s (TURN REST, as coturn's --use-auth-secret checks them)."""
    with open(prosody.config) as f:
        config = f.read()
    config = config.replace('"offline"; "smacks";', '"offline"; "smacks"; "external_services";', 1)
    assert '"external_services";' in config, "the harness's modules_enabled changed; update enable_external_services"
    services = f"""
external_service_secret = "{secret}"
external_service_ttl = {ttl_s}
external_services = {{
  {{ type = "stun", transport = "udp", host = "127.0.0.1", port = {turn_port} }};
  {{ type = "turn", transport = "udp", host = "127.0.0.1", port = {turn_port}, secret = true }};
}}
"""
    config = config.replace("VirtualHost", services + "VirtualHost", 1)
    with open(prosody.config, "w") as f:
        f.write(config)


def wait_for_port(port, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


def run(cmd, **kw):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kw)


def make_certificates(directory, domain):
    """A CA and a server certificate for `domain` signed by it (ECDSA P-256)."""
    ca_key, ca_crt = f"{directory}/ca.key", f"{directory}/ca.crt"
    key, csr, crt = f"{directory}/{domain}.key", f"{directory}/{domain}.csr", f"{directory}/{domain}.crt"
    run(["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", ca_key])
    run(["openssl", "req", "-x509", "-new", "-key", ca_key, "-days", "2", "-subj", "/CN=parrot test CA",
         "-out", ca_crt])
    run(["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", key])
    run(["openssl", "req", "-new", "-key", key, "-subj", f"/CN={domain}", "-out", csr])
    ext = f"{directory}/ext.cnf"
    with open(ext, "w") as f:
        f.write(f"subjectAltName=DNS:{domain},DNS:*.{domain}\nextendedKeyUsage=serverAuth\n")
    run(["openssl", "x509", "-req", "-in", csr, "-CA", ca_crt, "-CAkey", ca_key, "-CAcreateserial",
         "-days", "2", "-extfile", ext, "-out", crt])
    os.chmod(key, 0o644)
    return ca_crt, crt, key


class ThrowawayServer:
    """What Prosody and Ejabberd share: one server process in its own
    directory `root`, stopped with SIGTERM (then SIGKILL after
    stop_grace_s) and removed unless PARROT_KEEP_TEST_DIR is set."""

    stop_grace_s = 10
    process = None
    log = None

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(self.stop_grace_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process and self.log:
            self.log.close()
        self.process = None

    def cleanup(self):
        self.stop()
        if os.environ.get("PARROT_KEEP_TEST_DIR"):
            print(f"kept {self.root}", file=sys.stderr)
        else:
            shutil.rmtree(self.root, ignore_errors=True)


class Prosody(ThrowawayServer):
    """A Prosody of its own: config, data, certificates and port in `root`."""

    def __init__(self, root=None, domain=DOMAIN, users=(), port=None, log_level=None, websocket=False):
        # log_level: Prosody's file log level; benchmarks pass "warn" (per-
        # stanza work is what they measure). Default: $PARROT_PROSODY_LOG_LEVEL or info.
        # websocket: also serve XMPP over WebSocket (RFC 7395, mod_websocket)
        # at websocket_url, plain ws on loopback, for browser clients.
        log_level = log_level or os.environ.get("PARROT_PROSODY_LOG_LEVEL", "info")
        self.root = root or tempfile.mkdtemp(prefix="parrot-prosody-")
        self.domain = domain
        self.port = port or free_port()
        self.http_port = None
        self.websocket_url = None
        websocket_config = ""
        if websocket:
            self.http_port = free_port()
            while self.http_port == self.port:
                self.http_port = free_port()
            self.websocket_url = f"ws://127.0.0.1:{self.http_port}/xmpp-websocket"
            # Plain ws on loopback counts as encrypted (c2s_require_encryption
            # would refuse the session otherwise); the page's origin
            # (http://localhost) differs from Prosody's host, hence cross-domain.
            websocket_config = """http_interfaces = { "127.0.0.1" }
consider_websocket_secure = true
cross_domain_websocket = true
"""
        self.process = None
        os.makedirs(f"{self.root}/data", exist_ok=True)
        self.ca_file, crt, key = make_certificates(self.root, domain)
        self.config = f"{self.root}/prosody.cfg.lua"
        with open(self.config, "w") as f:
            f.write(f"""
-- throwaway Prosody for parrot (generated)
run_as_root = true
daemonize = false
pidfile = "{self.root}/prosody.pid"
data_path = "{self.root}/data"
interfaces = {{ "127.0.0.1" }}
c2s_ports = {{ {self.port} }}
c2s_direct_tls_ports = {{ }}
legacy_ssl_ports = {{ }}
s2s_ports = {{ }}
component_ports = {{ }}
http_ports = {{ {self.http_port or ""} }}
https_ports = {{ }}
{websocket_config}c2s_require_encryption = true
authentication = "internal_hashed"
storage = "internal"
log = {{ {log_level} = "{self.root}/prosody.log" }}
modules_enabled = {{
  "roster"; "saslauth"; "tls"; "disco"; "ping"; "presence"; "message"; "iq";
  "offline"; "smacks"; "version"; "uptime"; "posix";{' "websocket";' if websocket else ""}
}}
modules_disabled = {{ "s2s"; "dialback" }}
smacks_hibernation_time = 5
certificates = "{self.root}"
VirtualHost "{domain}"
  ssl = {{ certificate = "{crt}"; key = "{key}" }}
""")
        for user, password in users:
            self.add_user(user, password)

    def add_user(self, user, password):
        run([PROSODYCTL, "--config", self.config, "register", user, self.domain, password])

    def log_size(self):
        path = f"{self.root}/prosody.log"
        return os.path.getsize(path) if os.path.exists(path) else 0

    async def until_log(self, text, timeout=20.0, after=0):
        """Until Prosody's log has `text` past byte `after` (see log_size)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with open(f"{self.root}/prosody.log", "rb") as f:
                f.seek(after)
                if text in f.read().decode(errors="replace"):
                    return
            await asyncio.sleep(0.05)
        raise AssertionError(f"Prosody did not log {text!r} within {timeout} s")

    def start(self):
        self.log = open(f"{self.root}/prosody.stdout", "ab")
        self.process = subprocess.Popen([PROSODY, "--config", self.config, "-F"], stdout=self.log,
                                        stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        wait_for_port(self.port)
        if self.http_port:
            wait_for_port(self.http_port)



ERL = shutil.which("erl") or "/usr/bin/erl"
# Where Debian's ejabberd package installs its Erlang applications (the
# ERL_LIBS that /usr/sbin/ejabberdctl sets).
EJABBERD_LIBS = "/usr/lib/x86_64-linux-gnu"
# Prosody's log level names as the tests pass them, in ejabberd's words.
EJABBERD_LOG_LEVELS = {"warn": "warning"}


class Ejabberd(ThrowawayServer):
    """An ejabberd of its own (Debian 12: `apt-get install ejabberd`), with the
    surface harness.Client, harness.Parrot and the benchmarks use of Prosody:
    root, domain, port, ca_file, config, process, add_user(), start(), stop(),
    cleanup(). Config, Mnesia spool, logs and certificates live in `root`.

    Accounts are created once the node runs (ejabberd_ctl needs it), so users
    given before start() are registered by start(). c2s has no shaper and a
    stanza limit of `max_stanza_bytes` (default 256 KiB, Prosody 0.12's too)."""

    # SIGTERM: the Erlang runtime stops its applications in order
    # (init:stop/0), which takes longer than Prosody.
    stop_grace_s = 20

    def __init__(self, root=None, domain=DOMAIN, users=(), port=None, log_level=None,
                 max_stanza_bytes=256 * 1024):
        if not (os.path.exists(ERL) and glob.glob(f"{EJABBERD_LIBS}/ejabberd-*/ebin")):
            raise RuntimeError("ejabberd is not installed (Debian: apt-get install ejabberd)")
        log_level = log_level or os.environ.get("PARROT_EJABBERD_LOG_LEVEL", "info")
        self.root = root or tempfile.mkdtemp(prefix="parrot-ejabberd-")
        self.domain = domain
        self.port = port or free_port()
        # Erlang distribution (only ejabberd_ctl uses it) without epmd: with
        # -erl_epmd_port the node listens on that port and a client dials it
        # directly, so nothing is shared with other runs or a system
        # ejabberd, and no epmd daemon outlives the test.
        self.dist_port = free_port()
        while self.dist_port == self.port:
            self.dist_port = free_port()
        self.node = f"parrot-{secrets.token_hex(4)}@localhost"
        self.process = None
        self.pending_users = list(users)
        os.makedirs(f"{self.root}/spool", exist_ok=True)
        # Whoever knows the cookie runs code in the node as root: a random
        # one, in $HOME/.erlang.cookie (owner-only, or Erlang refuses it)
        # rather than on a command line that `ps` shows.
        cookie = f"{self.root}/.erlang.cookie"
        with open(os.open(cookie, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o400), "w") as f:
            f.write(secrets.token_hex(16))
        self.ca_file, crt, key = make_certificates(self.root, domain)
        self.config = f"{self.root}/ejabberd.yml"
        with open(self.config, "w") as f:
            f.write(f"""
# throwaway ejabberd for parrot (generated)
hosts:
  - "{domain}"
loglevel: {EJABBERD_LOG_LEVELS.get(log_level, log_level)}
certfiles:
  - "{crt}"
  - "{key}"
  - "{self.ca_file}"
listen:
  -
    port: {self.port}
    ip: "127.0.0.1"
    module: ejabberd_c2s
    starttls_required: true
    shaper: none
    max_stanza_size: {max_stanza_bytes}
auth_method: internal
auth_password_format: scram
modules:
  mod_roster: {{}}
  mod_disco: {{}}
  mod_ping: {{}}
  mod_stream_mgmt:
    resume_timeout: 5
  mod_offline: {{}}
  mod_version:
    show_os: false
  mod_last: {{}}
""")

    def environment(self):
        return dict(os.environ, HOME=self.root, ERL_LIBS=EJABBERD_LIBS, EJABBERD_CONFIG_PATH=self.config,
                    EJABBERD_LOG_PATH=f"{self.root}/ejabberd.log", ERL_CRASH_DUMP=f"{self.root}/erl_crash.dump")

    def erl(self, name):
        return [ERL, "-sname", name, "-start_epmd", "false", "-erl_epmd_port", str(self.dist_port)]

    def add_user(self, user, password):
        if self.process is None:
            self.pending_users.append((user, password))
            return
        self.ctl("register", user, self.domain, password)

    def ctl_run(self, *command):
        """Runs an ejabberdctl command in the node, as ejabberdctl does it."""
        client = f"ctl-{secrets.token_hex(4)}@localhost"
        return subprocess.run(self.erl(client) + ["-dist_listen", "false", "-hidden", "-noinput",
                                                  "-s", "ejabberd_ctl", "-extra", self.node, *command],
                              env=self.environment(), cwd=self.root, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, timeout=60)

    def ctl(self, *command):
        """ctl_run that returns the command's output and raises when it failed."""
        done = self.ctl_run(*command)
        output = done.stdout.decode(errors="replace")
        if done.returncode != 0:
            raise RuntimeError(f"ejabberdctl {' '.join(command)} failed ({done.returncode}): {output}")
        return output

    def status(self):
        return self.ctl_run("status").returncode

    def start(self):
        # erl directly, not ejabberdctl: run as root, ejabberdctl su's to the
        # package's `ejabberd` user, which cannot enter this directory.
        # /usr/bin/erl execs erlexec, which execs beam.smp: process.pid is
        # the node itself (its CPU time is ejabberd's).
        self.log = open(f"{self.root}/ejabberd.stdout", "ab")
        self.process = subprocess.Popen(
            self.erl(self.node) + ["-kernel", "inet_dist_use_interface", "{127,0,0,1}", "-noinput",
                                   "-mnesia", "dir", f'"{self.root}/spool"', "-s", "ejabberd",
                                   "-ejabberd", "quiet", "true"],
            env=self.environment(), cwd=self.root, stdout=self.log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL)
        # The c2s port may take connections before the auth tables exist:
        # ready is when `ejabberdctl status` finds the ejabberd application
        # started (exit code 0; the node is not up yet or still starting
        # otherwise).
        deadline = time.monotonic() + 60
        while self.status() != 0:
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"ejabberd did not start; see {self.root}/ejabberd.log and ejabberd.stdout")
            time.sleep(0.2)
        wait_for_port(self.port)
        while self.pending_users:
            user, password = self.pending_users[0]
            self.ctl("register", user, self.domain, password)
            self.pending_users.pop(0)



async def socks5_connect(port, dst_addr):
    """A SOCKS5 client's CONNECT (RFC 1928, no auth) to 127.0.0.1:port for
    DOMAINNAME dst_addr and DST.PORT 0, as XEP-0065/0260 use it: the reply
    code (0: success) and the open stream."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"\x05\x01\x00")
    assert await reader.readexactly(2) == b"\x05\x00"
    writer.write(b"\x05\x01\x00\x03" + bytes([len(dst_addr)]) + dst_addr.encode() + b"\x00\x00")
    reply = await reader.readexactly(5)
    await reader.readexactly(reply[4] + 2)
    return reply[1], reader, writer


async def socks5_read_connect(reader, writer):
    """A SOCKS5 server's side up to the CONNECT: accepts 'no auth' and
    returns (DST.ADDR bytes, DST.PORT bytes); the caller answers with
    socks5_reply."""
    head = await reader.readexactly(2)
    await reader.readexactly(head[1])
    writer.write(b"\x05\x00")
    request = await reader.readexactly(5)
    addr = await reader.readexactly(request[4])
    port = await reader.readexactly(2)
    return addr, port


def socks5_reply(writer, code, addr):
    """The CONNECT reply naming addr (code 0: succeeded, 2: not allowed)."""
    writer.write(bytes([5, code, 0, 3, len(addr)]) + addr + b"\x00\x00")


def parrot_binary():
    return os.environ.get("PARROT_BINARY") or os.path.join(os.path.dirname(__file__), "../../build/bot/parrot")


class Parrot:
    """parrot as a real process against a Prosody."""

    def __init__(self, prosody, user="parrot", password="parrot-secret", extra=(), preexec=None, wrapper=(),
                 trust_ca=True, log_level=None):
        self.prosody = prosody
        self.jid = f"{user}@{prosody.domain}"
        self.password = password
        self.extra = list(extra)
        self.preexec = preexec
        self.wrapper = list(wrapper)
        self.trust_ca = trust_ca
        self.log_level = log_level or os.environ.get("PARROT_LOG_LEVEL", "debug")
        self.data_dir = f"{prosody.root}/parrot-data-{user}"
        self.log_path = f"{prosody.root}/parrot-{user}.log"
        self.process = None

    def command(self):
        trust = ["--ca-file", self.prosody.ca_file] if self.trust_ca else []
        return self.wrapper + [parrot_binary(), "--jid", self.jid, "--server", f"127.0.0.1:{self.prosody.port}",
                               "--data-dir", self.data_dir, "--reconnect-min", "1", "--reconnect-max", "2",
                               "--log-level", self.log_level] + trust + self.extra

    def start(self):
        env = dict(os.environ, PARROT_PASSWORD=self.password)
        self.log = open(self.log_path, "ab")
        self.process = subprocess.Popen(self.command(), env=env, stdout=self.log, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL, preexec_fn=self.preexec)
        return self

    def wait_log(self, text, timeout=20.0, after=0):
        """Waits until parrot's log has `text` past byte `after`; returns the log.
        Blocks: inside a running asyncio loop use `until_log`."""
        return asyncio.run(self.until_log(text, timeout, after))

    async def until_log(self, text, timeout=20.0, after=0):
        """wait_log that lets the event loop (and so the slixmpp clients) run."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with open(self.log_path, "rb") as f:
                f.seek(after)
                content = f.read().decode(errors="replace")
            if text in content:
                return content
            if self.process.poll() is not None:
                raise AssertionError(f"parrot exited ({self.process.returncode}) before logging {text!r}:\n"
                                     + self.tail())
            await asyncio.sleep(0.05)
        raise AssertionError(f"parrot did not log {text!r} within {timeout} s:\n" + self.tail())

    def log_size(self):
        return os.path.getsize(self.log_path) if os.path.exists(self.log_path) else 0

    def tail(self, lines=40):
        with open(self.log_path, "rb") as f:
            return "\n".join(f.read().decode(errors="replace").splitlines()[-lines:])

    async def outlive_server_restart(self):
        """Restarts the Prosody under a running parrot and waits until parrot
        noticed, reconnected by itself and is online again."""
        mark = self.log_size()
        self.prosody.stop()
        await self.until_log("reconnecting in", after=mark)
        self.prosody.start()
        await self.until_log("online as", timeout=30, after=mark)

    def stop(self, sig=signal.SIGTERM):
        if self.process and self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                # SIGTERM drains: calls a test left open would hold parrot
                # for --drain-seconds; a second signal exits at once.
                self.process.wait(3)
            except subprocess.TimeoutExpired:
                self.process.send_signal(sig)
                try:
                    self.process.wait(10)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()
        return self.process.returncode if self.process else None


class Client(slixmpp.ClientXMPP):
    """A slixmpp client that records what it receives for the test to await."""

    def __init__(self, prosody, user, password):
        super().__init__(f"{user}@{prosody.domain}/test", password)
        self.prosody = prosody
        self.ca_certs = prosody.ca_file
        # The name TLS checks the certificate against (and sends as SNI).
        # slixmpp would otherwise leave it empty and ask DNS about "".
        self.default_domain = prosody.domain
        self.messages = asyncio.Queue()
        self.subscriptions = asyncio.Queue()
        for plugin in ("xep_0030", "xep_0085", "xep_0092", "xep_0115", "xep_0184", "xep_0199", "xep_0203",
                       "xep_0308"):
            self.register_plugin(plugin)
        self.plugin["xep_0184"].auto_ack = False
        self.plugin["xep_0184"].auto_request = False
        self.roster.auto_authorize = True
        self.roster.auto_subscribe = False
        self.add_event_handler("message", lambda m: self.messages.put_nowait(m))
        # slixmpp's "message" event only covers messages with a body.
        self.add_event_handler("chatstate", self._on_chatstate)
        self.add_event_handler("receipt_received", lambda m: self.messages.put_nowait(m))
        for event in ("presence_subscribe", "presence_subscribed"):
            self.add_event_handler(event, lambda p, e=event: self.subscriptions.put_nowait((e, p)))

    async def get_dns_records(self, domain, port=None):
        # The test server is on loopback: never ask a DNS resolver.
        return [(domain, "127.0.0.1", self.prosody.port)]

    def _on_chatstate(self, message):
        if not message["body"]:
            self.messages.put_nowait(message)

    async def online(self, timeout=20):
        started = asyncio.get_running_loop().create_future()
        self.add_event_handler("session_start", lambda _: started.done() or started.set_result(True))
        self.add_event_handler("connection_failed", lambda e: started.done() or started.set_exception(
            RuntimeError(f"connection failed: {e}")))
        self.add_event_handler("failed_auth", lambda _: started.done() or started.set_exception(
            RuntimeError("authentication failed")))
        self.connect(address=("127.0.0.1", self.prosody.port))
        await asyncio.wait_for(started, timeout)
        self.send_presence()
        await self.get_roster()
        return self

    async def befriend(self, bare_jid, timeout=10):
        """Asks `bare_jid` to add us; waits until it accepted and asked back, then approves."""
        self.send_presence(pto=bare_jid, ptype="subscribe")
        seen = set()
        while seen != {"presence_subscribed", "presence_subscribe"}:
            event, presence = await asyncio.wait_for(self.subscriptions.get(), timeout)
            assert presence["from"].bare == bare_jid, presence
            seen.add(event)
        self.send_presence(pto=bare_jid, ptype="subscribed")

    async def echo_round(self, bare_jid, prefix, count):
        """Sends `count` numbered messages; returns the bodies echoed back, in arrival order."""
        for i in range(count):
            self.send_message(mto=bare_jid, mbody=f"{prefix} {i}", mtype="chat")
        bodies = []
        while len(bodies) < count:
            message = await self.next_message(20, lambda m: m["body"].startswith(prefix))
            bodies.append(message["body"])
        return bodies

    async def next_message(self, timeout=10, predicate=lambda m: True):
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise AssertionError("no matching message arrived in time")
            try:
                message = await asyncio.wait_for(self.messages.get(), remaining)
            except asyncio.TimeoutError:
                raise AssertionError("no matching message arrived in time") from None
            if predicate(message):
                return message

    async def no_message(self, seconds, predicate=lambda m: True):
        try:
            message = await self.next_message(seconds, predicate)
        except AssertionError:
            return
        raise AssertionError(f"unexpected message: {message}")

    def drain(self):
        while not self.messages.empty():
            self.messages.get_nowait()


def run_test(coroutine_function):
    """Runs an async test; prints a CTest-friendly verdict and exits 0/1."""
    try:
        asyncio.run(coroutine_function())
    except Exception as error:  # noqa: BLE001 — any failure fails the test with its text
        import traceback
        traceback.print_exc()
        print(f"FAILED: {error}", file=sys.stderr)
        sys.exit(1)
    print("PASSED")
