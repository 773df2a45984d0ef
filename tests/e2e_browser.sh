#!/usr/bin/env bash
# e2e_browser.sh - the web app in a real browser: Debian's chromium,
# headless, driven by playwright-core (tests/browser/browser-test.mjs)
# against "chartroom serve" on a store filled with sample scans.  A
# clerk signs in, searches a patient, opens a document and sees its page
# image and text, signs out; an operator resolves one review item and
# signs out.  Screenshots of each step are kept in
# <build>/browser-artifacts/ (next to the chartroom binary).
#
# Exit 77 (skipped; ctest's SKIP_RETURN_CODE) only when chromium or node
# is not installed and cannot be installed here.  Everything else that
# goes wrong is a failure.
set -uo pipefail

BIN=${CHARTROOM_BIN:-build/chartroom}
SRC=${CHARTROOM_SOURCE_DIR:-.}
S=$(cd "$SRC/samples" && pwd)
B=$(cd "$SRC/tests/browser" && pwd)
ARTIFACTS=$(cd "$(dirname "$BIN")" && pwd)/browser-artifacts
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
T=$(mktemp -d)
SERVER_PID=""
cleanup() {
	[ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

# --- the browser and its driver ----------------------------------------
missing=""
[ -x "$CHROMIUM" ] || missing="$missing chromium"
command -v node >/dev/null || missing="$missing nodejs"
command -v npm >/dev/null || missing="$missing npm"
if [ -n "$missing" ] && [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
	echo "# installing:$missing"
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null 2>&1 ||
		{ apt-get update -qq >/dev/null 2>&1 &&
		  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null 2>&1; }
fi
if [ ! -x "$CHROMIUM" ] || ! command -v node >/dev/null || ! command -v npm >/dev/null; then
	echo "SKIP: chromium, node or npm is not installed and could not be installed"
	exit 77
fi
if [ ! -d "$B/node_modules/playwright-core" ]; then
	echo "# npm ci in tests/browser"
	(cd "$B" && npm ci --no-audit --no-fund --loglevel=error) || { echo "FAIL - npm ci in tests/browser"; exit 1; }
fi

# --- a store and a server ----------------------------------------------
export CHARTROOM_STORE=$T/store
"$BIN" init >/dev/null &&
	"$BIN" patients import "$S/roster.csv" >/dev/null &&
	"$BIN" ingest "$S/chart-discharge-smith.tif" "$S/letter-brennan-nodob.tif" \
		"$S/release-auth-smith-nodob.tif" >/dev/null 2>&1
[ "$("$BIN" search --status review --json | wc -l)" -ge 1 ] || { echo "FAIL - fixture: nothing in review"; exit 1; }
export CLERK_PASSWORD=clerk-pass-$RANDOM$RANDOM OPERATOR_PASSWORD=oper-pass-$RANDOM$RANDOM
printf '%s\n' "$CLERK_PASSWORD" | "$BIN" user add clerk --role clerk --password-stdin >/dev/null &&
	printf '%s\n' "$OPERATOR_PASSWORD" | "$BIN" user add oper --role operator --password-stdin >/dev/null ||
	{ echo "FAIL - fixture: user add"; exit 1; }

"$BIN" serve --listen 127.0.0.1:0 >"$T/serve.out" 2>"$T/serve.err" &
SERVER_PID=$!
for _ in $(seq 100); do
	grep -q '^listening on' "$T/serve.out" && break
	kill -0 $SERVER_PID 2>/dev/null || break
	sleep 0.1
done
BASE_URL=$(sed -n 's/^listening on \(.*\)\/$/\1/p' "$T/serve.out")
[ -n "$BASE_URL" ] || { echo "FAIL - the server did not start"; cat "$T/serve.err"; exit 1; }

rm -rf "$ARTIFACTS"
mkdir -p "$ARTIFACTS"
export BASE_URL CHROMIUM ARTIFACTS PATIENT_QUERY=Smith PATIENT_MRN=10234567 TEXT_WORD=discharge
timeout 300 node "$B/browser-test.mjs"
rc=$?
echo "# screenshots in $ARTIFACTS"
cp "$T/serve.err" "$ARTIFACTS/serve.log"
exit $rc
