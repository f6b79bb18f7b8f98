// GLib deleter types that transport/glib_ptr.hpp lacks (yet); in `detail`
// so moving them there later cannot collide.
#pragma once

#include <glib.h>

#include <memory>

namespace parrot::transport::detail {

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

using GMainContextPtr = std::unique_ptr<GMainContext, GMainContextUnref>;
using AttachedSourcePtr = std::unique_ptr<GSource, GSourceDestroyUnref>;
using SourceRefPtr = std::unique_ptr<GSource, GSourceUnref>;

}  // namespace parrot::transport::detail
