// The stanzas the Jingle file-transfer manager sends, built as new gloox
// roots (ownership as in bot/jingle/jingle.hpp): IQ results and errors, the
// <jingle/> envelope of each action parrot sends, and session-terminate
// with its reason. Pure builders; the manager picks the ids and sends.
#pragma once

#include <gloox/tag.h>

#include <memory>
#include <string>

#include "bot/jingle/jingle.hpp"

namespace parrot::bot::transfer::jingle_ft {

// <iq type='result'/> or <iq type='error'>error</iq> answering `iq`.
std::unique_ptr<gloox::Tag> iq_result(const gloox::Tag& iq);
std::unique_ptr<gloox::Tag> iq_error(const gloox::Tag& iq, std::unique_ptr<gloox::Tag> error);
// The same, addressed by hand (answers that come back from a worker).
std::unique_ptr<gloox::Tag> iq_result(const std::string& to, const std::string& id);
std::unique_ptr<gloox::Tag> iq_error(const std::string& to, const std::string& id, std::unique_ptr<gloox::Tag> error);
// <error type><condition/><text/></error> (RFC 6120 §8.3), `text` optional.
std::unique_ptr<gloox::Tag> stanza_error(const std::string& type, const std::string& condition,
                                         const std::string& text = {});

// Who a session is between, as every outgoing <jingle/> names it.
struct Envelope {
  std::string peer;       // full JID the IQ goes to
  std::string sid;
  std::string initiator;  // named in session-accept
  std::string responder;  // parrot's JID, named in session-accept
};

// <iq type='set' id to><jingle action sid/></iq>; session-accept also names
// initiator and responder.
std::unique_ptr<gloox::Tag> jingle_iq(const Envelope& envelope, jingle::Action action, const std::string& id);
// A <content creator name/> in iq's <jingle/>, owned by it; an empty
// creator is written 'initiator' (Conversations omits it).
gloox::Tag* add_content(gloox::Tag& iq, const std::string& creator, const std::string& name);
// session-terminate with <reason><condition/><text/></reason>, and
// XEP-0234 §9.2's <file-too-large/> when that is why.
std::unique_ptr<gloox::Tag> terminate_iq(const Envelope& envelope, const std::string& id, jingle::ReasonCondition condition,
                                         const std::string& text, bool file_too_large);

}  // namespace parrot::bot::transfer::jingle_ft
