#!/usr/bin/python3
"""The XEP-0050 ad-hoc command "report", run from slixmpp's xep_0050 plugin.

  1. disco: parrot lists http://jabber.org/protocol/commands in disco#info and
     the "report" command under that disco#items node;
  2. before any call, executing it completes with a note saying there is no
     report yet, and no form;
  3. after a short call (the slixmpp + aiortc caller of test_call.py), it
     completes with a data form whose "report" field is the call's JSON
     report: it parses, names the call's id, and equals the report sent in
     chat at hang-up;
  4. the server here has no XEP-0215 service: parrot says so in one log line
     and calls work on without STUN/TURN.
"""
import asyncio
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import jingle_caller as jc  # noqa: E402  (patches aioice to loopback first)
import harness  # noqa: E402

COMMANDS = "http://jabber.org/protocol/commands"
REPORT_NS = "urn:parrot:report:1"


def form_fields(iq):
    """{var: [values]} of the data form in an ad-hoc command answer, or None."""
    form = iq.xml.find(f"{{{COMMANDS}}}command/{{jabber:x:data}}x")
    if form is None:
        return None
    return {field.get("var"): [value.text or "" for value in field.findall("{jabber:x:data}value")]
            for field in form.findall("{jabber:x:data}field")}


async def main():
    prosody = harness.Prosody(users=[("parrot", "parrot-secret"), ("alice", "alice-secret")])
    prosody.start()
    parrot = harness.Parrot(prosody, extra=["--ice-address", "127.0.0.1"]).start()
    alice = None
    try:
        await parrot.until_log("online as")
        # 4. Prosody without mod_external_services answers with an error.
        await parrot.until_log("xep-0215: parrot.test answered <services/> with")
        alice = harness.Client(prosody, "alice", "alice-secret")
        alice.register_plugin("xep_0050")
        await alice.online()
        await alice.befriend(parrot.jid)
        full = f"{parrot.jid}/parrot"

        # 1. disco#info and the command list.
        info = await alice.plugin["xep_0030"].get_info(jid=full)
        assert COMMANDS in info["disco_info"]["features"], info["disco_info"]["features"]
        items = await alice.plugin["xep_0050"].get_commands(full)
        nodes = {item[1] for item in items["disco_items"]["items"]}
        assert "report" in nodes, items

        # 2. No report yet: completed, with a note and without a form.
        result = await alice.plugin["xep_0050"].send_command(full, "report")
        command = result["command"]
        assert command["status"] == "completed", result
        notes = command["notes"]
        assert any(kind == "info" and "No report yet" in text for kind, text in notes), notes
        assert form_fields(result) is None, result
        print(f"before a call: {notes}")

        # 3. A short call, then the command returns its report.
        caller = jc.JingleCaller(alice, parrot.jid, media=("audio",), jmi=True)
        await caller.call()
        await caller.wait_media(("audio",), frames=25)
        await caller.terminate("success")
        message = await alice.next_message(timeout=jc.TIMEOUT,
                                           predicate=lambda m: m.xml.find(f"{{{REPORT_NS}}}report") is not None)
        chat_report = json.loads(message.xml.find(f"{{{REPORT_NS}}}report").text)

        result = await alice.plugin["xep_0050"].send_command(full, "report")
        assert result["command"]["status"] == "completed", result
        fields = form_fields(result)
        assert fields is not None, f"no form in {result}"
        assert fields.get("FORM_TYPE") == [REPORT_NS], fields
        report = json.loads("\n".join(fields["report"]))
        assert report["kind"] == "call" and report["id"] == caller.sid, report
        assert report == chat_report, "the command's report differs from the one sent at hang-up"
        assert "\n".join(fields["summary"]) == message["body"], (fields["summary"], message["body"])
        print(f"after the call: {report['verdict']} for call {report['id']}")
    finally:
        await jc.close_all()
        if alice:
            alice.disconnect()
        parrot.stop()
        prosody.cleanup()


if __name__ == "__main__":
    harness.run_test(main)
