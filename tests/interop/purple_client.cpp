// A headless libpurple 2.14 client (the core of Pidgin and Finch) with a
// "null UI": libpurple's own XMPP code logs in, keeps the roster, validates
// XEP-0115 caps, chats, sends XEP-0096 SI files and places Jingle RTP calls
// through farstream and GStreamer, so tests/interop/test_purple.py checks
// parrot against a client stack nobody on this project wrote.
//
// stdin:  one JSON command a line
//   {"cmd":"add","jid"}            roster add + subscription request
//   {"cmd":"msg","jid","body"}     a chat message
//   {"cmd":"caps","jid"}           what libpurple believes jid can do (media caps)
//   {"cmd":"file","jid","path"}    serv_send_file (SI, XEP-0096)
//   {"cmd":"call","jid"}           purple_prpl_initiate_media, audio
//   {"cmd":"hangup"} {"cmd":"stats"} {"cmd":"quit"}
// stdout: one JSON event a line ({"event":...}); libpurple's debug log on stderr.
//
//   purple_client --jid user@domain/resource --server IPv4 --port N
//                 --ca-dir DIR --user-dir DIR [--local-ip 127.0.0.1] [--keep-srtp]
// The password is read from $PURPLE_PASSWORD.
//
// What a UI decides, not libpurple, and what this one decides:
// - Media elements: an audiotestsrc (a 440 Hz tone) as microphone and, as
//   speaker, a fakesink behind audioconvert that counts the decoded buffers
//   and their peak, so the test sees what came back.
// - Loopback ICE: farstream's nice transmitter gathers on
//   nice_interfaces_get_local_ips(FALSE), which skips loopback, unless the
//   stream gets the transmitter parameter preferred-local-candidates.
//   libpurple has no API for it, but lets the UI choose the media backend's
//   GType (purple_media_manager_set_backend_type): a subclass of libpurple's
//   farstream backend adds the parameter to every nice stream.
// - SRTP elements hidden: on Debian 12 (GStreamer 1.22, libsrtp2 2.5.0),
//   farstream's RTP conference inserts srtpenc/srtpdec when they exist
//   (gstreamer1.0-plugins-bad, which libfarstream recommends), even in this
//   plain-RTP call; srtpenc then fails ("Failed to add stream to SRTP encoder
//   (err: 2)"), libpurple reports "Error with your microphone" and
//   "Conference error" and ends the call with nothing decoded. That is a
//   defect of the client's stack, not of parrot; this process removes the
//   two features from its own GStreamer registry (--keep-srtp keeps them,
//   to see the defect).
#include <farstream/fs-candidate.h>
#include <gst/gst.h>
#include <media-gst.h>
#include <media/backend-iface.h>
#include <purple.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

// Exported by libpurple but declared in media/backend-fs2.h, which
// libpurple-dev does not install.
extern "C" GType purple_media_backend_fs2_get_type(void);

