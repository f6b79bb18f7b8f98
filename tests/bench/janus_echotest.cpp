#include "tests/bench/janus_echotest.hpp"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

namespace parrot::bench {

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// `ip` with its arguments, before any thread exists; true when it succeeded.
bool run_ip(const std::vector<std::string>& arguments, bool quiet = false) {
  std::string command = "ip";
  for (const auto& argument : arguments) command += " " + argument;
  if (quiet) command += " 2>/dev/null";
  return std::system(command.c_str()) == 0;
}

std::uint16_t free_loopback_port() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    if (fd >= 0) close(fd);
    throw std::runtime_error(std::string("no free loopback port: ") + std::strerror(errno));
  }
  close(fd);
  return ntohs(address.sin_port);
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path);
}

std::size_t append_body(char* data, std::size_t size, std::size_t count, void* body) {
  static_cast<std::string*>(body)->append(data, size * count);
  return size * count;
}

}  // namespace

void enter_janus_namespace() {
  if (unshare(CLONE_NEWNET) != 0)
    throw std::runtime_error(std::string("unshare(CLONE_NEWNET): ") + std::strerror(errno) +
                             " (the Janus comparison needs root or CAP_NET_ADMIN)");
  if (!run_ip({"link", "set", "lo", "up"})) throw std::runtime_error("cannot bring lo up in the new namespace");
  bool added = false;
  for (const char* kind : {"dummy", "ifb"}) {
    if (run_ip({"link", "add", kJanusInterface, "type", kind}, true)) {
      added = true;
      break;
    }
  }
  if (!added) throw std::runtime_error("cannot create a dummy or ifb interface for Janus");
  for (const char* address : {kJanusAddress, kJanusCallerAddress}) {
    if (!run_ip({"addr", "add", std::string(address) + "/32", "dev", kJanusInterface}))
      throw std::runtime_error(std::string("cannot put ") + address + " on " + kJanusInterface);
  }
  if (!run_ip({"link", "set", kJanusInterface, "up"}))
    throw std::runtime_error(std::string("cannot bring ") + kJanusInterface + " up");
}

double process_cpu_seconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // The command name is in parentheses and may hold spaces: count the
  // fields after its closing one. utime and stime are fields 14 and 15.
  const auto close_paren = text.rfind(')');
  if (close_paren == std::string::npos) return 0;
  std::istringstream fields(text.substr(close_paren + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; fields >> field; ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) {
      stime = std::stoull(field);
      break;
    }
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

std::uint64_t process_rss_bytes(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
  }
  return 0;
}

std::string mapped_libsrtp(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/maps");
  for (std::string line; std::getline(in, line);) {
    if (const auto at = line.find('/'); at != std::string::npos && line.find("libsrtp2", at) != std::string::npos)
      return std::filesystem::canonical(line.substr(at)).string();
  }
  return "";
}

bool maps_library(pid_t pid, const std::string& name) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/maps");
  for (std::string line; std::getline(in, line);) {
    if (const auto at = line.find('/'); at != std::string::npos && line.find(name, at) != std::string::npos) return true;
  }
  return false;
}

struct JanusEchoTest::Http {
  CURL* curl = curl_easy_init();
  ~Http() { curl_easy_cleanup(curl); }

  // The reply's body; throws on a transport error or a non-2xx status.
  std::string exchange(const std::string& url, const std::string* post_body, std::chrono::milliseconds timeout) {
    std::string body;
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &append_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
    if (post_body) {
      curl_easy_setopt(curl, CURLOPT_POSTFIELDS, post_body->c_str());
      curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(post_body->size()));
    } else {
      curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
    }
    const CURLcode result = curl_easy_perform(curl);
    if (result != CURLE_OK) throw std::runtime_error(std::string("Janus HTTP API: ") + curl_easy_strerror(result));
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    if (status < 200 || status > 299) throw std::runtime_error("Janus HTTP API: status " + std::to_string(status));
    return body;
  }
};

