#!/usr/bin/env bash
# The version matrix: the test suite once per entry, each in a fresh virtual environment, on the
# framework releases a user gets. `.ci/run` stays the fast default (the releases on this machine);
# this script is the slow check behind the "Tested versions" section of the README.
#
#   bash .ci/matrix.sh                          # every entry, the whole suite (python -m pytest -n 2 -q)
#   bash .ci/matrix.sh --entry newest           # one entry (repeatable)
#   bash .ci/matrix.sh -- tests/test_backend_torch.py -k clip    # a subset: arguments after -- go to pytest
#   bash .ci/matrix.sh --keep                   # keep the virtual environments (their folder is printed)
#
# Entries (one line each: name, then the pip requirements pinned on top of ".[all,test]"):
#   newest        nothing pinned: what pip resolves for a new user today (torch, jax, tensorflow-cpu, numpy)
#   lower-bounds  exactly the lower bounds that pyproject.toml claims (tests/test_versions.py checks that
#                 this line and pyproject.toml agree)
# Each entry installs a copy of the working tree (tracked and untracked, not ignored files), so edits
# made while the matrix runs do not leak into it. Environment: PYTHON (the interpreter the virtual
# environments are made from, default python3), MATRIX_DIR (their parent folder, default a new
# temporary one).
set -euo pipefail
cd "$(dirname "$0")/.."
export PIP_DISABLE_PIP_VERSION_CHECK=1

ENTRIES=(
    "newest"
    "lower-bounds numpy==2.0.0 torch==2.13.0 jax==0.4.33 jaxlib==0.4.33 tensorflow-cpu==2.18.0"
)

selected=() keep=0 pytest_args=()
while (($#)); do
    case "$1" in
        --entry) selected+=("$2"); shift 2 ;;
        --keep) keep=1; shift ;;
        --) shift; pytest_args=("$@"); break ;;
        -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
        *) echo "matrix.sh: unknown argument '$1' (expected --entry NAME, --keep, or -- PYTEST_ARGS)" >&2; exit 2 ;;
    esac
done
for name in "${selected[@]}"; do
    printf '%s\n' "${ENTRIES[@]}" | grep -q "^$name\( \|$\)" \
        || { echo "matrix.sh: no entry '$name' (entries: $(printf '%s ' "${ENTRIES[@]%% *}"))" >&2; exit 2; }
done

python="${PYTHON:-python3}"
root="${MATRIX_DIR:-$(mktemp -d -t kerafront-matrix.XXXXXX)}"
mkdir -p "$root"
constraint="$("$python" -m pip config list 2>/dev/null | sed -n "s/^[a-z]*\.constraint='\(.*\)'$/\1/p" | head -n 1)"
constraint="${PIP_CONSTRAINT:-$constraint}"
echo "matrix: virtual environments under $root ($("$python" --version))"
if [[ -n "$constraint" ]]; then
    echo "matrix: pip applies the constraints in $constraint here:" \
        "$(grep -v '^\s*#' $constraint 2>/dev/null | tr '\n' ' ')(the newest entry is capped by them)"
fi

# A snapshot of the working tree, made once for every entry.
src="$root/src"
rm -rf "$src" && mkdir -p "$src"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' f; do
        [[ -e "$f" ]] && printf '%s\0' "$f"
    done | tar --null -T - -cf - | tar -xf - -C "$src"
else
    tar --exclude=.venv --exclude='*.egg-info' --exclude=__pycache__ -cf - . | tar -xf - -C "$src"
fi

versions='import importlib.metadata as m
def v(name):
    try:
        return m.version(name)
    except m.PackageNotFoundError:
        return "-"
print(v("numpy"), v("torch"), v("jax"), v("jaxlib"), v("tensorflow-cpu") if v("tensorflow-cpu") != "-" else v("tensorflow"))'

minutes() { awk -v s="$1" 'BEGIN { printf "%.1f", s / 60 }'; }

rows=() failed=0
for line in "${ENTRIES[@]}"; do
    read -r name pins <<<"$line"
    if ((${#selected[@]})) && ! printf '%s\n' "${selected[@]}" | grep -qx "$name"; then continue; fi
    venv="$root/venv-$name" log="$root/$name.log"
    echo "matrix: [$name] installing .[all,test] ${pins:-(nothing pinned)} (log: $log)"
    start=$SECONDS
    rm -rf "$venv"
    result=""
    # shellcheck disable=SC2086  # pins is a list of requirements
    if ! { "$python" -m venv "$venv" && "$venv/bin/python" -m pip install -q --upgrade pip \
            && "$venv/bin/python" -m pip install -q -e "$src[all,test]" $pins; } >"$log" 2>&1; then
        result="install failed"
        tail -n 20 "$log"
    fi
    installed=$SECONDS
    read -r np_v torch_v jax_v jaxlib_v tf_v < <("$venv/bin/python" -c "$versions" 2>/dev/null || echo "- - - - -")
    if [[ -z "$result" ]]; then
        echo "matrix: [$name] numpy $np_v, torch $torch_v, jax $jax_v (jaxlib $jaxlib_v), tensorflow $tf_v; running pytest"
        set +e
        (cd "$src" && "$venv/bin/python" -m pytest -n 2 -q -p no:cacheprovider "${pytest_args[@]}") >>"$log" 2>&1
        status=$?
        set -e
        summary="$(grep -E '(passed|failed|errors?|skipped|no tests ran).* in [0-9.]+s( |$)' "$log" | tail -n 1 \
            | tr -d '=' | sed 's/^ *//; s/ *$//' || true)"
        result="${summary:-pytest exited $status}"
        if ((status != 0)); then
            grep -E '^(FAILED|ERROR) ' "$log" | head -n 30 || true
        fi
    fi
    [[ "$result" == *passed* && "$result" != *failed* && "$result" != *error* ]] || failed=1
    rows+=("$(printf '| %s | %s | %s | %s (jaxlib %s) | %s | %s | %s + %s |' "$name" "$np_v" "$torch_v" "$jax_v" \
        "$jaxlib_v" "$tf_v" "$result" "$(minutes $((installed - start)))" "$(minutes $((SECONDS - installed)))")")
    echo "matrix: [$name] $result"
    ((keep)) || rm -rf "$venv"
done

echo
echo "| entry | numpy | torch | jax | tensorflow | result | minutes (install + tests) |"
echo "|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
((keep)) || rm -rf "$src"
exit "$failed"
