#!/usr/bin/env bash
# Installs what registry-core and its test suite need on a fresh Debian machine:
# the real Distribution registry, htpasswd, the pass credential helper, and the
# package itself (editable) with its test, docs and lint extras.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(docker-registry apache2-utils golang-docker-credential-helpers pass gnupg)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi

python3 -m pip install -q --disable-pip-version-check -e '.[test,docs,lint]'