JanusEchoTest::JanusEchoTest(const JanusOptions& options) {
  if (access(kJanusBinary, X_OK) != 0)
    throw std::runtime_error("Janus is not installed (Debian: apt-get install janus; deploy/install-deps.sh does)");
  char folder[] = "/tmp/parrot-janus-XXXXXX";
  if (!mkdtemp(folder)) throw std::runtime_error(std::string("mkdtemp: ") + std::strerror(errno));
  folder_ = folder;
  // Only the two libraries the benchmark uses, so no other plugin or
  // transport is loaded (and none reads a system-wide config).
  for (const auto& [sub, library] : {std::pair{"plugins", "plugins/libjanus_echotest.so"},
                                     std::pair{"transports", "transports/libjanus_http.so"}}) {
    std::filesystem::create_directory(folder_ + "/" + sub);
    std::filesystem::create_symlink(std::string(kJanusLibraries) + "/" + library,
                                    folder_ + "/" + library);
  }
  std::filesystem::create_directory(folder_ + "/events");
  std::filesystem::create_directory(folder_ + "/loggers");
  const std::uint16_t port = free_loopback_port();
  // session_timeout = 0: no keep-alive requests during the measured window,
  // whose HTTP work would count in Janus's CPU and not in parrot's (whose
  // XMPP side the benchmark leaves out too). ICE on Janus's address only
  // (the enforce list takes interface names or address prefixes).
  std::string general = "general: {\n  configs_folder = \"" + folder_ + "\"\n  plugins_folder = \"" + folder_ +
                        "/plugins\"\n  transports_folder = \"" + folder_ + "/transports\"\n  events_folder = \"" +
                        folder_ + "/events\"\n  loggers_folder = \"" + folder_ + "/loggers\"\n  debug_level = " +
                        std::to_string(options.debug_level) + "\n  session_timeout = 0\n";
  if (options.event_loops > 0) general += "  event_loops = " + std::to_string(options.event_loops) + "\n";
  general += "}\n";
  write_file(folder_ + "/janus.jcfg", general + "media: { }\nnat: {\n  nice_debug = false\n  ice_enforce_list = \"" +
                                          kJanusAddress + "\"\n}\n");
  write_file(folder_ + "/janus.transport.http.jcfg",
             "general: {\n  json = \"plain\"\n  base_path = \"/janus\"\n  http = true\n  port = " +
                 std::to_string(port) + "\n  ip = \"127.0.0.1\"\n  https = false\n}\nadmin: { admin_http = false }\n");
  write_file(folder_ + "/janus.plugin.echotest.jcfg", "general: { }\n");
  url_ = "http://127.0.0.1:" + std::to_string(port) + "/janus";

  // Everything the child needs is built before fork: after it, only
  // async-signal-safe calls until exec.
  const std::string log = folder_ + "/janus.log";
  const std::string config = folder_ + "/janus.jcfg";
  std::vector<std::string> argument_text{kJanusBinary, "-C", config, "-F", folder_, "-o"};
  std::vector<char*> arguments;
  for (auto& a : argument_text) arguments.push_back(a.data());
  arguments.push_back(nullptr);
  cpu_set_t set;
  CPU_ZERO(&set);
  if (options.cpu >= 0) CPU_SET(static_cast<unsigned>(options.cpu), &set);
  const pid_t parent = getpid();
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid_ == 0) {
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(127);
    const int out = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    const int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (out < 0 || null < 0) _exit(127);
    dup2(null, 0);
    dup2(out, 1);
    dup2(out, 2);
    if (options.cpu >= 0) sched_setaffinity(0, sizeof set, &set);
    execv(kJanusBinary, arguments.data());
    _exit(127);
  }
  http_ = std::make_unique<Http>();
  const auto deadline = Clock::now() + 20s;
  for (;;) {
    try {
      http_->exchange(url_ + "/info", nullptr, 1s);
      return;
    } catch (const std::runtime_error&) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        throw std::runtime_error("Janus exited at start:\n" + log_tail());
      }
      if (Clock::now() > deadline) throw std::runtime_error("Janus's API did not answer in 20 s:\n" + log_tail());
      std::this_thread::sleep_for(100ms);
    }
  }
}

