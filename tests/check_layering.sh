#!/usr/bin/env bash
# DESIGN.md's layering, checked: media/ is pure (no I/O, threads, GLib, gloox,
# libnice) and nothing includes upward.
set -u
root=${1:?usage: check_layering.sh REPO_ROOT}
status=0
if grep -rnE '#include\s*[<"](gloox/|nice/|nice\.h|glib|gio/|sys/socket\.h|thread>|netinet/|arpa/)' "$root/media"; then
  echo "media/ must not include I/O, thread or event-loop headers"; status=1
fi
if grep -rnE '#include\s*[<"](bot|transport)/' "$root/media"; then
  echo "media/ must not include bot/ or transport/"; status=1
fi
if grep -rnE '#include\s*[<"](bot/|gloox/)' "$root/transport"; then
  echo "transport/ must not include bot/ or gloox"; status=1
fi
[ $status -eq 0 ] && echo "layering ok"
exit $status
