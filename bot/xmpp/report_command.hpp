// The XEP-0050 ad-hoc command "report": a contact runs it on parrot and gets
// their last call or transfer report, the same one "!report" sends, in one
// step (status 'completed'). Built on gloox::Adhoc, which lists the command
// under the http://jabber.org/protocol/commands disco#items node and adds
// that feature to disco#info.
//
// The answer carries an XEP-0004 form of type 'result' (XEP-0050 §3.4 names
// data forms as the payload clients render):
//   FORM_TYPE (hidden)  urn:parrot:report:1
//   summary (text-multi) the chat summary, one line per <value/>
//   report  (text-multi) the JSON report; join the values with "\n"
// plus an info <note/> with the summary. With no report yet there is no form
// and the note says so. Lives in an xmpp::Session, destroyed before its client.
#pragma once

#include <gloox/adhoc.h>
#include <gloox/adhoccommandprovider.h>
#include <gloox/clientbase.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "bot/store/report_store.hpp"

namespace parrot::bot::xmpp {

inline constexpr const char* kReportCommandNode = "report";
inline constexpr const char* kReportFormType = "urn:parrot:report:1";

class ReportCommand final : gloox::AdhocCommandProvider {
 public:
  // The newest report for a bare JID, if any.
  using Lookup = std::function<std::optional<StoredReport>(const std::string& bare_jid)>;

  ReportCommand(gloox::ClientBase& client, Lookup lookup);
  ~ReportCommand() override;
  ReportCommand(const ReportCommand&) = delete;
  ReportCommand& operator=(const ReportCommand&) = delete;

  // The <command/> parrot answers with: 'completed' with the report (or the
  // note that there is none), or 'canceled' when the contact cancelled.
  static std::unique_ptr<gloox::Adhoc::Command> make_reply(const std::string& session_id,
                                                           const std::optional<StoredReport>& report,
                                                           bool cancelled = false);

 private:
  // gloox::AdhocCommandProvider
  void handleAdhocCommand(const gloox::JID& from, const gloox::Adhoc::Command& command,
                          const std::string& session_id) override;

  std::unique_ptr<gloox::Adhoc> adhoc_;
  Lookup lookup_;
};

}  // namespace parrot::bot::xmpp