JanusEchoTest::~JanusEchoTest() {
  http_.reset();
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    int status = 0;
    const auto deadline = Clock::now() + 10s;
    while (waitpid(pid_, &status, WNOHANG) == 0) {
      if (Clock::now() > deadline) {
        kill(pid_, SIGKILL);
        waitpid(pid_, &status, 0);
        break;
      }
      std::this_thread::sleep_for(20ms);
    }
  }
  std::error_code ignored;
  std::filesystem::remove_all(folder_, ignored);
}

std::string JanusEchoTest::post(const std::string& path, const std::string& body) {
  return http_->exchange(url_ + path, &body, 10s);
}

namespace {

nlohmann::json checked(const std::string& reply, const char* what) {
  auto json = nlohmann::json::parse(reply, nullptr, false);
  if (json.is_discarded() || !json.is_object()) throw std::runtime_error(std::string("Janus: no JSON for ") + what);
  if (json.value("janus", "") == "error")
    throw std::runtime_error(std::string("Janus refused ") + what + ": " + json.dump());
  return json;
}

std::uint64_t id_of(const nlohmann::json& reply, const char* what) {
  const auto data = reply.find("data");
  if (data == reply.end() || !data->is_object() || !data->contains("id") || !(*data)["id"].is_number_unsigned())
    throw std::runtime_error(std::string("Janus: no id in the reply to ") + what);
  return (*data)["id"].get<std::uint64_t>();
}

}  // namespace

JanusEchoTest::Handle JanusEchoTest::attach() {
  Handle h;
  nlohmann::json create{{"janus", "create"}, {"transaction", std::to_string(++transaction_)}};
  h.session = id_of(checked(post("", create.dump()), "create"), "create");
  nlohmann::json attach{{"janus", "attach"}, {"plugin", "janus.plugin.echotest"},
                        {"transaction", std::to_string(++transaction_)}};
  h.handle = id_of(checked(post("/" + std::to_string(h.session), attach.dump()), "attach"), "attach");
  return h;
}

std::string JanusEchoTest::offer(const Handle& h, bool video, const std::string& sdp) {
  nlohmann::json message{{"janus", "message"},
                         {"body", {{"audio", !video}, {"video", video}}},
                         {"jsep", {{"type", "offer"}, {"sdp", sdp}}},
                         {"transaction", std::to_string(++transaction_)}};
  checked(post("/" + std::to_string(h.session) + "/" + std::to_string(h.handle), message.dump()), "message");
  // The answer comes as an event on the session's long poll.
  const auto deadline = Clock::now() + 15s;
  while (Clock::now() < deadline) {
    const auto event = checked(http_->exchange(url_ + "/" + std::to_string(h.session) + "?maxev=1", nullptr, 35s),
                               "the event poll");
    const auto jsep = event.find("jsep");
    if (jsep != event.end() && jsep->is_object() && jsep->value("type", "") == "answer" && (*jsep)["sdp"].is_string())
      return (*jsep)["sdp"].get<std::string>();
  }
  throw std::runtime_error("no answer from Janus's EchoTest in 15 s:\n" + log_tail());
}

void JanusEchoTest::destroy(const Handle& h) {
  nlohmann::json destroy{{"janus", "destroy"}, {"transaction", std::to_string(++transaction_)}};
  post("/" + std::to_string(h.session), destroy.dump());
}

std::string JanusEchoTest::log_tail(std::size_t lines) const {
  std::ifstream in(folder_ + "/janus.log");
  std::deque<std::string> last;
  for (std::string line; std::getline(in, line);) {
    last.push_back(line);
    if (last.size() > lines) last.pop_front();
  }
  std::string text;
  for (const auto& line : last) text += line + "\n";
  return text;
}

}  // namespace parrot::bench
