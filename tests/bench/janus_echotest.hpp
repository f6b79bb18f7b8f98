// Janus (Debian's `janus` 1.1.2) as the concurrent-calls benchmark's
// reference server: its EchoTest plugin and HTTP transport only, from a
// config folder of its own (nothing system-wide is read), driven through
// the HTTP API with libcurl.
//
// Janus never gathers ICE candidates on an interface flagged loopback (its
// local-address setup skips such interfaces before it looks at the enforce
// list), so the benchmark runs in a network namespace of its own holding a
// dummy interface for Janus: enter_janus_namespace(). The addresses on it
// are not 127/8: Janus's ICE sockets are pinned to their candidate's
// interface (IP_UNICAST_IF, as strace shows), and Linux refuses (EINVAL)
// to send from a loopback source address through a device that is not
// loopback, so with 127.0.0.2 every check fails. So the
// dummy carries two TEST-NET-1 addresses (RFC 5737), one for Janus and
// one for the callers that call it; both are local, so the kernel delivers
// between them through `lo` and nothing leaves the namespace.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>

namespace parrot::bench {

inline constexpr const char* kJanusBinary = "/usr/bin/janus";
inline constexpr const char* kJanusLibraries = "/usr/lib/x86_64-linux-gnu/janus";
inline constexpr const char* kJanusInterface = "janus0";
inline constexpr const char* kJanusAddress = "192.0.2.2";
inline constexpr const char* kJanusCallerAddress = "192.0.2.1";

// Moves the calling process into a new network namespace (unshare
// CLONE_NEWNET: needs CAP_NET_ADMIN) with `lo` up and kJanusInterface
// (dummy, or ifb where the dummy module is missing) carrying kJanusAddress
// and kJanusCallerAddress.
// Call while the process has one thread: the namespace is per thread until
// children inherit it. Throws std::runtime_error with what is missing.
void enter_janus_namespace();

// Janus's whole-process CPU (utime + stime of every thread, /proc/PID/stat)
// and resident memory (VmRSS, /proc/PID/status) of any process.
double process_cpu_seconds(pid_t pid);
std::uint64_t process_rss_bytes(pid_t pid);

// The path of libsrtp2 a process has mapped ("" when none): both servers
// run Debian's libsrtp2, whose crypto is NSS unless replaced.
std::string mapped_libsrtp(pid_t pid);
// True when a file whose name contains `name` is mapped in the process.
bool maps_library(pid_t pid, const std::string& name);

struct JanusOptions {
  int cpu = -1;          // pinned there (sched_setaffinity before exec: every thread inherits it); -1: not
  int event_loops = 0;   // Janus's `event_loops`; 0 = its default, one loop thread per handle
  int debug_level = 3;   // warnings and errors; 4 (Janus's default) logs every session
};

class JanusEchoTest {
 public:
  // Writes the config folder, starts Janus, waits until its API answers.
  // Throws std::runtime_error with the end of Janus's log when it does not.
  explicit JanusEchoTest(const JanusOptions& options);
  // Stops Janus (SIGTERM, then SIGKILL) and removes the folder.
  ~JanusEchoTest();
  JanusEchoTest(const JanusEchoTest&) = delete;
  JanusEchoTest& operator=(const JanusEchoTest&) = delete;

  pid_t pid() const noexcept { return pid_; }

  struct Handle {
    std::uint64_t session = 0;
    std::uint64_t handle = 0;
  };
  // A session with an EchoTest handle.
  Handle attach();
  // Sends the offer ({"audio": !video, "video": video}) and returns the
  // answer's SDP; throws when Janus refuses or does not answer in time.
  std::string offer(const Handle& handle, bool video, const std::string& sdp);
  void destroy(const Handle& handle);

  // The last lines of Janus's log, for error messages.
  std::string log_tail(std::size_t lines = 30) const;

 private:
  struct Http;
  std::string post(const std::string& path, const std::string& body);

  std::string folder_;
  std::string url_;
  pid_t pid_ = -1;
  std::unique_ptr<Http> http_;
  std::uint64_t transaction_ = 0;
};

}  // namespace parrot::bench
