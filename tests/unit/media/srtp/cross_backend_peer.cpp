// The other process of the cross-backend test (cross_backend_test.cpp):
//
//   srtp_cross_backend_peer stock|openssl protect FILE   writes every profile's protected traffic
//   srtp_cross_backend_peer stock|openssl check FILE     checks FILE's traffic against this back end
//
// Exit 0 on success, 1 on a difference (printed), 2 on bad usage or if the
// back end asked for is not the live one.
#include <iostream>
#include <string>

#include "media/srtp/srtp_library.hpp"
#include "tests/unit/media/srtp/cross_backend_traffic.hpp"

int main(int argc, char** argv) {
  using namespace parrot::media::srtp;
  if (argc != 4) {
    std::cerr << "usage: " << argv[0] << " stock|openssl protect|check FILE\n";
    return 2;
  }
  const std::string backend_name = argv[1];
  const std::string action = argv[2];
  const std::string path = argv[3];
  const SrtpBackend wanted = backend_name == "stock" ? SrtpBackend::kStock : SrtpBackend::kOpenSsl;
  const SrtpLibrary library(wanted);
  if (SrtpLibrary::backend() != wanted) {
    std::cerr << "back end not available: " << SrtpLibrary::backend_note() << "\n";
    return 2;
  }
  if (action == "protect") {
    return cross_backend::write_recording(path, cross_backend::protect_every_profile()) ? 0 : 1;
  }
  if (action == "check") {
    const auto recording = cross_backend::read_recording(path, std::size(kAllProfiles));
    if (!recording) {
      std::cerr << "cannot read " << path << "\n";
      return 1;
    }
    const std::string problem = cross_backend::check_every_profile(*recording);
    if (!problem.empty()) {
      std::cerr << problem << "\n";
      return 1;
    }
    return 0;
  }
  std::cerr << "unknown action " << action << "\n";
  return 2;
}
