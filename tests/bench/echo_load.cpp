// Load for the echo benchmark: one XMPP client that keeps a fixed window of
// chat messages in flight to an echo bot and prints the round trip of every
// echo that was sent and answered inside the measured window, in
// microseconds, one per line. Written with gloox (and the same fast path for
// <message/> that parrot uses) so that the load generator, not the bots,
// stays cheap: the Python loader used first took more CPU than either bot.
#include <gloox/client.h>
#include <gloox/connectionlistener.h>
#include <gloox/message.h>

#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <unordered_map>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string jid, password, server = "127.0.0.1", target;
  int port = 5222;
  int window = 100;
  double warmup_s = 2.0;
  double seconds = 8.0;
};

class LoadClient final : public gloox::Client, gloox::ConnectionListener {
 public:
  explicit LoadClient(const Options& options)
      : gloox::Client(gloox::JID(options.jid + "/load"), options.password), options_(options) {
    setServer(options.server);
    setPort(options.port);
    setTls(gloox::TLSRequired);
    disableRoster();
    registerConnectionListener(this);
  }

  int run() {
    if (!connect(false)) return fail("cannot connect");
    const auto login_deadline = Clock::now() + std::chrono::seconds(30);
    while (!online_ && !failed_ && Clock::now() < login_deadline) recv(100'000);
    if (!online_) return fail("not online");

    start_ = Clock::now();
    measure_from_ = start_ + to_duration(options_.warmup_s);
    measure_to_ = measure_from_ + to_duration(options_.seconds);
    for (int i = 0; i < options_.window; ++i) send_one();
    const auto give_up = measure_to_ + std::chrono::seconds(10);
    while (!failed_ && (Clock::now() < measure_to_ || !in_flight_.empty()) && Clock::now() < give_up) {
      recv(10'000);
    }
    for (long rtt : rtts_us_) std::printf("%ld\n", rtt);
    disconnect();
    return failed_ ? 1 : 0;
  }

 private:
  static Clock::duration to_duration(double seconds) {
    return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  }
  static int fail(const char* why) {
    std::fprintf(stderr, "echo_load: %s\n", why);
    return 1;
  }

  void send_one() {
    const long id = ++counter_;
    in_flight_[id] = Clock::now();
    gloox::Message message(gloox::Message::Chat, gloox::JID(options_.target),
                           std::to_string(id) + " bench payload 0123456789");
    send(message);
  }

  // The echo path, without gloox's per-stanza extension matching.
  void handleTag(gloox::Tag* tag) override {
    if (!tag || tag->name() != "message" || !m_authed) return gloox::Client::handleTag(tag);
    if (m_smContext >= CtxSMEnabled) ++m_smHandled;
    const gloox::Tag* body = tag->findChild("body");
    if (!body) return;
    const long id = std::strtol(body->cdata().c_str(), nullptr, 10);
    const auto it = in_flight_.find(id);
    if (it == in_flight_.end()) return;
    const auto now = Clock::now();
    if (it->second >= measure_from_ && now <= measure_to_) {
      rtts_us_.push_back(std::chrono::duration_cast<std::chrono::microseconds>(now - it->second).count());
    }
    in_flight_.erase(it);
    if (now < measure_to_) send_one();
  }

  void onConnect() override { online_ = true; }
  void onDisconnect(gloox::ConnectionError) override { failed_ = !online_ || Clock::now() < measure_to_; }
  bool onTLSConnect(const gloox::CertInfo&) override { return true; }  // loopback test server

  const Options& options_;
  bool online_ = false;
  bool failed_ = false;
  long counter_ = 0;
  Clock::time_point start_, measure_from_, measure_to_;
  std::unordered_map<long, Clock::time_point> in_flight_;
  std::vector<long> rtts_us_;
};

}  // namespace

int main(int argc, char** argv) {
  Options options;
  CLI::App app{"Echo benchmark load: a window of messages in flight, round trips on stdout"};
  app.add_option("--jid", options.jid)->required();
  app.add_option("--password", options.password)->required();
  app.add_option("--server", options.server);
  app.add_option("--port", options.port);
  app.add_option("--target", options.target, "bare JID of the echo bot")->required();
  app.add_option("--window", options.window);
  app.add_option("--warmup", options.warmup_s);
  app.add_option("--seconds", options.seconds);
  CLI11_PARSE(app, argc, argv);
  return LoadClient(options).run();
}
