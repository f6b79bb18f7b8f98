// What a call looked like, as the caller reads it: one verdict first, a short
// human summary, and the JSON report of docs/reports.md. Pure: the
// call gathers CallFacts from its transport, echo engine and probes, and
// this turns them into text; nothing here touches a socket or a clock.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "call/call_facts.hpp"
#include "call/nat_diagnosis.hpp"

namespace parrot::bot::call {

// The facts and the diagnosis come from call/ (no XMPP in them).
using parrot::call::CallFacts;
using parrot::call::NatDiagnosis;
using parrot::call::PayloadName;
using parrot::call::StreamFacts;

// The first word of every report, for people and CI scripts alike.
enum class Verdict {
  kMediaOk,      // media both ways; what else is worth knowing goes in notes()
  kOneWay,       // parrot received nothing, or the caller's RTCP shows it hears nothing
  kSilentAudio,  // audio arrived but decoded to silence
  kIceFailed,
  kDtlsFailed,
  kNoMedia,      // connected, secure, yet no RTP arrived
  kRefused,      // parrot could not answer the offer (nothing in it it can echo)
};
std::string_view to_string(Verdict verdict) noexcept;  // "MEDIA OK", "ONE-WAY", ...

Verdict verdict(const CallFacts& facts);

// What is worth knowing beside the verdict, one sentence each: no relay
// candidates, unencrypted media, probes that sampled, parts of the offer
// left out. The JSON's "notes" and the summary's second sentences.
std::vector<std::string> notes(const CallFacts& facts);

// The report's "nat" object: the caller's NAT, its UDP, the path and what
// to fix (call/nat_diagnosis.hpp).
NatDiagnosis nat_diagnosis(const CallFacts& facts);

// The call report of docs/reports.md ("Keys"): every documented key.
nlohmann::json report_json(const CallFacts& facts);

// "MEDIA OK. Audio opus/48000: 1,512 packets, 0.3% lost, jitter 4 ms, RTT
// 21 ms, level -23 dBFS. Path: your srflx/udp <-> parrot host/udp,
// connected in 180 ms." One paragraph, for a chat message body.
std::string summary(const CallFacts& facts);

}  // namespace parrot::bot::call
