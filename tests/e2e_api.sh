#!/usr/bin/env bash
# e2e_api.sh - the JSON API of "chartroom serve" over loopback, with the
# real binary on a store filled the way a site fills it: init, roster
# import, ingest of sample scans, one user per role.
#
# For every endpoint and role: what is allowed returns the data, what is
# forbidden returns 403 and leaves a denied entry in the audit log.
# Then the hostile inputs: SQL and FTS syntax in searches, path
# traversal in ids, oversized and malformed bodies, missing CSRF tokens,
# no session; the security headers and cookie flags; TLS; a clean stop
# on SIGTERM; and no patient data in the server's log.
set -uo pipefail

BIN=${CHARTROOM_BIN:-build/chartroom}
SRC=${CHARTROOM_SOURCE_DIR:-.}
S=$(cd "$SRC/samples" && pwd)
T=$(mktemp -d)
SERVER_PID=""
cleanup() {
	[ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
export CHARTROOM_STORE=$T/store
fails=0 passes=0
ok() { echo "ok   - $*"; passes=$((passes + 1)); }
bad() { echo "FAIL - $*"; fails=$((fails + 1)); }
check() { local what=$1; shift; if "$@" >/dev/null 2>&1; then ok "$what"; else bad "$what"; fi; }
for tool in curl jq; do
	command -v $tool >/dev/null || { echo "SKIP: $tool is not installed"; exit 77; }
done

# --- a store as a site would have it -----------------------------------
"$BIN" init >/dev/null || { echo "init failed"; exit 1; }
"$BIN" patients import "$S/roster.csv" >/dev/null || { echo "import failed"; exit 1; }
"$BIN" ingest --json "$S/chart-discharge-smith.tif" "$S/chart-progress-kowalski.tif" \
	"$S/release-auth-smith-nodob.tif" "$S/letter-brennan-nodob.tif" >"$T/ingest.jsonl" 2>/dev/null
doc_of() { jq -r --arg f "$1" 'select(.file | endswith($f)) | .document_id' "$T/ingest.jsonl"; }
SMITH_DOC=$(doc_of chart-discharge-smith.tif)     # filed, 10234567, Dr. Miriam Chen
KOWALSKI_DOC=$(doc_of chart-progress-kowalski.tif) # filed, 00482973, Dr. Rajesh Patel
REVIEW_DOC=$(doc_of release-auth-smith-nodob.tif)  # in review
REVIEW_DOC2=$(doc_of letter-brennan-nodob.tif)     # in review
SMITH=10234567 KOWALSKI=00482973
check "fixture: Smith's chart filed" test "$(jq -r "select(.document_id==\"$SMITH_DOC\") | .status" "$T/ingest.jsonl")" = filed
check "fixture: Kowalski's chart filed" test "$(jq -r "select(.document_id==\"$KOWALSKI_DOC\") | .status" "$T/ingest.jsonl")" = filed
check "fixture: two documents in review" test "$("$BIN" search --status review --json | wc -l)" -eq 2

declare -A PASS=([admin]=admin-pass-123 [oper]=operator-pass-123 [clerk]=clerk-pass-123 [drchen]=physician-pass-123)
for u in admin oper clerk; do
	role=$u; [ $u = oper ] && role=operator
	printf '%s\n' "${PASS[$u]}" | "$BIN" user add "$u" --role "$role" --password-stdin >/dev/null 2>&1
done
printf '%s\n' "${PASS[drchen]}" | "$BIN" user add drchen --role physician --physician "Dr. Miriam Chen" --password-stdin >/dev/null 2>&1
check "fixture: four users" test "$("$BIN" user list --json | jq -s length)" -eq 4

# --- the server --------------------------------------------------------
start_server() { # extra args...; sets SERVER_PID, BASE
	: >"$T/serve.out"
	"$BIN" serve --listen 127.0.0.1:0 "$@" >"$T/serve.out" 2>>"$T/serve.err" &
	SERVER_PID=$!
	for _ in $(seq 100); do
		grep -q '^listening on' "$T/serve.out" && break
		kill -0 $SERVER_PID 2>/dev/null || break
		sleep 0.1
	done
	BASE=$(sed -n 's/^listening on \(.*\)\/$/\1/p' "$T/serve.out")
	[ -n "$BASE" ]
}
stop_server() {
	kill -TERM "$SERVER_PID" 2>/dev/null
	wait "$SERVER_PID"
	local rc=$?
	SERVER_PID=""
	return $rc
}
start_server || { echo "FAIL - the server did not start"; cat "$T/serve.err"; exit 1; }
ok "serve listens on a free loopback port ($BASE)"

# req USER METHOD PATH [JSON]: status to stdout, body in $T/body, headers
# in $T/headers.  USER "-" sends no cookie; "nocsrf:USER" omits the token.
req() {
	local who=$1 method=$2 path=$3 body=${4-} csrf=1 args=()
	if [ "${who#nocsrf:}" != "$who" ]; then who=${who#nocsrf:}; csrf=0; fi
	if [ "$who" != - ]; then
		args+=(-b "$T/jar.$who")
		[ $csrf = 1 ] && args+=(-H "X-CSRF-Token: $(cat "$T/csrf.$who")")
	fi
	[ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
	curl -s -o "$T/body" -D "$T/headers" -w '%{http_code}' -X "$method" "${args[@]}" "$BASE$path"
}
signin() {
	curl -s -c "$T/jar.$1" -o "$T/body" -w '%{http_code}' -H 'Content-Type: application/json' \
		--data-binary "{\"user\":\"$1\",\"password\":\"${PASS[$1]}\"}" "$BASE/api/session" >"$T/code"
	jq -r .csrf "$T/body" >"$T/csrf.$1"
	[ "$(cat "$T/code")" = 200 ]
}
for u in admin oper clerk drchen; do
	check "$u signs in" signin $u
done
check "sign-in answers with the role and a CSRF token" \
	jq -e '.role == "physician" and (.csrf | length) == 64' "$T/body"

# denied USER ACTION: a new denied audit entry for USER and ACTION since
# the last call (counted with the CLI, straight from the store).
declare -A SEEN
denied_count() {
	"$BIN" audit log --json --user "$1" --action "$2" 2>/dev/null |
		jq -s '[.[] | select(.outcome == "denied")] | length'
}
denied() {
	local key="$1/$2" n
	n=$(denied_count "$1" "$2")
	[ "$n" -gt "${SEEN[$key]:-0}" ] || return 1
	SEEN[$key]=$n
}
allowed_entry() { # USER ACTION DOC: an allowed entry naming the document
	"$BIN" audit log --json --user "$1" --action "$2" 2>/dev/null |
		jq -e -s --argjson d "$3" 'any(.[]; .outcome == "allowed" and .document_id == $d)' >/dev/null
}

# expect USER METHOD PATH BODY STATUS ACTION: the status, and for a 403 a
# denied audit entry for ACTION.
expect() {
	local who=$1 method=$2 path=$3 body=$4 want=$5 action=$6 got
	got=$(req "$who" "$method" "$path" "$body")
	if [ "$got" != "$want" ]; then
		bad "$who $method $path -> $want (got $got: $(head -c 200 "$T/body"))"
		return 1
	fi
	if [ "$want" = 403 ] && ! denied "${who#nocsrf:}" "$action"; then
		bad "$who $method $path -> 403 without a denied '$action' audit entry"
		return 1
	fi
	ok "$who $method $path -> $want"
}

# --- every endpoint x role ---------------------------------------------
echo "# GET /api/patients"
for u in admin clerk; do
	expect $u GET "/api/patients?q=smith" "" 200 search &&
		check "... $u sees both John Smiths" jq -e '[.patients[].mrn] | index("10234567") and index("10298841")' "$T/body"
done
expect drchen GET "/api/patients?q=smith" "" 200 search &&
	check "... a physician sees only their own patient" jq -e '[.patients[].mrn] == ["10234567"]' "$T/body"
expect oper GET "/api/patients?q=smith" "" 403 search
expect clerk GET "/api/patients?mrn=$KOWALSKI" "" 200 patient_view &&
	check "... demographics of the patient asked for" jq -e ".patients[0].family_name == \"Kowalski\"" "$T/body"
expect drchen GET "/api/patients?mrn=$KOWALSKI" "" 403 patient_view &&
	check "... a physician is offered break-the-glass" jq -e '.break_glass == true' "$T/body"
check "... and nothing about the patient leaks" bash -c "! grep -qi kowalski '$T/body'"
expect oper GET "/api/patients?mrn=$SMITH" "" 403 patient_view
expect drchen GET "/api/patients?mrn=$SMITH" "" 200 patient_view

echo "# GET /api/documents"
for u in admin clerk; do
	expect $u GET "/api/documents?q=discharge" "" 200 search &&
		check "... $u finds the discharge summary with a highlighted snippet" \
			jq -e ".documents | any(.document_id == \"$SMITH_DOC\" and (.snippet | test(\"\\\\[[Dd]ischarge\\\\]\")))" "$T/body"
done
check "... and each patient listed gets a patient_view entry (audit log --patient)" \
	bash -c "'$BIN' audit log --json --user clerk --patient $SMITH --action patient_view | jq -e -s 'any(.[]; .detail == \"listed in document search results\")'"
check "... and the search entry names the documents listed" \
	bash -c "'$BIN' audit log --json --user clerk --action search | jq -e -s 'any(.[]; (.detail // \"\") | test(\"listed .*$SMITH_DOC\"))'"
expect drchen GET "/api/documents?limit=100" "" 200 search &&
	check "... a physician's search holds only their own patients' filed documents" \
		jq -e "[.documents[].patient.mrn] | length > 0 and all(. == \"$SMITH\")" "$T/body"
expect oper GET "/api/documents?q=discharge" "" 403 search
expect clerk GET "/api/documents?mrn=$KOWALSKI&type=chart" "" 200 patient_view &&
	check "... a chart lists that patient's documents" jq -e ".count == 1 and .documents[0].document_id == \"$KOWALSKI_DOC\"" "$T/body"
expect drchen GET "/api/documents?mrn=$KOWALSKI" "" 403 patient_view
expect oper GET "/api/documents?mrn=$SMITH" "" 403 patient_view
expect admin GET "/api/documents?from=2024-01-01&to=2024-12-31&type=chart" "" 200 search

echo "# GET /api/documents/{id}"
for u in admin clerk; do
	expect $u GET "/api/documents/$KOWALSKI_DOC" "" 200 document_view &&
		check "... $u reads the page text and fields" jq -e '(.page_text[0].text | length) > 50 and (.fields | length) > 0' "$T/body"
done
check "... the view is audited as allowed, naming the document" allowed_entry clerk document_view "$KOWALSKI_DOC"
expect drchen GET "/api/documents/$KOWALSKI_DOC" "" 403 document_view
expect oper GET "/api/documents/$KOWALSKI_DOC" "" 403 document_view
expect drchen GET "/api/documents/$SMITH_DOC" "" 200 document_view &&
	check "... a physician's view has no candidates or history (other patients)" jq -e 'has("candidates") | not' "$T/body"
expect oper GET "/api/documents/$REVIEW_DOC2" "" 200 document_view &&
	check "... an operator sees a review item's candidates with their demographics" \
		jq -e '(.candidates | length) > 0 and (.candidates[0].patient.birth_date | length) == 10' "$T/body"
check "... and each candidate shown gets a patient_view entry" \
	bash -c "'$BIN' audit log --json --user oper --action patient_view | jq -e -s 'any(.[]; .document_id == $REVIEW_DOC2 and .mrn == \"00071346\" and .outcome == \"allowed\")'"
expect drchen GET "/api/documents/$REVIEW_DOC" "" 403 document_view
expect clerk GET "/api/documents/999999" "" 404 document_view

echo "# GET /api/documents/{id}/pages/{n}.png"
for u in admin clerk; do
	expect $u GET "/api/documents/$KOWALSKI_DOC/pages/1.png?width=200" "" 200 page_image &&
		check "... $u gets a PNG" bash -c "head -c 8 '$T/body' | od -An -tx1 | grep -q '89 50 4e 47'"
done
check "... PNG content type, never cached" bash -c "grep -qi '^content-type: image/png' '$T/headers' && grep -qi '^cache-control: no-store' '$T/headers'"
check "... audited as a page image" allowed_entry clerk page_image "$KOWALSKI_DOC"
expect drchen GET "/api/documents/$KOWALSKI_DOC/pages/1.png" "" 403 page_image
expect oper GET "/api/documents/$KOWALSKI_DOC/pages/1.png" "" 403 page_image
expect oper GET "/api/documents/$REVIEW_DOC/pages/1.png?width=120" "" 200 page_image
expect drchen GET "/api/documents/$SMITH_DOC/pages/1.png?width=64" "" 200 page_image
expect clerk GET "/api/documents/$SMITH_DOC/pages/2.png" "" 404 page_image
expect clerk GET "/api/documents/$SMITH_DOC/pages/1.png?width=99999" "" 400 page_image

echo "# GET /api/review"
for u in admin oper; do
	expect $u GET /api/review "" 200 review_view &&
		check "... $u sees both waiting documents" jq -e '.count == 2' "$T/body"
done
expect clerk GET /api/review "" 403 review_view
expect drchen GET /api/review "" 403 review_view

echo "# POST /api/review/{id}/assign and reject"
expect clerk POST "/api/review/$REVIEW_DOC/reject" '{"reason":"test"}' 403 reject
expect drchen POST "/api/review/$REVIEW_DOC2/assign" '{"mrn":"00071346"}' 403 assign
expect oper POST "/api/review/$REVIEW_DOC2/assign" "{\"mrn\":\"$SMITH\"}" 409 assign &&
	check "... an MRN that is not a candidate needs force" grep -q 'force' "$T/body"
expect oper POST "/api/review/$REVIEW_DOC2/assign" '{"mrn":"00071346"}' 200 assign &&
	check "... the document is filed to the chosen patient" \
		bash -c "'$BIN' show --json $REVIEW_DOC2 | jq -e '.status == \"filed\" and .patient.mrn == \"00071346\"'"
check "... with the operator named in its history" \
	bash -c "'$BIN' show --json $REVIEW_DOC2 | jq -e '.history[-1].actor == \"oper\"'"
check "... and an allowed assign entry in the audit log" allowed_entry oper assign "$REVIEW_DOC2"
expect admin POST "/api/review/$REVIEW_DOC/reject" '{}' 400 reject
expect admin POST "/api/review/$REVIEW_DOC/reject" '{"reason":"not a medical record"}' 200 reject
expect oper POST "/api/review/$REVIEW_DOC/reject" '{"reason":"again"}' 409 reject

echo "# GET /api/audit"
expect admin GET "/api/audit?user=drchen&limit=50" "" 200 audit_view &&
	check "... the admin sees the physician's denied look at Kowalski" \
		jq -e ".entries | any(.mrn == \"$KOWALSKI\" and .outcome == \"denied\")" "$T/body"
expect admin GET "/api/audit?patient=$KOWALSKI" "" 200 audit_view &&
	check "... filtered by patient" jq -e ".count > 0 and all(.entries[]; .mrn == \"$KOWALSKI\")" "$T/body"
for u in oper clerk drchen; do
	expect $u GET /api/audit "" 403 audit_view
done
expect admin GET "/api/audit?since=yesterday" "" 400 audit_view

echo "# break the glass"
expect clerk POST /api/glass "{\"mrn\":\"$KOWALSKI\",\"reason\":\"covering the night shift\"}" 403 break_glass
expect drchen POST /api/glass "{\"mrn\":\"$KOWALSKI\",\"reason\":\"short\"}" 400 break_glass
expect drchen POST /api/glass "{\"mrn\":\"$KOWALSKI\",\"reason\":\"covering for Dr. Patel tonight\",\"minutes\":30}" 200 break_glass
expect drchen GET "/api/documents/$KOWALSKI_DOC" "" 200 document_view &&
	check "... the physician may now read it, audited as break the glass" \
		bash -c "'$BIN' audit log --json --user drchen --action document_view | jq -e -s 'any(.[]; .document_id == $KOWALSKI_DOC and .outcome == \"allowed\" and (.detail | test(\"break_glass grant [0-9]+\")))'"
expect admin GET /api/glass "" 200 audit_view &&
	check "... the admin sees the grant with its reason" jq -e '.grants[0].user == "drchen" and (.grants[0].reason | test("Patel"))' "$T/body"
GRANT=$(jq -r '.grants[0].id' "$T/body")
expect drchen GET /api/glass "" 403 audit_view
expect admin POST "/api/glass/$GRANT/reviewed" "" 200 break_glass_review

echo "# users (admins)"
expect admin GET /api/users "" 200 user_list &&
	check "... lists the four users with their roles" jq -e '[.users[] | .name + ":" + .role] | sort == ["admin:admin","clerk:clerk","drchen:physician","oper:operator"]' "$T/body"
expect clerk GET /api/users "" 403 user_list
expect oper POST /api/users '{"name":"nurse","role":"clerk","password":"nurse-pass-123"}' 403 user_add
expect admin POST /api/users '{"name":"nurse","role":"clerk","password":"nurse-pass-123"}' 201 user_add
expect admin POST /api/users '{"name":"nurse","role":"clerk","password":"nurse-pass-123"}' 409 user_add
expect admin POST /api/users '{"name":"doc2","role":"physician","password":"doc2-pass-123"}' 400 user_add
expect admin POST /api/users '{"name":"x","role":"wizard","password":"wizard-pass-123"}' 400 user_add
check "... the addition is audited with the admin's name" \
	bash -c "'$BIN' audit log --json --user admin --action user_add | jq -e -s 'any(.[]; .outcome == \"allowed\")'"
PASS[nurse]=nurse-pass-123
check "the new user signs in" signin nurse
expect admin POST /api/users/nurse/disable "" 200 user_disable
if signin nurse; then bad "... a disabled user cannot sign in"; else ok "... a disabled user cannot sign in"; fi
expect admin POST /api/users/nurse/enable "" 200 user_enable
expect admin POST /api/users/nurse/password '{"password":"nurse-pass-456"}' 200 user_passwd
PASS[nurse]=nurse-pass-456
check "... signs in with the new password" signin nurse
expect clerk POST /api/users/nurse/disable "" 403 user_disable
expect admin POST /api/users/admin/disable "" 409 user_disable
expect admin POST "/api/users/Bad%20Name/disable" "" 400 user_disable
expect admin POST /api/users/ghost/disable "" 404 user_disable

# --- hostile input -----------------------------------------------------
echo "# SQL and FTS syntax in searches"
total_patients=$(sqlite3 "$CHARTROOM_STORE/chartroom.db" 'select count(*) from patients' 2>/dev/null || echo 40)
for q in "' OR 1=1 --" '" OR ""="' 'NEAR(discharge summary)' '*' 'discharge"' 'a AND OR NOT' \
	"'); DROP TABLE patients; --" '%' '_' '\' '{col}:x' '^discharge'; do
	enc=$(jq -rn --arg v "$q" '$v|@uri')
	got=$(req clerk GET "/api/documents?q=$enc")
	if [ "$got" = 200 ] && jq -e '.documents | type == "array"' "$T/body" >/dev/null; then
		ok "text search for [$q] is plain words (200)"
	else
		bad "text search for [$q] -> $got $(head -c 200 "$T/body")"
	fi
	got=$(req clerk GET "/api/patients?q=$enc")
	if [ "$got" = 200 ] && jq -e '.count == 0' "$T/body" >/dev/null; then
		ok "patient search for [$q] matches nobody (200)"
	else
		bad "patient search for [$q] -> $got $(head -c 200 "$T/body")"
	fi
done
got=$(req clerk GET "/api/documents?name=%25")
check "a name of '%' is a literal, matching nobody" test "$got" = 200 -a "$(jq .count "$T/body")" = 0
check "the roster is intact" test "$("$BIN" search --mrn $SMITH --json | wc -l)" -ge 1
expect clerk GET "/api/documents?from=2024-02-30" "" 400 search
expect clerk GET "/api/documents?type=chart';--" "" 400 search
expect clerk GET "/api/documents?limit=-1" "" 400 search
long=$(head -c 2000 /dev/zero | tr '\0' a)
expect clerk GET "/api/documents?q=$long" "" 400 search
check "... with a clear error" jq -e '.status == 400 and (.error | length) > 0' "$T/body"

echo "# path traversal and strict ids"
for p in "/api/documents/..%2F..%2Fetc%2Fpasswd" "/api/documents/../../etc/passwd" \
	"/api/documents/-1" "/api/documents/0" "/api/documents/01" "/api/documents/1.0" \
	"/api/documents/1%00" "/api/documents/%20%31" "/api/documents/0x1" \
	"/api/documents/99999999999999999999" "/api/documents/1/pages/..%2F1.png" \
	"/api/documents/1/pages/1.jpg" "/api/documents/1/pages/0.png" \
	"/api/review/..%2F1/assign" "/api/documents/1/" "/api//documents" \
	"/assets/..%2Fserver.c" "/assets/../web.h" "/assets/.hidden" "/../../etc/passwd"; do
	got=$(curl -s --path-as-is -o "$T/body" -w '%{http_code}' -b "$T/jar.admin" "$BASE$p")
	case $got in
	400 | 404) ok "$p -> $got" ;;
	*) bad "$p -> $got (want 400 or 404): $(head -c 120 "$T/body")" ;;
	esac
done
check "nothing from outside the store is ever served" bash -c "! grep -rq 'root:' '$T/body'"

echo "# bodies"
big=$(head -c 100000 /dev/zero | tr '\0' ' ')
got=$(curl -s -o "$T/body" -w '%{http_code}' -H 'Content-Type: application/json' --data-binary "{\"user\":\"x\",\"password\":\"$big\"}" "$BASE/api/session")
check "an oversized body -> 413" test "$got" = 413
check "... with a JSON error" jq -e '.status == 413' "$T/body"
got=$(printf '{"user":"x","password":"%s"}' "$big" | curl -s -o "$T/body" -w '%{http_code}' -H 'Content-Type: application/json' -H 'Transfer-Encoding: chunked' --data-binary @- "$BASE/api/session")
check "an oversized chunked body -> 413" test "$got" = 413
expect oper POST "/api/review/$REVIEW_DOC/reject" '{"reason":' 400 reject
check "... malformed JSON is a clear 400" jq -e '.error | test("JSON")' "$T/body"
expect oper POST "/api/review/$REVIEW_DOC/reject" '["reason"]' 400 reject
got=$(curl -s -o "$T/body" -w '%{http_code}' -b "$T/jar.oper" -H "X-CSRF-Token: $(cat "$T/csrf.oper")" -H 'Content-Type: text/plain' --data-binary '{"reason":"x"}' "$BASE/api/review/$REVIEW_DOC/reject")
check "a body that is not application/json -> 415" test "$got" = 415
got=$(curl -s -o "$T/body" -w '%{http_code}' -H 'Content-Type: application/json' --data-binary '{"user":"admin","password":"admin-pass-123","user":"x"}' "$BASE/api/session")
check "duplicate JSON keys -> 400" test "$got" = 400

echo "# CSRF and sessions"
expect nocsrf:oper POST "/api/review/$REVIEW_DOC/reject" '{"reason":"x"}' 403 reject
check "... says the CSRF token is missing" jq -e '.error | test("CSRF")' "$T/body"
echo "0000000000000000000000000000000000000000000000000000000000000000" >"$T/csrf.bad"
got=$(curl -s -o "$T/body" -w '%{http_code}' -b "$T/jar.oper" -H "X-CSRF-Token: $(cat "$T/csrf.bad")" -H 'Content-Type: application/json' --data-binary '{"reason":"x"}' "$BASE/api/review/$REVIEW_DOC/reject")
check "a wrong CSRF token -> 403" test "$got" = 403
expect nocsrf:admin DELETE /api/session "" 403 signout
expect nocsrf:drchen POST /api/glass "{\"mrn\":\"$KOWALSKI\",\"reason\":\"covering for Dr. Patel tonight\"}" 403 break_glass
got=$(req - GET "/api/documents/$SMITH_DOC")
check "no session -> 401" test "$got" = 401
check "... and the attempt is audited as denied" bash -c "'$BIN' audit log --json --user '(unknown)' --action document_view | jq -e -s 'any(.[]; .outcome == \"denied\")'"
got=$(curl -s -o "$T/body" -w '%{http_code}' -b "cr_session=$(head -c 64 /dev/zero | tr '\0' a)" "$BASE/api/session")
check "a forged session cookie -> 401" test "$got" = 401
got=$(req - PUT /api/session)
check "an unknown method -> 405" test "$got" = 405
check "... with Allow" grep -qi '^allow: GET, POST, DELETE' "$T/headers"
got=$(req - GET /api/nothing-here)
check "an unknown endpoint -> 404 with a JSON error" test "$got" = 404 -a "$(jq .status "$T/body")" = 404

echo "# headers and cookies"
curl -s -D "$T/h.login" -o /dev/null -H 'Content-Type: application/json' \
	--data-binary "{\"user\":\"clerk\",\"password\":\"${PASS[clerk]}\"}" "$BASE/api/session"
check "session cookie is HttpOnly and SameSite=Strict" grep -qiE '^set-cookie: cr_session=[0-9a-f]{64}; Path=/; HttpOnly; SameSite=Strict' "$T/h.login"
check "... and not Secure without TLS" bash -c "! grep -qi '^set-cookie:.*secure' '$T/h.login'"
req clerk GET "/api/documents/$SMITH_DOC" >/dev/null
for h in "content-security-policy: default-src 'none'; script-src 'self'" "x-content-type-options: nosniff" \
	"x-frame-options: deny" "cache-control: no-store" "referrer-policy: no-referrer"; do
	check "API response has $h" grep -qiF "$h" "$T/headers"
done
curl -s -D "$T/h.page" -o "$T/page" "$BASE/login"
check "pages carry the CSP too" grep -qi "^content-security-policy: default-src 'none'" "$T/h.page"
check "pages hold no inline script" bash -c "! grep -qiE '<script>|<script [^>]*>[^<]|on(click|load|submit)=' '$T/page'"
got=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' "$BASE/")
check "/ redirects to the search page" test "$got" = "303 $BASE/search"

echo "# sign-in failures"
got=$(curl -s -o "$T/body" -w '%{http_code}' -H 'Content-Type: application/json' --data-binary '{"user":"clerk","password":"wrong-password"}' "$BASE/api/session")
check "a wrong password -> 401" test "$got" = 401
check "... without saying which part was wrong" jq -e '.error == "wrong name or password"' "$T/body"
got=$(curl -s -o "$T/body" -w '%{http_code}' -H 'Content-Type: application/json' --data-binary '{"user":"nobody","password":"wrong-password"}' "$BASE/api/session")
check "an unknown user gets the same answer" test "$got" = 401 -a "$(jq -r .error "$T/body")" = "wrong name or password"
for _ in 1 2 3; do
	curl -s -o /dev/null -H 'Content-Type: application/json' --data-binary '{"user":"clerk","password":"wrong-password"}' "$BASE/api/session"
done
t0=$(date +%s%N)
curl -s -o /dev/null -H 'Content-Type: application/json' --data-binary '{"user":"clerk","password":"wrong-password"}' "$BASE/api/session"
t1=$(date +%s%N)
check "repeated failures are slowed down (>= 1 s)" test $(((t1 - t0) / 1000000)) -ge 900
check "... and logged as failed sign-ins" bash -c "'$BIN' audit log --json --action signin_failed | jq -e -s 'length >= 5'"

echo "# sign out"
for u in oper clerk drchen admin; do
	expect $u DELETE /api/session "" 200 signout
	got=$(req $u GET /api/session)
	check "... $u's session is gone (401)" test "$got" = 401
done

check "the audit chain verifies" "$BIN" audit verify
check "the server's log holds no patient names or MRNs" \
	bash -c "! grep -qiE 'smith|kowalski|brennan|chen|$SMITH|$KOWALSKI|00071346' '$T/serve.err'"
check "SIGTERM stops the server cleanly (exit 0)" stop_server

echo "# listening"
"$BIN" serve --listen 0.0.0.0:0 >/dev/null 2>"$T/err"; rc=$?
check "a non-loopback address without TLS is refused (exit 2)" test $rc -eq 2
check "... and says to use TLS" grep -q "TLS" "$T/err"
"$BIN" serve --listen 127.0.0.1:99999 >/dev/null 2>&1; rc=$?
check "a bad port is a usage error" test $rc -eq 2
if command -v openssl >/dev/null; then
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/key.pem" -out "$T/cert.pem" \
		-days 1 -subj /CN=localhost >/dev/null 2>&1
	if start_server --tls-cert "$T/cert.pem" --tls-key "$T/key.pem"; then
		check "with a certificate, it speaks https" test "${BASE#https://}" != "$BASE"
		curl -sk -D "$T/h.tls" -o "$T/body" -H 'Content-Type: application/json' \
			--data-binary "{\"user\":\"admin\",\"password\":\"${PASS[admin]}\"}" "$BASE/api/session"
		check "... signs in over TLS" jq -e '.role == "admin"' "$T/body"
		check "... with a Secure cookie" grep -qi '^set-cookie:.*; Secure' "$T/h.tls"
		check "... and HSTS" grep -qi '^strict-transport-security:' "$T/h.tls"
		check "... and refuses plain http" bash -c "! curl -s -o /dev/null '${BASE/https/http}/login'"
		check "... and stops on SIGTERM" stop_server
	else
		bad "serve with --tls-cert/--tls-key did not start: $(tail -1 "$T/serve.err")"
	fi
else
	echo "# openssl missing: TLS not tested"
fi

echo "$passes passed, $fails failed"
[ $fails -eq 0 ]
