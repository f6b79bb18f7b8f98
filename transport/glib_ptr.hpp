// Deleter types for GLib handles, so each has exactly one owner. The one
// header for GLib in transport/ (libnice's are in ice/nice_ptr.hpp, OpenSSL's
// in openssl_ptr.hpp).
#pragma once

#include <gio/gio.h>
#include <glib.h>

#include <memory>

namespace parrot::transport {

struct GObjectUnref {
  void operator()(gpointer object) const noexcept { g_object_unref(object); }
};
struct GErrorFree {
  void operator()(GError* error) const noexcept { g_error_free(error); }
};
struct GMainLoopUnref {
  void operator()(GMainLoop* loop) const noexcept { g_main_loop_unref(loop); }
};
struct GMainContextUnref {
  void operator()(GMainContext* context) const noexcept { g_main_context_unref(context); }
};
// Detaches the source (its callback never runs again), then unrefs it.
struct GSourceDestroyUnref {
  void operator()(GSource* source) const noexcept {
    g_source_destroy(source);
    g_source_unref(source);
  }
};
// Unref only: an attached source keeps running until it removes itself.
struct GSourceUnref {
  void operator()(GSource* source) const noexcept { g_source_unref(source); }
};
struct GFree {
  void operator()(gpointer memory) const noexcept { g_free(memory); }
};

template <typename T>
using GObjectPtr = std::unique_ptr<T, GObjectUnref>;
using GErrorPtr = std::unique_ptr<GError, GErrorFree>;
using GMainLoopPtr = std::unique_ptr<GMainLoop, GMainLoopUnref>;
using GMainContextPtr = std::unique_ptr<GMainContext, GMainContextUnref>;
using AttachedSourcePtr = std::unique_ptr<GSource, GSourceDestroyUnref>;
using SourceRefPtr = std::unique_ptr<GSource, GSourceUnref>;
using GCharPtr = std::unique_ptr<gchar, GFree>;

}  // namespace parrot::transport
