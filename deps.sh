#!/bin/sh
# deps.sh - install the Debian 12 packages Chartroom needs to build, test
# and run its demo, when any is missing.  Used by `make demo` and
# `make check`; safe to run again.  Needs root (or sudo) only when
# something is actually missing.
set -eu

PACKAGES="
build-essential cmake pkg-config
libtesseract-dev tesseract-ocr tesseract-ocr-eng tesseract-ocr-osd
libleptonica-dev libtiff-dev libpng-dev libjpeg-dev
libsqlite3-dev libjansson-dev libsodium-dev libzbar-dev libcmocka-dev
libmicrohttpd-dev libinih-dev
imagemagick zint ghostscript jq time bc sqlite3
fonts-dejavu-core fonts-dkg-handwriting fonts-breip fonts-humor-sans
curl chromium nodejs wrk
"
# npm: Debian's package only when there is no npm at all; a nodejs from
# elsewhere (NodeSource) carries its own and conflicts with Debian's.
command -v npm >/dev/null 2>&1 || PACKAGES="$PACKAGES npm"

missing=""
for p in $PACKAGES; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

echo "deps.sh: installing:$missing" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null 2>&1 || {
		echo "deps.sh: need root to install:$missing" >&2
		exit 1
	}
	SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
