// Deleter types for GLib handles, so each has exactly one owner.
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

template <typename T>
using GObjectPtr = std::unique_ptr<T, GObjectUnref>;
using GErrorPtr = std::unique_ptr<GError, GErrorFree>;
using GMainLoopPtr = std::unique_ptr<GMainLoop, GMainLoopUnref>;

}  // namespace parrot::transport
