#!/usr/bin/env bash
# Sets up a checkout of registry-core on a Debian machine, and can be run again at any time:
#
#  1. installs, with apt-get, the Debian packages the test suite runs for real (only those
#     missing; sudo when not root):
#       docker-registry                   the real Distribution registry the tests start
#       apache2-utils                     htpasswd, for the registry's basic-auth files
#       skopeo                            a second, independent registry client
#       golang-docker-credential-helpers  docker-credential-pass, the credential helper
#       pass, gnupg                       the password store behind it, and its keys
#       python3-venv                      virtual environments for Debian's own python3
#  2. makes a virtual environment of the project's own in .venv/ with ${PYTHON:-python3}
#     (any Python 3.10 or newer), and installs the package into it, editable, with its
#     test, docs and lint extras.
#
# Nothing is installed into the interpreter's own site-packages, so Debian's externally
# managed python3 works, and a shared interpreter's other tools keep their pins.
#
# Environment: PYTHON (the interpreter for .venv), SKIP_APT=1 (do not touch system packages).
set -euo pipefail
cd "$(dirname "$0")/.."

die() { echo "setup.sh: $*" >&2; exit 1; }

# -- 1. Debian packages ---------------------------------------------------------------------
packages=(docker-registry apache2-utils skopeo golang-docker-credential-helpers pass gnupg
          python3-venv)

if [ "${SKIP_APT:-0}" = 1 ]; then
  echo "setup.sh: SKIP_APT=1, not installing Debian packages"
elif ! command -v apt-get >/dev/null || ! command -v dpkg-query >/dev/null; then
  echo "setup.sh: no apt-get here (not Debian?): install by other means what provides" \
       "${packages[*]}; tests that need a missing program are skipped, naming it" >&2
else
  missing=()
  for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
      || missing+=("$package")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    sudo=()
    if [ "$(id -u)" -ne 0 ]; then
      command -v sudo >/dev/null || die "not root and no sudo: install ${missing[*]} as root"
      sudo=(sudo)
    fi
    echo "setup.sh: installing ${missing[*]}"
    ${sudo[@]+"${sudo[@]}"} env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    ${sudo[@]+"${sudo[@]}"} env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
      --no-install-recommends "${missing[@]}"
  fi
fi

# -- 2. the project's virtual environment ---------------------------------------------------
python=${PYTHON:-python3}
command -v "$python" >/dev/null || die "no Python interpreter '$python' (set PYTHON=...)"
version_check='import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)'
if ! "$python" -c "$version_check" 2>/dev/null; then
  found=$("$python" -c 'import sys; print(sys.version.split()[0])' 2>/dev/null || echo "?")
  die "registry-core needs Python 3.10 or newer; '$python' is $found (set PYTHON=...)"
fi

# The interpreter a venv was made from: recreate .venv when PYTHON now names another one.
identity='import sys; print(sys.version.split()[0], sys.base_prefix)'
wanted=$("$python" -c "$identity")
have=""
[ -x .venv/bin/python ] && have=$(.venv/bin/python -c "$identity" 2>/dev/null || true)
if [ "$have" != "$wanted" ] || [ ! -x .venv/bin/pip ]; then
  echo "setup.sh: creating .venv with $python ($wanted)"
  "$python" -m venv --clear .venv \
    || die "'$python -m venv' failed; on Debian install python3-venv (this script does, as root)"
fi

# PIP_REQUIRE_VIRTUALENV: pip refuses to install anywhere but into a virtual environment.
PIP_REQUIRE_VIRTUALENV=true PIP_USER=0 .venv/bin/python -m pip install -q \
  --disable-pip-version-check -e '.[test,docs,lint]'

echo "setup.sh: ready; run the tests with .venv/bin/python -m pytest"
