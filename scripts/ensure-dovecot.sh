#!/bin/sh
# Install what the integration tests' Dovecot server needs (IMAP, ManageSieve, Sieve)
# unless it is there already. Debian/Ubuntu; a no-op when everything is installed.
# Usage: scripts/ensure-dovecot.sh   (as root, or as a user with password-less sudo)
set -eu

PACKAGES="dovecot-imapd dovecot-managesieved dovecot-sieve"

installed() {
    dpkg-query -W -f='${Status}\n' "$1" 2>/dev/null | grep -q "ok installed"
}

if command -v dpkg-query >/dev/null 2>&1; then
    missing=""
    for package in $PACKAGES; do
        installed "$package" || missing="$missing $package"
    done
    [ -z "$missing" ] && exit 0
elif PATH="$PATH:/usr/sbin:/sbin" command -v dovecot >/dev/null 2>&1; then
    exit 0  # not Debian: trust the dovecot that is there
else
    echo "ensure-dovecot: not a Debian system; install Dovecot with IMAP, ManageSieve" \
        "and Pigeonhole Sieve by hand" >&2
    exit 1
fi

if [ "$(id -u)" -eq 0 ]; then
    as_root=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    as_root="sudo -n"
else
    echo "ensure-dovecot: need root or password-less sudo to install:$missing" >&2
    exit 1
fi

apt() {
    # shellcheck disable=SC2086  # $as_root is a word list on purpose
    $as_root env DEBIAN_FRONTEND=noninteractive apt-get -q "$@"
}

# Refresh the package lists only when the cached ones cannot serve the install.
# shellcheck disable=SC2086  # $missing is a word list on purpose
if ! apt install -y --no-install-recommends $missing; then
    apt update
    apt install -y --no-install-recommends $missing
fi
