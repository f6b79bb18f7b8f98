#include "bot/transfer/jingle_ft/stanzas.hpp"

#include "bot/transfer/jingle_ft/elements.hpp"

namespace parrot::bot::transfer::jingle_ft {
namespace {

constexpr const char* kJingleNs = "urn:xmpp:jingle:1";
constexpr const char* kStanzasNs = "urn:ietf:params:xml:ns:xmpp-stanzas";

}  // namespace

std::unique_ptr<gloox::Tag> iq_result(const std::string& to, const std::string& id) {
  auto reply = std::make_unique<gloox::Tag>("iq");
  reply->addAttribute("type", "result");
  reply->addAttribute("to", to);
  reply->addAttribute("id", id);
  return reply;
}

std::unique_ptr<gloox::Tag> iq_error(const std::string& to, const std::string& id, std::unique_ptr<gloox::Tag> error) {
  auto reply = std::make_unique<gloox::Tag>("iq");
  reply->addAttribute("type", "error");
  reply->addAttribute("to", to);
  reply->addAttribute("id", id);
  reply->addChild(error.release());
  return reply;
}

std::unique_ptr<gloox::Tag> iq_result(const gloox::Tag& iq) {
  return iq_result(iq.findAttribute("from"), iq.findAttribute("id"));
}

std::unique_ptr<gloox::Tag> iq_error(const gloox::Tag& iq, std::unique_ptr<gloox::Tag> error) {
  return iq_error(iq.findAttribute("from"), iq.findAttribute("id"), std::move(error));
}

std::unique_ptr<gloox::Tag> stanza_error(const std::string& type, const std::string& condition,
                                         const std::string& text) {
  auto error = std::make_unique<gloox::Tag>("error");
  error->addAttribute("type", type);
  (new gloox::Tag(error.get(), condition))->setXmlns(kStanzasNs);
  if (!text.empty()) {
    auto* child = new gloox::Tag(error.get(), "text", text);
    child->setXmlns(kStanzasNs);
  }
  return error;
}

std::unique_ptr<gloox::Tag> jingle_iq(const Envelope& envelope, jingle::Action action, const std::string& id) {
  auto iq = std::make_unique<gloox::Tag>("iq");
  iq->addAttribute("type", "set");
  iq->addAttribute("to", envelope.peer);
  iq->addAttribute("id", id);
  auto* jingle = new gloox::Tag(iq.get(), "jingle");
  jingle->setXmlns(kJingleNs);
  jingle->addAttribute("action", std::string(jingle::to_string(action)));
  jingle->addAttribute("sid", envelope.sid);
  if (action == jingle::Action::kSessionAccept) {
    jingle->addAttribute("initiator", envelope.initiator);
    jingle->addAttribute("responder", envelope.responder);
  }
  return iq;
}

gloox::Tag* add_content(gloox::Tag& iq, const std::string& creator, const std::string& name) {
  gloox::Tag* jingle = iq.findChild("jingle");
  auto* content = new gloox::Tag(jingle, "content");
  content->addAttribute("creator", creator.empty() ? "initiator" : creator);
  content->addAttribute("name", name);
  return content;
}

std::unique_ptr<gloox::Tag> terminate_iq(const Envelope& envelope, const std::string& id,
                                         jingle::ReasonCondition condition, const std::string& text,
                                         bool file_too_large) {
  auto iq = jingle_iq(envelope, jingle::Action::kSessionTerminate, id);
  gloox::Tag* reason = new gloox::Tag(iq->findChild("jingle"), "reason");
  new gloox::Tag(reason, std::string(jingle::to_string(condition)));
  if (!text.empty()) new gloox::Tag(reason, "text", text);
  // XEP-0234 §9.2: the file-transfer error that says why.
  if (file_too_large) (new gloox::Tag(reason, "file-too-large"))->setXmlns(kFtErrors);
  return iq;
}

}  // namespace parrot::bot::transfer::jingle_ft
