#!/usr/bin/env bash
# Every configuration file deploy/ ships passes `parrot --check-config` with
# this build's binary, so an option renamed or removed fails here rather
# than on an operator's machine. Secrets come from the environment or a
# file of the test's own; the files' other paths need not exist here.
#   tests/package/check_configs.sh PARROT_BINARY SOURCE_DIR
set -euo pipefail
parrot=${1:?parrot binary}
source_dir=${2:?source dir}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo 'not-a-real-secret' >"$work/secret"
failures=0

check() {
  local file=$1
  shift
  local out rc=0
  out=$("$parrot" --check-config --config "$file" "$@" 2>&1) || rc=$?
  if [ "$rc" -eq 0 ]; then
    echo "check_configs: ${file#"$source_dir"/}: $out"
  else
    echo "check_configs: FAIL: ${file#"$source_dir"/} (exit $rc): $out" >&2
    failures=$((failures + 1))
  fi
}

check "$source_dir/deploy/parrot.toml" --password-file "$work/secret"

# The container and Kubernetes examples run in component mode, which this
# binary may predate; their secret file is a container path.
component_configs=("$source_dir/deploy/container/parrot.toml" "$source_dir/deploy/k8s/parrot.toml")
if "$parrot" --help | grep -q -- '--component-secret-file'; then
  for file in "${component_configs[@]}"; do
    check "$file" --component-secret-file "$work/secret"
  done
else
  echo "check_configs: this parrot has no component mode; not checked: ${component_configs[*]#"$source_dir"/}"
fi
# The compose file and the Kubernetes manifests are at least valid YAML
# with the kinds and names the others refer to (no engine or cluster here).
if ! /usr/bin/python3 - "$source_dir" <<'PY'; then failures=$((failures + 1)); fi
import sys, yaml
root = sys.argv[1] + "/deploy/"
compose = yaml.safe_load(open(root + "container/compose.yaml"))
assert set(compose["services"]) == {"certs", "prosody", "parrot"}, compose["services"].keys()
assert "component_secret" in compose["secrets"]
kinds = {}
for name in ("namespace", "deployment", "service-metrics", "secret"):
    for doc in yaml.safe_load_all(open(root + "k8s/" + name + ".yaml")):
        kinds[doc["kind"]] = doc
kustomization = yaml.safe_load(open(root + "k8s/kustomization.yaml"))
assert kustomization["configMapGenerator"][0]["files"] == ["parrot.toml"]
deployment = kinds["Deployment"]["spec"]["template"]["spec"]
assert deployment["hostNetwork"] is True
volumes = {v["name"]: v for v in deployment["volumes"]}
assert volumes["config"]["configMap"]["name"] == kustomization["configMapGenerator"][0]["name"]
assert volumes["secrets"]["secret"]["secretName"] == kinds["Secret"]["metadata"]["name"]
container = deployment["containers"][0]
assert "livenessProbe" not in container, "a liveness probe would restart every pod in an XMPP outage"
assert kinds["Service"]["spec"]["selector"] == kinds["Deployment"]["spec"]["selector"]["matchLabels"]
print("check_configs: compose.yaml and k8s/*.yaml parse and agree")
PY
[ "$failures" -eq 0 ]
