#!/usr/bin/env bash
# Everything a reader needs is in the repository: no file may point to notes
# that a clone of parrot does not have (the team's shared folder, its design
# and research notes), and no comment or doc may cite "issue N" of a tracker
# that is not here either; say the reason instead. Prints each offending line.
set -u
root=${1:?usage: check_docs.sh REPO_ROOT}
cd "$root" || exit 2

# In a git checkout the tracked files and the new ones not ignored (so a
# file is caught before its first commit); else every file outside build
# trees. Fuzz corpora are inputs, not prose; this script names the patterns.
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  list_files() { git ls-files -z --cached --others --exclude-standard; }
else
  list_files() {
    find . -type d \( -name '.git' -o -name 'build*' -o -name node_modules \) -prune \
      -o -type f -print0 | sed -z 's|^\./||'
  }
fi

patterns=(
  '\.\./shared'
  'shared/DESIGN\.md'
  'shared/research'
  '\bissues?[[:space:]]*(#|\[)?[[:space:]]*[0-9]+'
)
joined=$(IFS='|'; echo "${patterns[*]}")

# xargs may split the list over several greps: judge by what they print.
found=$(list_files | grep -zvE '^(tests/check_docs\.sh|tests/fuzz/corpus/.*)$' \
  | xargs -0 -r grep -sInHiE -- "$joined")
status=0
if [ -n "$found" ]; then
  printf '%s\n' "$found"
  status=1
fi

# A citation of docs/client-quirks.md names a section by its anchor; each
# anchor cited must exist there (<a id="…">), or the citation leads nowhere.
quirks=docs/client-quirks.md
if [ -f "$quirks" ]; then
  while IFS= read -r cited; do
    anchor=${cited##*#}
    if ! grep -q "id=\"$anchor\"" "$quirks"; then
      list_files | xargs -0 -r grep -sInH -- "client-quirks.md#$anchor\b" | sed 's/$/   <- no such section/'
      status=1
    fi
  done < <(list_files | grep -zvE '^tests/check_docs\.sh$' \
             | xargs -0 -r grep -shoE 'client-quirks\.md#[a-z0-9-]+' | sort -u)
fi

if [ $status -ne 0 ]; then
  echo "the lines above point outside the repository, cite a tracker's issue number"
  echo "or a section docs/client-quirks.md does not have; put what they rely on in"
  echo "docs/ (e.g. a section of docs/client-quirks.md) and cite that"
else
  echo "docs ok"
fi
exit $status
