#include "bot/xmpp/report_command.hpp"

#include <gloox/dataform.h>

#include <spdlog/spdlog.h>

namespace parrot::bot::xmpp {
namespace {

// A text-multi field holds one line per <value/> (XEP-0004 §3.3).
gloox::StringList lines(const std::string& text) {
  gloox::StringList out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto end = std::min(text.find('\n', start), text.size());
    out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

}  // namespace

ReportCommand::ReportCommand(gloox::ClientBase& client, Lookup lookup)
    : adhoc_(std::make_unique<gloox::Adhoc>(&client)), lookup_(std::move(lookup)) {
  adhoc_->registerAdhocCommandProvider(this, kReportCommandNode, "Your last call or file report (JSON)");
}

ReportCommand::~ReportCommand() { adhoc_->removeAdhocCommandProvider(kReportCommandNode); }

std::unique_ptr<gloox::Adhoc::Command> ReportCommand::make_reply(const std::string& session_id,
                                                                 const std::optional<StoredReport>& report,
                                                                 bool cancelled) {
  using gloox::Adhoc;
  if (cancelled) return std::make_unique<Adhoc::Command>(kReportCommandNode, session_id, Adhoc::Command::Canceled);
  if (!report) {
    auto reply = std::make_unique<Adhoc::Command>(kReportCommandNode, session_id, Adhoc::Command::Completed);
    reply->addNote(new Adhoc::Command::Note(Adhoc::Command::Note::Info,
                                            "No report yet: call parrot or send it a file, then run this command again."));
    return reply;
  }
  auto* form = new gloox::DataForm(gloox::TypeResult, "Your last " + report->kind + " report");
  form->addField(gloox::DataFormField::TypeHidden, "FORM_TYPE", kReportFormType);
  form->addField(gloox::DataFormField::TypeTextMulti, "summary", "", "Summary")->setValues(lines(report->summary));
  form->addField(gloox::DataFormField::TypeTextMulti, "report", "", "Report (JSON)")->setValues(lines(report->json));
  auto reply = std::make_unique<Adhoc::Command>(kReportCommandNode, session_id, Adhoc::Command::Completed, form);
  reply->addNote(new Adhoc::Command::Note(Adhoc::Command::Note::Info, report->summary));
  return reply;
}

void ReportCommand::handleAdhocCommand(const gloox::JID& from, const gloox::Adhoc::Command& command,
                                       const std::string& session_id) {
  // One stage only: execute (or a 'complete'/'next' a confused client
  // sends) answers at once; 'cancel' ends the session as XEP-0050 §3.5 asks.
  const bool cancelled = command.action() == gloox::Adhoc::Command::Cancel;
  std::optional<StoredReport> report;
  if (!cancelled) report = lookup_(from.bare());
  spdlog::info("adhoc: report command peer={} ({})", from.bare(),
               cancelled ? "cancelled" : report ? "report sent" : "no report yet");
  // Adhoc::respond hands the command to an IQ, which deletes it.
  adhoc_->respond(from, make_reply(session_id, report, cancelled).release());
}

}  // namespace parrot::bot::xmpp
