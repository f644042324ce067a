#!/usr/bin/env bash
# Installs what libwamp needs to build and test on Debian 12, when missing (apt-get as root,
# npm packages into the repository). Safe to run again: it only installs what is absent.
set -euo pipefail
cd "$(dirname "$0")/.."

PKGS=(
  # build
  build-essential cmake pkg-config git clang libclang-rt-14-dev valgrind
  # library dependencies
  libuv1-dev libsodium-dev libssl-dev zlib1g-dev libsecp256k1-dev libargon2-dev
  # tests and reference implementations for benchmarks and differential tests
  libcmocka-dev libjansson-dev libmsgpack-dev libcbor-dev openssl openssh-client binutils
  python3 python3-autobahn python3-msgpack python3-cbor2 python3-ubjson python3-flatbuffers
  python3-nacl python3-argon2 python3-websockets python3-trie
  # Autobahn|C++ interop peer (header-only; RawSocket + msgpack over Boost.Asio)
  autobahn-cpp-dev libboost-thread-dev libboost-system-dev libboost-program-options-dev
  libboost-random-dev libwebsocketpp-dev
  chromium
)
missing=()
# Node.js may come from Debian or from another vendor's package that bundles npm: only ask
# apt for it when there is no node or npm at all.
command -v node >/dev/null 2>&1 || PKGS+=(nodejs)
command -v npm >/dev/null 2>&1 || PKGS+=(npm)
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "deps: missing packages: ${missing[*]} (run as root to install them)" >&2
    exit 1
  fi
  echo "deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm peers for interop tests (AutobahnJS, routers); package-lock.json pins them.
if [ -f package.json ] && command -v npm >/dev/null 2>&1; then
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
    # `npm ci` refuses this lock file (npm 11 omits the platform-specific optional packages
    # of cbor-extract from it and then calls the lock out of sync); `npm install` installs
    # exactly the locked versions and, with --no-save, leaves the lock untouched.
    npm install --ignore-scripts --no-save --no-audit --no-fund --loglevel=error
  fi
fi
