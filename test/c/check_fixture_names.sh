#!/bin/sh
# check_fixture_names.sh SOURCE_DIR MANIFEST
#
# The test suites put fixture directories on sys.path AFTER site-packages
# (add_python_path appends, as upstream's does), so a fixture module named
# like an installed package is silently replaced by that package: the
# hostcli fixture `deprecated` lost to Debian's python3-deprecated. Two
# guards, over every top-level module of the fixture directories:
#   1. a naming rule that keeps names out of the package namespace on any
#      machine: a fixture module ends in `_check` or starts with `ctest_`,
#      `gotest_` or `gohost_`;
#   2. no fixture name is importable from a clean interpreter (no fixture
#      directory on its path) of any Python the build made a backend for
#      (MANIFEST: build/lib/backends.txt, "<version> <home>" lines) nor of
#      the python3 on PATH.
# `datadog_checks` is exempt from both: init imports that exact name (the
# contract); a machine with datadog_checks_base installed runs the tests
# against the real base class, which is reported, not failed. So is
# `utils` (fixtures/memusage: get_interpreter_memory_usage imports
# utils.py_mem by contract), which its test puts first on sys.path.
set -u
SRC=$1
MANIFEST=$2
status=0

dirs="test/python test/c/fixtures test/c/fixtures/no_agentcheck test/c/fixtures/memusage
test/hostcli/testdata/checks.d bench/python examples/checks.d host/python
go/rtloader/testdata/checks.d go/cmd/rtloader-go/testdata/checks.d"

names=
for d in $dirs; do
    [ -d "$SRC/$d" ] || { echo "FAIL: fixture directory $d is missing"; status=1; continue; }
    for entry in "$SRC/$d"/*; do
        base=$(basename "$entry")
        case "$base" in
            __pycache__) continue ;;
            *.py) name=${base%.py} ;;
            *) [ -f "$entry/__init__.py" ] || continue; name=$base ;;
        esac
        case "$name" in datadog_checks | utils) continue ;; esac
        case "$name" in
            *_check | ctest_* | gotest_* | gohost_*) ;;
            *) echo "FAIL: $d/$base: a fixture module must end in _check or start with ctest_/gotest_/gohost_"
               status=1 ;;
        esac
        names="$names $name"
    done
done
count=$(printf '%s\n' $names | sort -u | wc -l)
echo "checked the names of $count fixture modules"

pythons=
if [ -f "$MANIFEST" ]; then
    while read -r version home; do
        [ -x "$home/bin/python$version" ] && pythons="$pythons $home/bin/python$version"
    done < "$MANIFEST"
else
    echo "FAIL: no manifest $MANIFEST"
    status=1
fi
command -v python3 > /dev/null 2>&1 && pythons="$pythons $(command -v python3)"
[ -n "$pythons" ] || { echo "FAIL: no interpreter to ask"; exit 1; }

tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT
for py in $pythons; do
    # -E: no PYTHONPATH; run from an empty directory so '' finds nothing
    out=$(cd "$tmp" && "$py" -E - $names datadog_checks 2>&1 <<'EOF'
import importlib.util, sys
sys.path = [p for p in sys.path if p not in ("", ".")]
for name in sys.argv[1:]:
    try:
        spec = importlib.util.find_spec(name)
    except Exception as e:  # a broken installed package still takes the name
        spec = e
    if spec is not None:
        where = getattr(spec, "origin", spec)
        print(("NOTE" if name == "datadog_checks" else "TAKEN") + " %s %s" % (name, where))
EOF
)
    if [ $? -ne 0 ]; then
        echo "FAIL: $py did not answer: $out"
        status=1
        continue
    fi
    taken=$(printf '%s\n' "$out" | grep '^TAKEN' || true)
    note=$(printf '%s\n' "$out" | grep '^NOTE' || true)
    [ -n "$note" ] && echo "note: $py has a real datadog_checks (${note#NOTE datadog_checks }): the stubs are shadowed by it"
    if [ -n "$taken" ]; then
        printf '%s\n' "$taken" | while read -r _ name where; do
            echo "FAIL: fixture module '$name' is shadowed under $py by $where"
        done
        status=1
    else
        echo "ok: no fixture name is importable from $py"
    fi
done
exit $status
