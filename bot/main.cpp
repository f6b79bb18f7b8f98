// parrot: an XMPP echo and test bot. main() owns process-wide setup: the low
// descriptor for the XMPP socket, logging, configuration.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <malloc.h>

#include <csignal>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <string_view>

#include "bot/app.hpp"
#include "bot/config.hpp"
#include "bot/probe/probe.hpp"
#include "media/srtp/srtp_library.hpp"
#include "transport/low_fd_slot.hpp"

int main(int argc, char** argv) {
  using namespace parrot;
  // First, before anything opens descriptors: see LowFdSlot.
  std::string error;
  auto slot = transport::LowFdSlot::reserve(error);
  if (!slot) {
    std::cerr << "parrot: " << error << "\n";
    return bot::kExitFailure;
  }
  std::signal(SIGPIPE, SIG_IGN);  // a dead peer is an error return, not a signal
  // A fixed mmap threshold: glibc otherwise raises it to the size of the
  // first large block freed, and from then on a video probe's frame buffers
  // (3 MiB each at 1080p, released between decoding windows) come from the
  // heap and are never given back: 18 MiB of RSS per video call instead of 2
  // in the concurrent-calls bench.
  mallopt(M_MMAP_THRESHOLD, 1 << 20);

  // `parrot probe ...`: a call test for CI and server operators (docs/ci.md).
  if (argc > 1 && std::string_view(argv[1]) == "probe") return bot::probe::probe_main(argc - 1, argv + 1, std::move(*slot));

  const auto parsed = bot::parse_config(argc, argv, std::cout, std::cerr);
  if (!parsed.config) return parsed.exit_code;
  const bot::Config& config = *parsed.config;
  auto trust = bot::xmpp::TlsTrust::load(config.account.ca_file, error);
  if (!trust) {
    std::cerr << "parrot: " << error << "\n";
    return bot::kExitUsage;
  }
  if (config.check_only) {
    // The data dir is made at start (or by systemd's StateDirectory=), so
    // only a path that exists and is not a directory is wrong here.
    std::error_code status_error;
    if (std::filesystem::exists(config.data_dir, status_error) && !std::filesystem::is_directory(config.data_dir)) {
      std::cerr << "parrot: --data-dir '" << config.data_dir << "' is not a directory\n";
      return bot::kExitUsage;
    }
    std::cout << bot::config_summary(config) << "\n";
    return 0;
  }

  auto logger = spdlog::stderr_color_mt("parrot");
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  logger->set_level(spdlog::level::from_str(config.log_level));
  spdlog::set_default_logger(logger);

  std::error_code fs_error;
  std::filesystem::create_directories(config.data_dir, fs_error);
  if (fs_error) {
    std::cerr << "parrot: cannot create --data-dir '" << config.data_dir << "': " << fs_error.message() << "\n";
    return bot::kExitUsage;
  }
  try {
    // Process-wide library setup lives here, before any call can exist.
    const media::srtp::SrtpLibrary srtp_library;
    // Once per process: which crypto libsrtp runs on, and why not OpenSSL
    // when it fell back (then every call pays NSS's per-packet cost).
    if (media::srtp::SrtpLibrary::backend() == media::srtp::SrtpBackend::kOpenSsl) {
      spdlog::info("{}", media::srtp::SrtpLibrary::backend_note());
    } else {
      spdlog::warn("{}", media::srtp::SrtpLibrary::backend_note());
    }
    bot::App app(config, std::move(trust), std::move(*slot));
    // SIGHUP: the same command line read again, so the --config file's
    // changes show while the flags given still win.
    app.set_config_reader([argc, argv](std::string& why) {
      std::ostringstream out, err;
      auto reread = bot::parse_config(argc, argv, out, err);
      why = err.str();
      return reread.config;
    });
    return app.run();
  } catch (const std::exception& e) {
    spdlog::critical("parrot: fatal: {}", e.what());
    return bot::kExitFailure;
  }
}
