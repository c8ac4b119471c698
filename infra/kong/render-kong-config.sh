#!/bin/sh
# Copies a Kong declarative config, replacing each `rsa_public_key: "@file:<path>"` line with the
# PEM read from <path> as a YAML block scalar. Kong OSS cannot read JWT credentials from a vault
# (Kong/kong#14772), and public keys belong to the deployment, not to the repository.
# POSIX sh + awk only: it runs inside the stock Kong image.
# Usage: render-kong-config.sh TEMPLATE OUTPUT
set -eu

if [ "$#" -ne 2 ]; then
  echo "usage: $0 TEMPLATE OUTPUT" >&2
  exit 64
fi
template=$1
output=$2
mkdir -p "$(dirname "$output")"
tmp="$output.tmp.$$"
trap 'rm -f "$tmp"' EXIT

awk '
/^[ ]*rsa_public_key: "@file:[^"]+"[ ]*$/ {
  indent = $0; sub(/[^ ].*$/, "", indent)
  path = $0; sub(/^[^"]*"@file:/, "", path); sub(/".*$/, "", path)
  print indent "rsa_public_key: |"
  lines = 0
  while ((status = getline line < path) > 0) {
    if (lines == 0 && line != "-----BEGIN PUBLIC KEY-----") {
      print "render-kong-config: " path " is not a PEM public key (SubjectPublicKeyInfo)" > "/dev/stderr"
      exit 65
    }
    lines++
    print indent "  " line
  }
  close(path)
  if (lines == 0) {
    print "render-kong-config: cannot read " path > "/dev/stderr"
    exit 66
  }
  next
}
{ print }
' "$template" > "$tmp"

mv "$tmp" "$output"
trap - EXIT
echo "render-kong-config: wrote $output"
