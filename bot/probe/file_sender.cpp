#include "bot/probe/file_sender.hpp"

#include <vector>

#include "bot/transfer/si/elements.hpp"
#include "transport/bytestream/base64.hpp"

namespace parrot::bot::probe {
namespace {

namespace si = transfer::si;

std::string error_text(const gloox::Tag& iq) {
  const gloox::Tag* error = iq.findChild("error");
  if (error == nullptr) return "an error without a reason";
  std::string condition, text;
  for (const gloox::Tag* child : error->children()) {
    if (child->name() == "text") {
      text = child->cdata();
    } else if (condition.empty()) {
      condition = child->name();
    }
  }
  return condition + (text.empty() ? "" : " (" + text + ")");
}

}  // namespace

IbbFileSender::IbbFileSender(Send send, std::string to, std::uint64_t size, std::uint32_t seed, Progress progress,
                             Done done)
    : send_(std::move(send)),
      to_(std::move(to)),
      size_(size),
      bytes_(seed),
      progress_(std::move(progress)),
      done_(std::move(done)),
      sid_("probe-file-" + std::to_string(seed)),
      name_("parrot-probe-" + std::to_string(size) + ".bin") {}

std::unique_ptr<gloox::Tag> IbbFileSender::iq(const std::string& id) {
  auto stanza = std::make_unique<gloox::Tag>("iq");
  stanza->addAttribute("to", to_);
  stanza->addAttribute("type", "set");
  stanza->addAttribute("id", sid_ + "-" + id);
  return stanza;
}

void IbbFileSender::start() {
  // XEP-0095 §3 offer with the XEP-0096 file profile; XEP-0020 form naming
  // the one stream method the probe speaks.
  auto offer = iq("offer");
  auto* element = new gloox::Tag(offer.get(), "si");
  element->setXmlns(si::kSiNamespace);
  element->addAttribute("id", sid_);
  element->addAttribute("profile", si::kFileProfile);
  element->addAttribute("mime-type", "application/octet-stream");
  auto* file = new gloox::Tag(element, "file");
  file->setXmlns(si::kFileProfile);
  file->addAttribute("name", name_);
  file->addAttribute("size", std::to_string(size_));
  auto* feature = new gloox::Tag(element, "feature");
  feature->setXmlns(si::kFeatureNegNamespace);
  auto* form = new gloox::Tag(feature, "x");
  form->setXmlns(si::kDataFormsNamespace);
  form->addAttribute("type", "form");
  auto* field = new gloox::Tag(form, "field", "var", "stream-method");
  field->addAttribute("type", "list-single");
  auto* option = new gloox::Tag(field, "option");
  new gloox::Tag(option, "value", si::kIbbNamespace);
  stage_ = Stage::kOffered;
  send_(std::move(offer));
}

bool IbbFileSender::on_iq_reply(const gloox::Tag& reply) {
  const std::string id = reply.findAttribute("id");
  if (id.rfind(sid_ + "-", 0) != 0) return false;
  const std::string what = id.substr(sid_.size() + 1);
  // Each stage waits for the answer to its own IQ; the blocks' in order
  // (one stream, one route), so a stray or repeated answer changes nothing.
  const std::string expected = stage_ == Stage::kOffered   ? "offer"
                               : stage_ == Stage::kOpening ? "open"
                               : stage_ == Stage::kData    ? "data-" + std::to_string(acked_)
                               : stage_ == Stage::kClosing ? "close"
                                                           : "";
  if (expected.empty() || what != expected) return true;
  if (reply.findAttribute("type") == "error") {
    fail("the target refused the " +
         std::string(stage_ == Stage::kOffered ? "file offer" : stage_ == Stage::kOpening ? "IBB open" : stage_ == Stage::kData ? "IBB data" : "IBB close") +
         ": " + error_text(reply));
    return true;
  }
  if (reply.findAttribute("type") != "result") return true;
  switch (stage_) {
    case Stage::kOffered: {
      // XEP-0047 §2.1: open the stream the target accepted.
      auto open = iq("open");
      auto* element = new gloox::Tag(open.get(), "open");
      element->setXmlns(si::kIbbNamespace);
      element->addAttribute("sid", sid_);
      element->addAttribute("block-size", std::to_string(kBlockSize));
      element->addAttribute("stanza", "iq");
      stage_ = Stage::kOpening;
      send_(std::move(open));
      break;
    }
    case Stage::kOpening:
      stage_ = Stage::kData;
      send_blocks();
      break;
    case Stage::kData:
      ++acked_;
      if (progress_) progress_();
      send_blocks();
      break;
    case Stage::kClosing:
      stage_ = Stage::kDone;
      sha256_ = hasher_.finish().front().hex();
      done_(true, "");
      break;
    default:
      break;
  }
  return true;
}

void IbbFileSender::send_blocks() {
  std::vector<std::uint8_t> block;
  while (sent_ < size_ && blocks_ - acked_ < kWindow) {
    const std::size_t length = static_cast<std::size_t>(std::min<std::uint64_t>(kBlockSize, size_ - sent_));
    block.resize(length);
    for (auto& byte : block) byte = static_cast<std::uint8_t>(bytes_());
    hasher_.update(std::span<const std::uint8_t>(block));
    auto data = iq("data-" + std::to_string(blocks_));
    auto* element = new gloox::Tag(data.get(), "data", transport::bytestream::base64_encode(block.data(), block.size()));
    element->setXmlns(si::kIbbNamespace);
    element->addAttribute("sid", sid_);
    element->addAttribute("seq", std::to_string(seq_++));
    sent_ += length;
    ++blocks_;
    send_(std::move(data));
  }
  if (sent_ == size_ && acked_ == blocks_) {
    // XEP-0047 §2.3: every block acknowledged, the stream is closed.
    auto close = iq("close");
    auto* element = new gloox::Tag(close.get(), "close");
    element->setXmlns(si::kIbbNamespace);
    element->addAttribute("sid", sid_);
    stage_ = Stage::kClosing;
    send_(std::move(close));
  }
}

void IbbFileSender::fail(const std::string& why) {
  stage_ = Stage::kDone;
  done_(false, why);
}

}  // namespace parrot::bot::probe
