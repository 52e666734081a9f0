#!/usr/bin/env bash
# The Makefile's first step on any machine: finds the tools it builds with, or says what to install.
#
#   tools/toolchain.sh python [CANDIDATE]   print a supported CPython (3.11-3.13 with venv), or fail
#   tools/toolchain.sh node                 check Node >= 20 and npm, or fail
#
# Without CANDIDATE it takes python3 when that is supported, else the newest of python3.13, 3.12, 3.11.
set -uo pipefail

SUPPORTED="3.11 3.12 3.13"
NODE_MIN=20

fail() {
    printf 'ticketflow: %s\n' "$1" >&2
    shift
    [ $# -eq 0 ] || printf '  %s\n' "$@" >&2
    exit 1
}

# Prints "VERSION IMPLEMENTATION HAS_VENV" for an interpreter, nothing when it does not run.
describe() {
    "$1" -c 'import sys, importlib.util as u
print("%d.%d" % sys.version_info[:2], sys.implementation.name, int(bool(u.find_spec("venv") and u.find_spec("ensurepip"))))' 2>/dev/null
}

python_install_hint() {
    case "$(uname -s)" in
        Darwin) echo "install one: brew install python@3.13 (or the python.org installer), then PYTHON=python3.13 make ..." ;;
        *) echo "install one: sudo apt-get install python3 python3-venv (Debian/Ubuntu), sudo dnf install python3.12 (Fedora), or use pyenv; then PYTHON=python3.X make ..." ;;
    esac
}

find_python() {
    local candidates=("$@") found=() name path version impl has_venv
    [ ${#candidates[@]} -gt 0 ] || candidates=(python3 python3.13 python3.12 python3.11)
    for name in "${candidates[@]}"; do
        path=$(command -v "$name" 2>/dev/null) || { found+=("$name: not found"); continue; }
        read -r version impl has_venv <<<"$(describe "$path")"
        if [ -z "${version:-}" ]; then found+=("$name ($path): does not run"); continue; fi
        if [ "$impl" != cpython ]; then found+=("$name ($path): $impl $version, not CPython"); continue; fi
        case " $SUPPORTED " in
            *" $version "*) ;;
            *) found+=("$name ($path): Python $version"); continue ;;
        esac
        if [ "$has_venv" != 1 ]; then
            found+=("$name ($path): Python $version without the venv module (Debian/Ubuntu: sudo apt-get install python3-venv)")
            continue
        fi
        echo "$path"
        return 0
    done
    fail "no supported Python found: ticketflow needs CPython ${SUPPORTED// /, } with venv." \
        "found:" "${found[@]/#/  - }" "$(python_install_hint)"
}

check_node() {
    local version major
    command -v node >/dev/null 2>&1 || fail "Node.js is not installed: the CDK CLI needs Node $NODE_MIN or newer." \
        "install it: sudo apt-get install nodejs npm (Debian 13, Ubuntu 24.04), brew install node (macOS), or nvm"
    version=$(node --version 2>/dev/null)
    major=${version#v}
    major=${major%%.*}
    [[ "$major" =~ ^[0-9]+$ ]] && [ "$major" -ge "$NODE_MIN" ] || fail \
        "Node $version ($(command -v node)) is too old: the CDK CLI needs Node $NODE_MIN or newer." \
        "install a newer one: brew install node (macOS), nvm install 22, or your distribution's nodejs"
    command -v npm >/dev/null 2>&1 || fail "npm is missing beside Node $version: install npm (Debian/Ubuntu: sudo apt-get install npm)"
}

case "${1:-}" in
    python) shift; find_python "$@" ;;
    node) check_node ;;
    *) fail "usage: tools/toolchain.sh python [CANDIDATE] | node" ;;
esac
