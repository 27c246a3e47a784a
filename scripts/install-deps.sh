#!/usr/bin/env bash
# Installs the Debian packages the build and the tests need, and nothing else.
# As root it runs apt-get itself; otherwise it prints the exact command and
# fails, so a newcomer knows what to type.
set -euo pipefail

packages=(
  cmake make gcc clang libclang-rt-dev pkg-config
  python3-dev libpython3-dev python3-yaml
  libcmocka-dev libyaml-dev libjansson-dev libmsgpack-dev libmicrohttpd-dev prometheus nettle-dev
  golang-1.19-go
  valgrind
)

missing=()
for pkg in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

cmd="apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "missing packages: ${missing[*]}" >&2
  echo "run as root:  $cmd" >&2
  exit 1
fi
echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
