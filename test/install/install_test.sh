#!/usr/bin/env bash
# Installs the build into a temporary prefix and uses it as a newcomer would:
# compiles a host with `pkg-config datadog-agent-rtloader`, runs it, and runs
# the installed `rtloader info`. Proves the install layout, the relocatable
# .pc file, the runpaths and the installed default Python package.
# usage: install_test.sh <build dir> <source dir> [extra compiler flags]
set -euo pipefail
build="$1"
src="$2"
extra="${3:-}"
prefix="$(mktemp -d)"
trap 'rm -rf "$prefix"' EXIT

cmake --install "$build" --prefix "$prefix" >/dev/null
# every backend under upstream's name, one directory per version; the
# default reached by that name in lib/
while read -r version _home; do
  [ -f "$prefix/lib/three/$version/libdatadog-agent-three.so" ] \
    || { echo "FAIL: no lib/three/$version/libdatadog-agent-three.so installed"; exit 1; }
done < "$build/lib/backends.txt"
[ -L "$prefix/lib/libdatadog-agent-three.so" ] && [ -f "$prefix/lib/libdatadog-agent-three.so" ] \
  || { echo "FAIL: lib/libdatadog-agent-three.so is not a link to the default backend"; exit 1; }
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
# shellcheck disable=SC2086 # $extra is a list of flags
cc -std=c99 -Wall -Werror $extra "$src/test/install/installed_host.c" \
  $(pkg-config --cflags --libs datadog-agent-rtloader) -Wl,-rpath,"$prefix/lib" \
  -o "$prefix/installed_host"
out="$("$prefix/installed_host" "$prefix/share/rtloader/python")"
echo "$out"
case "$out" in
  "python "3.*) ;;
  *) echo "FAIL: unexpected output from the installed host"; exit 1 ;;
esac

info="$("$prefix/bin/rtloader" info)"
echo "$info" | grep -q "^python version: 3\." || { echo "FAIL: rtloader info: $info"; exit 1; }
echo "$info" | grep -q "$prefix/bin/../share/rtloader/python" \
  || { echo "FAIL: the installed rtloader does not use the installed default package"; exit 1; }
echo "$info" | grep -q "(default)" || { echo "FAIL: no default backend listed"; exit 1; }
echo "install test passed"
