#!/usr/bin/env bash
# The layers of docs/architecture.md, checked on every include line: media/
# is pure (no I/O, threads, GLib, gloox, libnice) and each layer includes
# only itself and the layers below it. Prints every offending line as
# file:line:text and exits 1.
#
#   media/      media/
#   transport/  transport/, media/ (bytes and SRTP keying material)
#   call/       call/, transport/, media/
#   bot/        anything below; bot/jingle (negotiation) only bot/jingle/,
#               call/negotiated.hpp (plain, header-only),
#               transport/ice/ice_candidate.hpp and media/rtp/
#   tests/      anything
set -u
shopt -s lastpipe  # report() runs in this shell, so it can set status
root=${1:?usage: check_layering.sh REPO_ROOT}
status=0
sources=(--include='*.hpp' --include='*.cpp' --include='*.h' --include='*.hpp.in')

# fail MESSAGE: the grep output on stdin is the evidence.
report() {
  local found
  found=$(cat)
  if [ -n "$found" ]; then
    printf '%s\n' "$found"
    echo "layering: $1"
    echo
    status=1
  fi
}

# Project includes ("layer/…") in DIR that start with none of ALLOWED
# (a regex alternation of path prefixes such as 'media/|transport/').
includes_outside() {
  local dir=$1 allowed=$2
  grep -rnE "${sources[@]}" '^\s*#\s*include\s*"[a-z_]+/' "$root/$dir" |
    grep -vE "#\s*include\s*\"($allowed)"
}

grep -rnE "${sources[@]}" '#include\s*[<"](gloox/|nice/|nice\.h|glib|gio/|sys/socket\.h|thread>|netinet/|arpa/)' \
  "$root/media" | report "media/ must not include I/O, thread or event-loop headers"
includes_outside media 'media/' | report "media/ includes only media/"
includes_outside transport 'transport/|media/' | report "transport/ includes only transport/ and media/"
grep -rnE "${sources[@]}" '#include\s*<gloox/' "$root/transport" | report "transport/ must not include gloox"
if [ -d "$root/call" ]; then
  includes_outside call 'call/|transport/|media/' | report "call/ includes only call/, transport/ and media/"
  grep -rnE "${sources[@]}" '#include\s*<gloox/' "$root/call" | report "call/ must not include gloox (no XMPP)"
fi
# Negotiation links no ICE, DTLS, SRTP or codec library: the plain values it
# fills (call/negotiated.hpp), candidates as values and RTP extension names.
includes_outside bot/jingle 'bot/jingle/|call/negotiated\.hpp"|transport/ice/ice_candidate\.hpp"|media/rtp/' |
  report "bot/jingle includes only bot/jingle/, call/negotiated.hpp, transport/ice/ice_candidate.hpp, media/rtp/"
# Nothing below bot/ reaches up into it.
for dir in media transport call; do
  [ -d "$root/$dir" ] || continue
  grep -rnE "${sources[@]}" '#\s*include\s*"bot/' "$root/$dir" | report "$dir/ must not include bot/"
done

[ $status -eq 0 ] && echo "layering ok"
exit $status
