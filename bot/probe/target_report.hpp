// The report a parrot sends in chat after a call or a file (its <body/> and
// <report xmlns='urn:parrot:report:1'> JSON, docs/reports.md), as the probe
// reads it from the target: untrusted input, so every field is checked.
#pragma once

#include <gloox/tag.h>

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace parrot::bot::probe {

struct TargetReport {
  std::string kind;     // "call" or "file"
  std::string id;       // the call's sid
  std::string name;     // a file's name
  std::string sha256;   // a file's digest, lowercase hex
  std::string summary;  // the chat body
  nlohmann::json json;  // the whole report, an object
};

// Nullopt unless `message` carries a report whose JSON is an object with a
// string "kind"; fields of the wrong type read as empty.
std::optional<TargetReport> read_target_report(const gloox::Tag& message);

}  // namespace parrot::bot::probe