namespace {

using nlohmann::json;

constexpr const char* kUiId = "parrot-purple-client";

struct Options {
  std::string jid;
  std::string password;
  std::string server = "127.0.0.1";
  int port = 5222;
  std::string ca_dir;
  std::string user_dir;
  std::string local_ip = "127.0.0.1";
  bool keep_srtp = false;
};

Options g_options;
GMainLoop* g_loop = nullptr;
PurpleAccount* g_account = nullptr;
PurpleMedia* g_media = nullptr;
guint g_stats_timer = 0;
int g_handle;  // the address identifies this client's signal connections

// What the speaker (the fakesink) has received, written on GStreamer's
// streaming thread and read on the main loop.
std::atomic<long> g_sink_buffers{0};
std::atomic<long> g_sink_bytes{0};
std::atomic<long> g_sink_loud_buffers{0};  // peak above kLoudPeak: the tone, not silence
std::atomic<int> g_sink_peak{0};
constexpr int kLoudPeak = 1000;  // of 32767; a codec's noise on silence stays far below

void emit(json event) {
  std::cout << event.dump() << std::endl;
}

json event(const char* name) {
  return json{{"event", name}};
}

// event("x") + json{{...}}: the event with those fields.
json operator+(json base, const json& fields) {
  base.update(fields);
  return base;
}

std::string or_empty(const char* text) {
  return text ? text : "";
}

// ---------------------------------------------------------------------------
// The event loop: libpurple's on GLib's default context (as nullclient.c).

struct IoClosure {
  PurpleInputFunction function;
  gpointer data;
};

gboolean io_invoke(GIOChannel* source, GIOCondition condition, gpointer data) {
  auto* closure = static_cast<IoClosure*>(data);
  int purple_condition = 0;
  if (condition & (G_IO_IN | G_IO_HUP | G_IO_ERR)) purple_condition |= PURPLE_INPUT_READ;
  if (condition & (G_IO_OUT | G_IO_HUP | G_IO_ERR | G_IO_NVAL)) purple_condition |= PURPLE_INPUT_WRITE;
  closure->function(closure->data, g_io_channel_unix_get_fd(source),
                    static_cast<PurpleInputCondition>(purple_condition));
  return TRUE;
}

guint input_add(gint fd, PurpleInputCondition condition, PurpleInputFunction function, gpointer data) {
  auto* closure = new IoClosure{function, data};
  int glib_condition = 0;
  if (condition & PURPLE_INPUT_READ) glib_condition |= G_IO_IN | G_IO_HUP | G_IO_ERR;
  if (condition & PURPLE_INPUT_WRITE) glib_condition |= G_IO_OUT | G_IO_HUP | G_IO_ERR | G_IO_NVAL;
  GIOChannel* channel = g_io_channel_unix_new(fd);
  guint id = g_io_add_watch_full(channel, G_PRIORITY_DEFAULT, static_cast<GIOCondition>(glib_condition), io_invoke,
                                 closure, [](gpointer p) { delete static_cast<IoClosure*>(p); });
  g_io_channel_unref(channel);
  return id;
}

PurpleEventLoopUiOps g_eventloop_ops = {
    g_timeout_add, g_source_remove, input_add, g_source_remove, nullptr, g_timeout_add_seconds,
    nullptr,       nullptr,         nullptr};

// ---------------------------------------------------------------------------
// The null UI's answers to what a person would be asked.

void debug_print(PurpleDebugLevel level, const char* category, const char* text) {
  std::string line = or_empty(text);
  std::fprintf(stderr, "purple %d %s: %s", static_cast<int>(level), or_empty(category).c_str(), line.c_str());
  if (line.empty() || line.back() != '\n') std::fputc('\n', stderr);
  // libpurple's only sign that a contact's XEP-0115 caps did not verify
  // (caps.c): the contact is then treated as having no features at all.
  if (line.find("Could not validate caps info") != std::string::npos) {
    while (!line.empty() && line.back() == '\n') line.pop_back();
    emit(event("caps-invalid") + json{{"detail", line}});
  }
}

gboolean debug_enabled(PurpleDebugLevel, const char*) {
  return TRUE;
}

PurpleDebugUiOps g_debug_ops = {debug_print, debug_enabled, nullptr, nullptr, nullptr, nullptr};

// A contact asks to see our presence: accept, as a person would for parrot.
void* request_authorize(PurpleAccount*, const char* remote_user, const char*, const char*, const char*, gboolean,
                        PurpleAccountRequestAuthorizationCb authorize_cb, PurpleAccountRequestAuthorizationCb,
                        void* user_data) {
  emit(event("authorize") + json{{"jid", or_empty(remote_user)}});
  authorize_cb(user_data);
  return nullptr;
}

// The server's name resolves to --server, as if DNS said so: libpurple then
// connects to the domain by name and checks the certificate against that
// name (with an IP as connect_server it would check the IP and ask the user).
std::string g_domain;

gboolean resolve_host(PurpleDnsQueryData* query, PurpleDnsQueryResolvedCallback resolved, PurpleDnsQueryFailedCallback) {
  if (g_domain != or_empty(purple_dnsquery_get_host(query))) return FALSE;
  auto* address = static_cast<sockaddr_in*>(g_malloc0(sizeof(sockaddr_in)));
  address->sin_family = AF_INET;
  address->sin_port = htons(static_cast<uint16_t>(purple_dnsquery_get_port(query)));
  inet_pton(AF_INET, g_options.server.c_str(), &address->sin_addr);
  GSList* hosts = g_slist_append(nullptr, GINT_TO_POINTER(sizeof(sockaddr_in)));
  hosts = g_slist_append(hosts, address);
  resolved(query, hosts);
  return TRUE;
}

PurpleDnsQueryUiOps g_dns_ops = {resolve_host, nullptr, nullptr, nullptr, nullptr, nullptr};

PurpleAccountUiOps g_account_ops = {nullptr, nullptr, nullptr, request_authorize, nullptr,
                                    nullptr, nullptr, nullptr, nullptr};

// ---------------------------------------------------------------------------
// Media elements: a live tone as microphone, a counting sink as speaker.

GstElement* create_audio_src(PurpleMedia*, const gchar*, const gchar*) {
  GstElement* src = gst_element_factory_make("audiotestsrc", nullptr);
  g_object_set(src, "is-live", TRUE, "freq", 440.0, "volume", 0.5, nullptr);
  return src;
}

void on_sink_handoff(GstElement*, GstBuffer* buffer, GstPad*, gpointer) {
  GstMapInfo map;
  if (!gst_buffer_map(buffer, &map, GST_MAP_READ)) return;
  int peak = 0;
  for (gsize i = 0; i + 1 < map.size; i += 2) {
    int sample = static_cast<gint16>(map.data[i] | (map.data[i + 1] << 8));
    peak = std::max(peak, std::abs(sample));
  }
  gst_buffer_unmap(buffer, &map);
  g_sink_buffers++;
  g_sink_bytes += static_cast<long>(map.size);
  if (peak > kLoudPeak) g_sink_loud_buffers++;
  int seen = g_sink_peak.load();
  while (peak > seen && !g_sink_peak.compare_exchange_weak(seen, peak)) {
  }
}

GstElement* create_audio_sink(PurpleMedia*, const gchar*, const gchar*) {
  GstElement* bin = gst_bin_new(nullptr);
  GstElement* convert = gst_element_factory_make("audioconvert", nullptr);
  GstElement* filter = gst_element_factory_make("capsfilter", nullptr);
  GstElement* sink = gst_element_factory_make("fakesink", nullptr);
  GstCaps* caps = gst_caps_from_string("audio/x-raw,format=S16LE");
  g_object_set(filter, "caps", caps, nullptr);
  gst_caps_unref(caps);
  g_object_set(sink, "sync", FALSE, "async", FALSE, "signal-handoffs", TRUE, nullptr);
  g_signal_connect(sink, "handoff", G_CALLBACK(on_sink_handoff), nullptr);
  gst_bin_add_many(GST_BIN(bin), convert, filter, sink, nullptr);
  gst_element_link_many(convert, filter, sink, nullptr);
  GstPad* pad = gst_element_get_static_pad(convert, "sink");
  gst_element_add_pad(bin, gst_ghost_pad_new("sink", pad));
  gst_object_unref(pad);
  return bin;
}

void register_media_elements() {
  PurpleMediaManager* manager = purple_media_manager_get();
  auto* src = static_cast<PurpleMediaElementInfo*>(g_object_new(
      PURPLE_TYPE_MEDIA_ELEMENT_INFO, "id", "parrottestaudiosrc", "name", "440 Hz tone", "type",
      PURPLE_MEDIA_ELEMENT_AUDIO | PURPLE_MEDIA_ELEMENT_SRC | PURPLE_MEDIA_ELEMENT_ONE_SRC |
          PURPLE_MEDIA_ELEMENT_UNIQUE,
      "create-cb", create_audio_src, nullptr));
  auto* sink = static_cast<PurpleMediaElementInfo*>(
      g_object_new(PURPLE_TYPE_MEDIA_ELEMENT_INFO, "id", "parrottestaudiosink", "name", "counting sink", "type",
                   PURPLE_MEDIA_ELEMENT_AUDIO | PURPLE_MEDIA_ELEMENT_SINK | PURPLE_MEDIA_ELEMENT_ONE_SINK,
                   "create-cb", create_audio_sink, nullptr));
  purple_media_manager_set_active_element(manager, src);
  purple_media_manager_set_active_element(manager, sink);
  purple_media_manager_set_ui_caps(manager, static_cast<PurpleMediaCaps>(PURPLE_MEDIA_CAPS_AUDIO |
                                                                        PURPLE_MEDIA_CAPS_AUDIO_SINGLE_DIRECTION));
}

// ---------------------------------------------------------------------------
// libpurple's farstream backend, with loopback ICE candidates.

PurpleMediaBackendIface* g_fs2_backend_iface = nullptr;

// GParameter is deprecated in GLib, but it is what libpurple's backend
// interface and farstream's transmitters take.
G_GNUC_BEGIN_IGNORE_DEPRECATIONS

gboolean loopback_add_stream(PurpleMediaBackend* self, const gchar* sess_id, const gchar* who,
                             PurpleMediaSessionType type, gboolean initiator, const gchar* transmitter,
                             guint num_params, GParameter* params) {
  if (g_strcmp0(transmitter, "nice") != 0)
    return g_fs2_backend_iface->add_stream(self, sess_id, who, type, initiator, transmitter, num_params, params);
  std::vector<GParameter> all(params, params + num_params);
  GParameter preferred = {};
  preferred.name = "preferred-local-candidates";
  g_value_init(&preferred.value, FS_TYPE_CANDIDATE_LIST);
  // One host address for both components; the port is the agent's choice.
  g_value_take_boxed(&preferred.value,
                     g_list_append(nullptr, fs_candidate_new(nullptr, FS_COMPONENT_NONE, FS_CANDIDATE_TYPE_HOST,
                                                             FS_NETWORK_PROTOCOL_UDP, g_options.local_ip.c_str(), 0)));
  all.push_back(preferred);
  gboolean added = g_fs2_backend_iface->add_stream(self, sess_id, who, type, initiator, transmitter,
                                                    static_cast<guint>(all.size()), all.data());
  // No g_value_unset here: libpurple 2.14's farstream backend unsets every
  // parameter's value once it has made the stream (seen with valgrind; a
  // second unset is a double free), so the list is handed over.
  emit(event("stream-added") + json{{"session", or_empty(sess_id)}, {"transmitter", transmitter},
                                    {"local_ip", g_options.local_ip}, {"ok", added != FALSE}});
  return added;
}
G_GNUC_END_IGNORE_DEPRECATIONS

void loopback_backend_iface_init(gpointer iface, gpointer) {
  auto* backend = static_cast<PurpleMediaBackendIface*>(iface);
  g_fs2_backend_iface = static_cast<PurpleMediaBackendIface*>(g_type_interface_peek_parent(backend));
  backend->add_stream = loopback_add_stream;
}

GType loopback_backend_type() {
  GType parent = purple_media_backend_fs2_get_type();
  GTypeQuery query;
  g_type_query(parent, &query);
  GTypeInfo info = {};
  info.class_size = static_cast<guint16>(query.class_size);
  info.instance_size = static_cast<guint16>(query.instance_size);
  GType type = g_type_register_static(parent, "ParrotTestLoopbackBackend", &info, GTypeFlags(0));
  GInterfaceInfo iface = {loopback_backend_iface_init, nullptr, nullptr};
  g_type_add_interface_static(type, PURPLE_TYPE_MEDIA_BACKEND, &iface);
  return type;
}

// See the note at the top of the file: the client-side SRTP defect.
void hide_srtp_elements(bool hide) {
  GstRegistry* registry = gst_registry_get();
  json present = json::array(), hidden = json::array();
  for (const char* name : {"srtpenc", "srtpdec"}) {
    GstPluginFeature* feature = gst_registry_lookup_feature(registry, name);
    if (!feature) continue;
    present.push_back(name);
    if (hide) {
      gst_registry_remove_feature(registry, feature);
      hidden.push_back(name);
    }
    gst_object_unref(feature);
  }
  emit(event("gstreamer") + json{{"srtp_elements", present}, {"hidden", hidden}});
}

// ---------------------------------------------------------------------------
// The call.

const char* state_name(PurpleMediaState state) {
  switch (state) {
    case PURPLE_MEDIA_STATE_NEW: return "new";
    case PURPLE_MEDIA_STATE_CONNECTED: return "connected";
    case PURPLE_MEDIA_STATE_END: return "end";
  }
  return "?";
}

const char* info_name(PurpleMediaInfoType type) {
  switch (type) {
    case PURPLE_MEDIA_INFO_HANGUP: return "hangup";
    case PURPLE_MEDIA_INFO_ACCEPT: return "accept";
    case PURPLE_MEDIA_INFO_REJECT: return "reject";
    case PURPLE_MEDIA_INFO_MUTE: return "mute";
    case PURPLE_MEDIA_INFO_UNMUTE: return "unmute";
    case PURPLE_MEDIA_INFO_PAUSE: return "pause";
    case PURPLE_MEDIA_INFO_UNPAUSE: return "unpause";
    case PURPLE_MEDIA_INFO_HOLD: return "hold";
    case PURPLE_MEDIA_INFO_UNHOLD: return "unhold";
  }
  return "?";
}

json candidate_json(PurpleMediaCandidate* candidate) {
  gchar* ip = purple_media_candidate_get_ip(candidate);
  json out = {{"ip", or_empty(ip)},
              {"port", purple_media_candidate_get_port(candidate)},
              {"component", purple_media_candidate_get_component_id(candidate)}};
  g_free(ip);
  return out;
}

json sink_stats() {
  return json{{"buffers", g_sink_buffers.load()},
              {"bytes", g_sink_bytes.load()},
              {"loud_buffers", g_sink_loud_buffers.load()},
              {"peak", g_sink_peak.load()}};
}

gboolean emit_stats(gpointer) {
  emit(event("media-stats") + sink_stats());
  return G_SOURCE_CONTINUE;
}

void on_media_state(PurpleMedia* media, PurpleMediaState state, gchar* sid, gchar* name, gpointer) {
  emit(event("media-state") + json{{"state", state_name(state)}, {"session", or_empty(sid)}, {"participant", or_empty(name)}});
  if (state == PURPLE_MEDIA_STATE_CONNECTED && sid && name) {
    // The codec libpurple sends with, once negotiated.
    json codecs = json::array();
    GList* list = purple_media_get_codecs(media, sid);
    for (GList* item = list; item; item = item->next) {
      auto* codec = static_cast<PurpleMediaCodec*>(item->data);
      gchar* encoding = purple_media_codec_get_encoding_name(codec);
      codecs.push_back(std::string(or_empty(encoding)) + "/" + std::to_string(purple_media_codec_get_clock_rate(codec)));
      g_free(encoding);
    }
    purple_media_codec_list_free(list);
    emit(event("media-codecs") + json{{"session", sid}, {"codecs", codecs}});
  }
  if (state == PURPLE_MEDIA_STATE_END && !sid && !name) {
    emit(event("media-ended") + sink_stats());
    if (g_stats_timer) g_source_remove(g_stats_timer);
    g_stats_timer = 0;
    g_media = nullptr;
  }
}

void on_stream_info(PurpleMedia*, PurpleMediaInfoType type, gchar* sid, gchar* name, gboolean local, gpointer) {
  emit(event("media-info") + json{{"info", info_name(type)}, {"session", or_empty(sid)},
                                  {"participant", or_empty(name)}, {"local", local != FALSE}});
}

void on_media_error(PurpleMedia*, gchar* error, gpointer) {
  emit(event("media-error") + json{{"error", or_empty(error)}});
}

void on_pair_established(PurpleMedia*, gchar* sid, gchar*, PurpleMediaCandidate* local, PurpleMediaCandidate* remote,
                         gpointer) {
  emit(event("candidate-pair") + json{{"session", or_empty(sid)}, {"local", candidate_json(local)},
                                      {"remote", candidate_json(remote)}});
}

gboolean on_init_media(PurpleMediaManager*, PurpleMedia* media, PurpleAccount*, gchar* who, gpointer) {
  emit(event("media-init") + json{{"participant", or_empty(who)}});
  g_media = media;
  g_signal_connect(media, "state-changed", G_CALLBACK(on_media_state), nullptr);
  g_signal_connect(media, "stream-info", G_CALLBACK(on_stream_info), nullptr);
  g_signal_connect(media, "error", G_CALLBACK(on_media_error), nullptr);
  g_signal_connect(media, "candidate-pair-established", G_CALLBACK(on_pair_established), nullptr);
  if (!g_stats_timer) g_stats_timer = g_timeout_add(1000, emit_stats, nullptr);
  return TRUE;
}

// ---------------------------------------------------------------------------
// Account, roster, chat, files.

json media_caps_json(PurpleMediaCaps caps) {
  json names = json::array();
  if (caps & PURPLE_MEDIA_CAPS_AUDIO) names.push_back("audio");
  if (caps & PURPLE_MEDIA_CAPS_AUDIO_SINGLE_DIRECTION) names.push_back("audio-single-direction");
  if (caps & PURPLE_MEDIA_CAPS_VIDEO) names.push_back("video");
  if (caps & PURPLE_MEDIA_CAPS_VIDEO_SINGLE_DIRECTION) names.push_back("video-single-direction");
  if (caps & PURPLE_MEDIA_CAPS_AUDIO_VIDEO) names.push_back("audio-video");
  if (caps & PURPLE_MEDIA_CAPS_MODIFY_SESSION) names.push_back("modify-session");
  if (caps & PURPLE_MEDIA_CAPS_CHANGE_DIRECTION) names.push_back("change-direction");
  return names;
}

void on_signed_on(PurpleConnection* gc, gpointer) {
  emit(event("logged-in") + json{{"jid", purple_account_get_username(purple_connection_get_account(gc))}});
}

void on_connection_error(PurpleConnection*, PurpleConnectionError reason, const char* description, gpointer) {
  emit(event("connection-error") + json{{"reason", static_cast<int>(reason)}, {"description", or_empty(description)}});
}

void on_buddy_signed_on(PurpleBuddy* buddy, gpointer) {
  emit(event("buddy-online") + json{{"jid", purple_buddy_get_name(buddy)}});
}

// Fired by libpurple once it has judged a contact's caps (presence.c calls
// purple_prpl_got_media_caps after jabber_caps_get_info): the media it now
// believes the contact can do.
void on_buddy_caps_changed(PurpleBuddy* buddy, PurpleMediaCaps newcaps, PurpleMediaCaps, gpointer) {
  emit(event("buddy-caps") + json{{"jid", purple_buddy_get_name(buddy)}, {"media_caps", media_caps_json(newcaps)}});
}

// The disco#info answers for caps nodes, as libpurple received them (before
// it checks the hash): their features, duplicates included.
void on_receiving_xmlnode(PurpleConnection*, xmlnode** packet, gpointer) {
  xmlnode* iq = *packet;
  if (!iq || g_strcmp0(iq->name, "iq") != 0 || g_strcmp0(xmlnode_get_attrib(iq, "type"), "result") != 0) return;
  xmlnode* query = xmlnode_get_child_with_namespace(iq, "query", "http://jabber.org/protocol/disco#info");
  if (!query || !xmlnode_get_attrib(query, "node")) return;
  json features = json::array();
  for (xmlnode* feature = xmlnode_get_child(query, "feature"); feature; feature = xmlnode_get_next_twin(feature))
    features.push_back(or_empty(xmlnode_get_attrib(feature, "var")));
  emit(event("disco-info") + json{{"from", or_empty(xmlnode_get_attrib(iq, "from"))},
                                  {"node", xmlnode_get_attrib(query, "node")}, {"features", features}});
}

void on_received_im(PurpleAccount*, char* sender, char* message, PurpleConversation*, PurpleMessageFlags, gpointer) {
  // libpurple hands the UI HTML; this is the text a person would read.
  gchar* text = purple_markup_strip_html(message);
  emit(event("message") + json{{"from", or_empty(sender)}, {"body", or_empty(text)}});
  g_free(text);
}

void on_xfer(PurpleXfer* xfer, const char* what) {
  emit(event("file") + json{{"state", what},
                            {"jid", or_empty(purple_xfer_get_remote_user(xfer))},
                            {"bytes_sent", purple_xfer_get_bytes_sent(xfer)},
                            {"size", purple_xfer_get_size(xfer)}});
}

void connect_signals() {
  purple_signal_connect(purple_connections_get_handle(), "signed-on", &g_handle, PURPLE_CALLBACK(on_signed_on),
                        nullptr);
  purple_signal_connect(purple_connections_get_handle(), "connection-error", &g_handle,
                        PURPLE_CALLBACK(on_connection_error), nullptr);
  purple_signal_connect(purple_blist_get_handle(), "buddy-signed-on", &g_handle, PURPLE_CALLBACK(on_buddy_signed_on),
                        nullptr);
  purple_signal_connect(purple_blist_get_handle(), "buddy-caps-changed", &g_handle,
                        PURPLE_CALLBACK(on_buddy_caps_changed), nullptr);
  purple_signal_connect(purple_conversations_get_handle(), "received-im-msg", &g_handle,
                        PURPLE_CALLBACK(on_received_im), nullptr);
  static const char* const kXferStates[] = {"start", "complete", "cancel"};
  for (const char* state : kXferStates) {
    std::string signal = std::string("file-send-") + state;
    purple_signal_connect(purple_xfers_get_handle(), signal.c_str(), &g_handle,
                          PURPLE_CALLBACK(+[](PurpleXfer* xfer, gpointer data) {
                            on_xfer(xfer, static_cast<const char*>(data));
                          }),
                          const_cast<char*>(state));
  }
  PurplePlugin* xmpp = purple_find_prpl("prpl-jabber");
  purple_signal_connect(xmpp, "jabber-receiving-xmlnode", &g_handle, PURPLE_CALLBACK(on_receiving_xmlnode), nullptr);
  g_signal_connect(purple_media_manager_get(), "init-media", G_CALLBACK(on_init_media), nullptr);
}

void command(const json& line) {
  const std::string cmd = line.value("cmd", "");
  PurpleConnection* gc = purple_account_get_connection(g_account);
  if (cmd == "quit") {
    g_main_loop_quit(g_loop);
    return;
  }
  if (cmd == "stats") {
    emit(event("media-stats") + sink_stats());
    return;
  }
  if (cmd == "hangup") {
    if (g_media) purple_media_stream_info(g_media, PURPLE_MEDIA_INFO_HANGUP, nullptr, nullptr, TRUE);
    emit(event("hangup-sent") + json{{"had_call", g_media != nullptr}});
    return;
  }
  const std::string jid = line.value("jid", "");
  if (!gc || jid.empty()) {
    emit(event("command-error") + json{{"line", line}, {"error", gc ? "no jid" : "not connected"}});
    return;
  }
  if (cmd == "add") {
    PurpleBuddy* buddy = purple_buddy_new(g_account, jid.c_str(), nullptr);
    purple_blist_add_buddy(buddy, nullptr, nullptr, nullptr);
    purple_account_add_buddy(g_account, buddy);
    emit(event("added") + json{{"jid", jid}});
  } else if (cmd == "msg") {
    int sent = serv_send_im(gc, jid.c_str(), line.value("body", "").c_str(), static_cast<PurpleMessageFlags>(0));
    emit(event("sent") + json{{"jid", jid}, {"result", sent}});
  } else if (cmd == "caps") {
    emit(event("caps") + json{{"jid", jid},
                              {"media_caps", media_caps_json(purple_prpl_get_media_caps(g_account, jid.c_str()))}});
  } else if (cmd == "file") {
    serv_send_file(gc, jid.c_str(), line.value("path", "").c_str());
    emit(event("file-offered") + json{{"jid", jid}});
  } else if (cmd == "call") {
    gboolean started = purple_prpl_initiate_media(g_account, jid.c_str(), PURPLE_MEDIA_AUDIO);
    emit(event("call-initiated") + json{{"jid", jid}, {"ok", started != FALSE}});
  } else {
    emit(event("command-error") + json{{"line", line}, {"error", "unknown command"}});
  }
}

gboolean on_stdin(GIOChannel* channel, GIOCondition, gpointer) {
  gchar* text = nullptr;
  gsize length = 0;
  GIOStatus status = g_io_channel_read_line(channel, &text, &length, nullptr, nullptr);
  if (status == G_IO_STATUS_EOF || status == G_IO_STATUS_ERROR) {
    g_main_loop_quit(g_loop);
    return G_SOURCE_REMOVE;
  }
  if (text) {
    json line = json::parse(text, nullptr, false);
    if (line.is_discarded())
      emit(event("command-error") + json{{"line", text}, {"error", "not JSON"}});
    else
      command(line);
    g_free(text);
  }
  return G_SOURCE_CONTINUE;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Headless libpurple client for parrot's interop tests"};
  app.add_option("--jid", g_options.jid, "user@domain/resource")->required();
  app.add_option("--server", g_options.server, "IPv4 address the JID's domain resolves to");
  app.add_option("--port", g_options.port);
  app.add_option("--ca-dir", g_options.ca_dir, "directory holding the CA certificate the server's chains to");
  app.add_option("--user-dir", g_options.user_dir, "libpurple's user directory (accounts, blist, caps cache)")
      ->required();
  app.add_option("--local-ip", g_options.local_ip, "address for file-transfer streamhosts and ICE candidates");
  app.add_flag("--keep-srtp", g_options.keep_srtp, "keep GStreamer's srtpenc/srtpdec (broken on Debian 12)");
  CLI11_PARSE(app, argc, argv);
  const char* password = std::getenv("PURPLE_PASSWORD");
  g_options.password = password ? password : "";

  gst_init(&argc, &argv);
  hide_srtp_elements(!g_options.keep_srtp);

  g_loop = g_main_loop_new(nullptr, FALSE);
  purple_util_set_user_dir(g_options.user_dir.c_str());
  purple_debug_set_ui_ops(&g_debug_ops);
  purple_eventloop_set_ui_ops(&g_eventloop_ops);
  purple_accounts_set_ui_ops(&g_account_ops);
  purple_dnsquery_set_ui_ops(&g_dns_ops);
  if (!g_options.ca_dir.empty()) purple_certificate_add_ca_search_path(g_options.ca_dir.c_str());
  if (!purple_core_init(kUiId)) {
    emit(event("fatal") + json{{"error", "purple_core_init failed"}});
    return 1;
  }
  purple_set_blist(purple_blist_new());
  purple_blist_load();
  // The network prefs exist once purple_core_init added their parent
  // node: without auto_ip, libpurple offers this address as its own SOCKS5
  // streamhost (XEP-0065) instead of asking the network for one.
  purple_prefs_set_bool("/purple/network/auto_ip", FALSE);
  purple_prefs_set_string("/purple/network/public_ip", g_options.local_ip.c_str());
  purple_media_manager_set_backend_type(purple_media_manager_get(), loopback_backend_type());
  register_media_elements();
  connect_signals();

  g_account = purple_account_new(g_options.jid.c_str(), "prpl-jabber");
  purple_account_set_password(g_account, g_options.password.c_str());
  g_domain = g_options.jid.substr(g_options.jid.find('@') + 1);
  g_domain = g_domain.substr(0, g_domain.find('/'));
  purple_account_set_string(g_account, "connect_server", g_domain.c_str());
  purple_account_set_int(g_account, "port", g_options.port);
  purple_account_set_string(g_account, "connection_security", "require_tls");
  purple_account_set_string(g_account, "ft_proxies", "");
  purple_accounts_add(g_account);
  purple_account_set_enabled(g_account, kUiId, TRUE);
  purple_savedstatus_activate(purple_savedstatus_new(nullptr, PURPLE_STATUS_AVAILABLE));

  GIOChannel* in = g_io_channel_unix_new(0);
  g_io_add_watch(in, static_cast<GIOCondition>(G_IO_IN | G_IO_HUP | G_IO_ERR), on_stdin, nullptr);
  emit(event("started"));
  g_main_loop_run(g_loop);

  // purple_core_quit unloads the XMPP plugin, which writes libpurple's caps
  // cache (xmpp-caps.xml in the user dir) if it learned anything new.
  purple_core_quit();
  emit(event("quit"));
  g_io_channel_unref(in);
  g_main_loop_unref(g_loop);
  return 0;
}
