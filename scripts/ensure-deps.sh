#!/usr/bin/env bash
# Makes sure the system packages swift-zeromq builds against are installed:
# libzmq (with its headers) and pkg-config, plus any extra Debian packages named
# as arguments (valgrind for `make bench-instructions`, python3-zmq for the tests that
# interoperate with pyzmq).
# Installs them with apt-get when running as root on Debian/Ubuntu; otherwise
# prints the exact command to run and fails.
set -euo pipefail

extra=("$@")
missing=()
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
if ! command -v pkg-config >/dev/null 2>&1 || ! pkg-config --exists libzmq 2>/dev/null; then
    missing+=(libzmq3-dev)
fi
for package in "${extra[@]}"; do
    case "$package" in
        # pyzmq, the independent peer of the interoperability tests, in the system Python
        # (Debian's python3-zmq).
        python3-zmq)
            python=/usr/bin/python3
            [ -x "$python" ] || python=$(command -v python3 || echo python3)
            "$python" -c "import zmq" >/dev/null 2>&1 || missing+=("$package")
            ;;
        *) command -v "$package" >/dev/null 2>&1 || missing+=("$package") ;;
    esac
done

[ ${#missing[@]} -eq 0 ] && exit 0

if command -v apt-get >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ]; then
        echo "==> installing ${missing[*]} with apt-get"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
        exit 0
    fi
    echo "swift-zeromq needs: ${missing[*]}" >&2
    echo "Install them with:  sudo apt-get install -y ${missing[*]}" >&2
elif command -v brew >/dev/null 2>&1; then
    brew_packages=()
    for package in "${missing[@]}"; do
        case "$package" in
            libzmq3-dev) brew_packages+=(zeromq) ;;
            python3-zmq) echo "and pyzmq for Python 3: pip3 install pyzmq" >&2 ;;
            *) brew_packages+=("$package") ;;
        esac
    done
    echo "swift-zeromq needs: ${missing[*]}" >&2
    echo "Install them with:  brew install ${brew_packages[*]}" >&2
else
    echo "swift-zeromq needs libzmq 4.x with its headers, and pkg-config (missing: ${missing[*]})." >&2
    echo "Install them with your system's package manager (Debian: apt-get install libzmq3-dev pkg-config)." >&2
fi
exit 1
