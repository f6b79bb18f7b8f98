"""A stand-in echo component (XEP-0114) written with slixmpp: it echoes chat
bodies with parrot's echo marker naming the instance, and answers a
subscription with `subscribed` + `subscribe`, as parrot's component mode
does. The cluster benchmark measures it beside parrot, and
tests/interop/test_cluster.py --stand-in runs the cluster checks against it
to tell a harness problem from a parrot one.

    slixmpp_component_echo.py DOMAIN SECRET PORT INSTANCE
"""
import asyncio
import sys

import slixmpp
from slixmpp.xmlstream import ET

ECHO_MARKER_NS = "urn:parrot:echo:1"


class ComponentEcho(slixmpp.ComponentXMPP):
    def __init__(self, domain, secret, port, instance):
        super().__init__(domain, secret, "127.0.0.1", port)
        self.instance = instance
        self.add_event_handler("message", self.echo)
        self.add_event_handler("presence_subscribe", self.accept)
        self.add_event_handler("session_start", lambda _: print(f"online as {domain}", flush=True))

    def echo(self, message):
        if message["type"] not in ("chat", "normal") or not message["body"]:
            return
        # A component stamps its own from: ejabberd ends the stream otherwise.
        reply = self.make_message(mto=message["from"], mfrom=message["to"], mbody=message["body"], mtype="chat")
        reply.append(ET.Element(f"{{{ECHO_MARKER_NS}}}parrot", {"instance": self.instance}))
        reply.send()

    def accept(self, presence):
        self.send_presence(pto=presence["from"].bare, pfrom=presence["to"].bare, ptype="subscribed")
        self.send_presence(pto=presence["from"].bare, pfrom=presence["to"].bare, ptype="subscribe")


def main():
    domain, secret, port, instance = sys.argv[1:5]
    component = ComponentEcho(domain, secret, int(port), instance)
    component.connect()
    asyncio.get_event_loop().run_forever()


if __name__ == "__main__":
    main()
