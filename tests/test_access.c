/*
 * test_access.c - unit tests of store/access.c: users and passwords,
 * disabled accounts, sessions with idle expiry and CSRF tokens,
 * throttled sign-in, who may see which patient and document (with break
 * the glass and its expiry), and the audit chain against an attacker
 * who drops the triggers and edits the table with SQLite directly.
 *
 * Time is passed in (now_ms), so expiry is tested by moving "now", not
 * by sleeping.  Every test gets a fresh store in its own mkdtemp()
 * folder.
 */
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "../store/access.h"

#define PW "correct horse battery"
#define T0 ((int64_t)1790000000000) /* a fixed "now" in 2026 */
#define MIN ((int64_t)60 * 1000)
#define MRN_OWN "00482913"
#define MRN_OTHER "00517720"

struct fx {
	char tmp[512];
	char dir[1024];
	struct store *st;
};

static struct cr_err e_;

/* Run call (which passes &e_) and fail with its message unless 0. */
#define OK(call)                                                               \
	do {                                                                   \
		int rc_;                                                       \
		cr_err_clear(&e_);                                             \
		rc_ = (call);                                                  \
		if (rc_ != 0)                                                  \
			fail_msg("%s: %d %s", #call, rc_, e_.msg);             \
	} while (0)

static int rm_entry(const char *path, const struct stat *sb, int flag,
                    struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int setup(void **state)
{
	const char *base = getenv("TMPDIR");
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	snprintf(f->tmp, sizeof(f->tmp), "%s/test_access.XXXXXX",
	         base != NULL && base[0] != '\0' ? base : "/tmp");
	assert_non_null(mkdtemp(f->tmp));
	snprintf(f->dir, sizeof(f->dir), "%s/store", f->tmp);
	f->st = store_open(f->dir, STORE_CREATE, &e_);
	if (f->st == NULL)
		fail_msg("store_open: %s", e_.msg);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	store_close(f->st);
	nftw(f->tmp, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

/* Statements on the store's database from outside, as an attacker with
 * the sqlite3 shell would run them. */
static void attack(const struct fx *f, const char *sql)
{
	char path[PATH_MAX];
	sqlite3 *db;
	char *msg = NULL;

	snprintf(path, sizeof(path), "%s/chartroom.db", f->dir);
	assert_int_equal(
	    sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg ? msg : "?");
	sqlite3_close(db);
}

/* The first column of the first row of sql, as text ("" for none). */
static void sql_text(const struct fx *f, const char *sql, char *out,
                     size_t size)
{
	char path[PATH_MAX];
	sqlite3_stmt *stmt;
	sqlite3 *db;

	snprintf(path, sizeof(path), "%s/chartroom.db", f->dir);
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL),
	                 SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL),
	                 SQLITE_OK);
	out[0] = '\0';
	if (sqlite3_step(stmt) == SQLITE_ROW &&
	    sqlite3_column_text(stmt, 0) != NULL)
		snprintf(out, size, "%s", sqlite3_column_text(stmt, 0));
	sqlite3_finalize(stmt);
	sqlite3_close(db);
}

static long long sql_int(const struct fx *f, const char *sql)
{
	char out[64];

	sql_text(f, sql, out, sizeof(out));
	return atoll(out);
}

static void add_user(struct fx *f, const char *name, enum access_role role,
                     const char *physician)
{
	OK(access_user_add(f->st, "cli:test", NULL, name, role, physician, PW,
	                   &e_));
}

static void get_user(struct fx *f, const char *name, struct access_user *u)
{
	OK(access_user_get(f->st, name, u, &e_));
}

static void add_patient(struct fx *f, const char *mrn, const char *physician)
{
	struct store_patient p = {mrn,          "Doe", "Pat",    NULL,
	                          "1950-01-01", "U",   physician};

	OK(store_patient_upsert(f->st, &p, NULL, &e_));
}

static int64_t add_document(struct fx *f, const char *sha_seed,
                            const char *status, const char *mrn)
{
	struct store_document d;
	char sha[65];

	cr_sha256_hex(sha_seed, strlen(sha_seed), sha);
	memset(&d, 0, sizeof(d));
	d.file = "scan.tif";
	d.sha256 = sha;
	d.size_bytes = 1;
	d.status = status;
	d.doc_type = "chart";
	d.patient_mrn = mrn;
	d.pages = 0;
	d.reason = strcmp(status, "filed") == 0 ? NULL : "test";
	OK(store_document_insert(f->st, &d, NULL, 0, NULL, 0, NULL, 0, &e_));
	return d.id;
}

/* ---- Users and passwords ----------------------------------------------- */

static void test_password(void **state)
{
	struct fx *f = *state;
	struct access_user u;
	const char *why = NULL;
	char hash[256];

	add_user(f, "alice", ACCESS_CLERK, NULL);
	get_user(f, "alice", &u);
	assert_string_equal(u.name, "alice");
	assert_int_equal(u.role, ACCESS_CLERK);
	assert_false(u.disabled);

	/* Only an Argon2id hash is stored. */
	sql_text(f, "SELECT pwhash FROM users WHERE name = 'alice'", hash,
	         sizeof(hash));
	assert_true(strncmp(hash, "$argon2id$", 10) == 0);
	assert_null(strstr(hash, PW));

	OK(access_user_verify(f->st, "alice", PW, &u, &why, &e_));
	assert_null(why);
	assert_string_equal(u.name, "alice");
	assert_int_equal(
	    access_user_verify(f->st, "alice", PW "x", NULL, &why, NULL),
	    CR_EPERM);
	assert_string_equal(why, "wrong password");
	assert_int_equal(access_user_verify(f->st, "bob", PW, NULL, &why, NULL),
	                 CR_EPERM);
	assert_string_equal(why, "unknown user");
	assert_int_equal(
	    access_user_verify(f->st, "alice", NULL, NULL, &why, NULL),
	    CR_EPERM);

	/* An unknown name costs an Argon2id verification too, so timing
	 * does not tell names apart.  Best of three against scheduling
	 * noise; without the dummy hash the ratio would be near zero. */
	{
		int64_t known = INT64_MAX, unknown = INT64_MAX, t;
		int i;
		for (i = 0; i < 3; i++) {
			t = cr_now_ms();
			access_user_verify(f->st, "alice", "wrong password!",
			                   NULL, NULL, NULL);
			t = cr_now_ms() - t;
			known = t < known ? t : known;
			t = cr_now_ms();
			access_user_verify(f->st, "nosuchuser",
			                   "wrong password!", NULL, NULL, NULL);
			t = cr_now_ms() - t;
			unknown = t < unknown ? t : unknown;
		}
		assert_true(known >= 10); /* a real Argon2id, not a stub */
		assert_true(unknown * 4 >= known);
	}

	/* Refusals, each with its reason. */
	assert_int_equal(access_user_add(f->st, "cli:test", NULL, "alice",
	                                 ACCESS_CLERK, NULL, PW, &e_),
	                 CR_EEXIST);
	assert_int_equal(access_user_add(f->st, "cli:test", NULL, "Alice2",
	                                 ACCESS_CLERK, NULL, PW, &e_),
	                 CR_EINVAL);
	assert_int_equal(access_user_add(f->st, "cli:test", NULL, "cli:x",
	                                 ACCESS_CLERK, NULL, PW, &e_),
	                 CR_EINVAL);
	assert_int_equal(access_user_add(f->st, "cli:test", NULL, "bob",
	                                 ACCESS_CLERK, NULL, "short", &e_),
	                 CR_EINVAL);
	assert_non_null(strstr(e_.msg, "too short"));
	assert_int_equal(access_user_add(f->st, "cli:test", NULL, "bob",
	                                 ACCESS_PHYSICIAN, NULL, PW, &e_),
	                 CR_EINVAL);
	assert_int_equal(access_user_add(f->st, "cli:test", NULL, "bob",
	                                 ACCESS_CLERK, "Jane Doe", PW, &e_),
	                 CR_EINVAL);
	assert_int_equal(access_user_add(f->st, "cli:test", NULL, "bob",
	                                 ACCESS_ROLE_NONE, NULL, PW, &e_),
	                 CR_EINVAL);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM users"), 1);

	/* A new password replaces the old one. */
	OK(access_user_passwd(f->st, "cli:test", NULL, "alice",
	                      "another long password", &e_));
	assert_int_equal(
	    access_user_verify(f->st, "alice", PW, NULL, NULL, NULL), CR_EPERM);
	OK(access_user_verify(f->st, "alice", "another long password", NULL,
	                      NULL, &e_));
	assert_int_equal(access_user_passwd(f->st, "cli:test", NULL, "nobody",
	                                    "another long password", &e_),
	                 CR_ENOTFOUND);

	/* Every change was audited, as the CLI user. */
	assert_int_equal(sql_int(f, "SELECT count(*) FROM audit WHERE user ="
	                            " 'cli:test' AND action IN ('user_add',"
	                            " 'user_passwd')"),
	                 2);

	assert_int_equal(access_role_parse("physician"), ACCESS_PHYSICIAN);
	assert_int_equal(access_role_parse("root"), ACCESS_ROLE_NONE);
	assert_string_equal(access_role_name(ACCESS_OPERATOR), "operator");
	assert_false(access_user_name_valid(""));
	assert_false(access_user_name_valid("9lives"));
	assert_false(access_user_name_valid("a b"));
	assert_true(access_user_name_valid("j.smith@ward-3"));
}

static void test_disabled(void **state)
{
	struct fx *f = *state;
	struct access_session s;
	struct access_user u;
	const char *why = NULL;
	char tok[ACCESS_TOKEN_HEX + 1];
	int64_t delay;

	add_user(f, "carol", ACCESS_OPERATOR, NULL);
	get_user(f, "carol", &u);
	OK(access_session_create(f->st, &u, "10.0.0.1", T0, tok, NULL, &e_));
	OK(access_session_get(f->st, tok, T0 + 1000, 0, &s, &e_));

	OK(access_user_disable(f->st, "cli:test", NULL, "carol", &e_));
	get_user(f, "carol", &u);
	assert_true(u.disabled);
	/* The right password no longer signs in, and says no more than a
	 * wrong one would. */
	assert_int_equal(
	    access_user_verify(f->st, "carol", PW, NULL, &why, &e_), CR_EPERM);
	assert_string_equal(why, "disabled");
	assert_string_equal(e_.msg, "wrong user name or password");
	assert_int_equal(access_signin(f->st, "carol", PW, "10.0.0.1", T0, NULL,
	                               &delay, &e_),
	                 CR_EPERM);
	/* Their session ended with the account. */
	assert_int_equal(access_session_get(f->st, tok, T0 + 2000, 0, &s, &e_),
	                 CR_ENOTFOUND);
	assert_int_equal(
	    access_session_create(f->st, &u, NULL, T0, tok, NULL, &e_),
	    CR_EPERM);
	/* Disabled users are denied everything, whatever their role. */
	assert_int_equal(
	    access_patient_allowed(f->st, &u, MRN_OWN, T0, NULL, NULL, &e_),
	    CR_EPERM);

	OK(access_user_enable(f->st, "cli:test", NULL, "carol", &e_));
	OK(access_user_verify(f->st, "carol", PW, NULL, NULL, &e_));
	/* Users are kept for the audit trail: deleting one is refused. */
	attack(f, "SELECT 1"); /* the database is reachable */
	{
		char path[PATH_MAX];
		sqlite3 *db;
		snprintf(path, sizeof(path), "%s/chartroom.db", f->dir);
		assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
		assert_int_not_equal(
		    sqlite3_exec(db, "DELETE FROM users", NULL, NULL, NULL),
		    SQLITE_OK);
		sqlite3_close(db);
	}
}

/* ---- Sessions ------------------------------------------------------------ */

static void test_session_expiry(void **state)
{
	struct fx *f = *state;
	struct access_session s, made;
	struct access_user u;
	char tok[ACCESS_TOKEN_HEX + 1], tok2[ACCESS_TOKEN_HEX + 1], bad[80];
	int64_t idle = 15 * MIN, n = -1;

	add_user(f, "dave", ACCESS_CLERK, NULL);
	get_user(f, "dave", &u);
	OK(access_session_create(f->st, &u, "10.0.0.2", T0, tok, &made, &e_));
	assert_int_equal(strlen(tok), ACCESS_TOKEN_HEX);
	assert_int_equal(strlen(made.csrf), ACCESS_TOKEN_HEX);
	assert_string_not_equal(tok, made.csrf);

	/* The database holds a hash of the token, not the token. */
	{
		char q[200];
		snprintf(
		    q, sizeof(q),
		    "SELECT count(*) FROM sessions WHERE token_hash = '%s'",
		    tok);
		assert_int_equal(sql_int(f, q), 0);
		assert_int_equal(sql_int(f, "SELECT count(*) FROM sessions"),
		                 1);
	}

	/* Used within the idle time, it lives on, and each use moves the
	 * deadline. */
	OK(access_session_get(f->st, tok, T0 + idle - 1, idle, &s, &e_));
	assert_string_equal(s.user.name, "dave");
	assert_string_equal(s.csrf, made.csrf);
	assert_string_equal(s.remote, "10.0.0.2");
	assert_int_equal(s.seen_ms, T0 + idle - 1);
	OK(access_session_get(f->st, tok, T0 + 2 * idle - 2, idle, &s, &e_));
	/* Idle one millisecond too long: gone, and gone for good. */
	assert_int_equal(
	    access_session_get(f->st, tok, T0 + 3 * idle, idle, &s, &e_),
	    CR_ENOTFOUND);
	assert_int_equal(
	    access_session_get(f->st, tok, T0 + 2 * idle, idle, &s, &e_),
	    CR_ENOTFOUND);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM sessions"), 0);

	/* The default idle time is 15 minutes. */
	OK(access_session_create(f->st, &u, NULL, T0, tok, NULL, &e_));
	OK(access_session_get(f->st, tok, T0 + 15 * MIN, 0, &s, &e_));
	assert_int_equal(
	    access_session_get(f->st, tok, T0 + 30 * MIN + 1, 0, &s, &e_),
	    CR_ENOTFOUND);

	/* Malformed tokens are simply unknown. */
	assert_int_equal(access_session_get(f->st, NULL, T0, 0, &s, &e_),
	                 CR_ENOTFOUND);
	assert_int_equal(access_session_get(f->st, "abc", T0, 0, &s, &e_),
	                 CR_ENOTFOUND);
	memset(bad, 'G', ACCESS_TOKEN_HEX);
	bad[ACCESS_TOKEN_HEX] = '\0';
	assert_int_equal(access_session_get(f->st, bad, T0, 0, &s, &e_),
	                 CR_ENOTFOUND);
	snprintf(bad, sizeof(bad), "%s' OR '1'='1", tok);
	assert_int_equal(access_session_get(f->st, bad, T0, 0, &s, &e_),
	                 CR_ENOTFOUND);

	/* Sign-out ends exactly that session. */
	OK(access_session_create(f->st, &u, NULL, T0, tok, NULL, &e_));
	OK(access_session_create(f->st, &u, NULL, T0, tok2, NULL, &e_));
	assert_string_not_equal(tok, tok2);
	OK(access_session_delete(f->st, tok, &e_));
	assert_int_equal(access_session_get(f->st, tok, T0 + 1, 0, &s, &e_),
	                 CR_ENOTFOUND);
	OK(access_session_get(f->st, tok2, T0 + 1, 0, &s, &e_));
	OK(access_session_delete(f->st, "not a token", &e_));

	/* Purge drops only the idle ones. */
	OK(access_session_create(f->st, &u, NULL, T0 + 20 * MIN, tok, NULL,
	                         &e_));
	OK(access_session_purge(f->st, T0 + 25 * MIN, 15 * MIN, &n, &e_));
	assert_int_equal(n, 1); /* tok2, last seen at T0 + 1 */
	OK(access_session_get(f->st, tok, T0 + 26 * MIN, 0, &s, &e_));
}

static void test_csrf(void **state)
{
	struct fx *f = *state;
	struct access_session s;
	struct access_user u;
	char tok[ACCESS_TOKEN_HEX + 1], wrong[ACCESS_TOKEN_HEX + 1];

	add_user(f, "erin", ACCESS_CLERK, NULL);
	get_user(f, "erin", &u);
	OK(access_session_create(f->st, &u, NULL, T0, tok, NULL, &e_));
	OK(access_session_get(f->st, tok, T0, 0, &s, &e_));
	assert_true(access_session_csrf_ok(&s, s.csrf));
	memcpy(wrong, s.csrf, sizeof(wrong));
	wrong[10] = wrong[10] == 'a' ? 'b' : 'a';
	assert_false(access_session_csrf_ok(&s, wrong));
	wrong[10] = s.csrf[10];
	wrong[ACCESS_TOKEN_HEX - 1] = '\0';
	assert_false(access_session_csrf_ok(&s, wrong));
	assert_false(access_session_csrf_ok(&s, NULL));
	assert_false(access_session_csrf_ok(&s, ""));
	assert_false(access_session_csrf_ok(NULL, s.csrf));
	/* The session cookie is not a CSRF token. */
	assert_false(access_session_csrf_ok(&s, tok));
}

/* ---- Authorisation and break the glass ------------------------------------
 */

static int count_glass(void *ctx, const struct access_glass *g)
{
	(void)g;
	(*(int *)ctx)++;
	return 0;
}

static void test_physician(void **state)
{
	struct fx *f = *state;
	struct access_user doc, clerk, op, admin;
	enum access_via via;
	int64_t gid = 0, seen = 0, d_own, d_other, d_review;
	char *mrn = NULL;
	int n = 0;

	add_patient(f, MRN_OWN, "Jane Doe");
	add_patient(f, MRN_OTHER, "Other Doctor");
	/* The roster's spelling, in another case, still matches. */
	add_user(f, "jdoe", ACCESS_PHYSICIAN, "JANE DOE");
	add_user(f, "clerk", ACCESS_CLERK, NULL);
	add_user(f, "op", ACCESS_OPERATOR, NULL);
	add_user(f, "root", ACCESS_ADMIN, NULL);
	get_user(f, "jdoe", &doc);
	get_user(f, "clerk", &clerk);
	get_user(f, "op", &op);
	get_user(f, "root", &admin);
	assert_string_equal(doc.physician, "JANE DOE");

	OK(access_patient_allowed(f->st, &doc, MRN_OWN, T0, &via, &gid, &e_));
	assert_int_equal(via, ACCESS_VIA_PHYSICIAN);
	assert_int_equal(
	    access_patient_allowed(f->st, &doc, MRN_OTHER, T0, &via, &gid, &e_),
	    CR_EPERM);
	assert_int_equal(via, ACCESS_VIA_NONE);
	assert_int_equal(
	    access_patient_allowed(f->st, &doc, "nope", T0, &via, NULL, &e_),
	    CR_EPERM);
	OK(access_patient_allowed(f->st, &clerk, MRN_OTHER, T0, &via, NULL,
	                          &e_));
	assert_int_equal(via, ACCESS_VIA_ROLE);
	OK(access_patient_allowed(f->st, &admin, MRN_OTHER, T0, &via, NULL,
	                          &e_));
	assert_int_equal(
	    access_patient_allowed(f->st, &op, MRN_OTHER, T0, &via, NULL, &e_),
	    CR_EPERM);

	/* Documents follow their patient; the queue is the operators'. */
	d_own = add_document(f, "own", "filed", MRN_OWN);
	d_other = add_document(f, "other", "filed", MRN_OTHER);
	d_review = add_document(f, "review", "review", NULL);
	OK(access_document_allowed(f->st, &doc, d_own, T0, &via, NULL, &mrn, &e_));
	assert_string_equal(mrn, MRN_OWN);
	free(mrn);
	assert_int_equal(
	    access_document_allowed(f->st, &doc, d_other, T0, &via, NULL, &mrn, &e_),
	    CR_EPERM);
	assert_null(mrn);
	assert_int_equal(
	    access_document_allowed(f->st, &doc, d_review, T0, &via, NULL, NULL, &e_),
	    CR_EPERM);
	OK(access_document_allowed(f->st, &op, d_review, T0, &via, NULL, &mrn, &e_));
	assert_null(mrn);
	assert_int_equal(
	    access_document_allowed(f->st, &op, d_own, T0, &via, NULL, NULL, &e_),
	    CR_EPERM);
	OK(access_document_allowed(f->st, &clerk, d_other, T0, &via, NULL, NULL,
	                           &e_));
	assert_int_equal(
	    access_document_allowed(f->st, &clerk, 999999, T0, &via, NULL, NULL, &e_),
	    CR_ENOTFOUND);

	/* Break the glass: a reason is required, and only physicians. */
	assert_int_equal(access_glass_grant(f->st, &doc, MRN_OTHER, "ER",
	                                    "10.0.0.9", T0, 0, &gid, &e_),
	                 CR_EINVAL);
	assert_int_equal(access_glass_grant(f->st, &doc, MRN_OTHER,
	                                    "line one\nline two", NULL, T0, 0,
	                                    &gid, &e_),
	                 CR_EINVAL);
	assert_int_equal(access_glass_grant(f->st, &clerk, MRN_OTHER,
	                                    "covering the ward tonight", NULL,
	                                    T0, 0, &gid, &e_),
	                 CR_EPERM);
	assert_int_equal(access_glass_grant(f->st, &doc, "nope",
	                                    "covering the ward tonight", NULL,
	                                    T0, 0, &gid, &e_),
	                 CR_ENOTFOUND);
	OK(access_glass_grant(f->st, &doc, MRN_OTHER,
	                      "covering the ward tonight", "10.0.0.9", T0, 0,
	                      &gid, &e_));
	assert_true(gid > 0);
	OK(access_patient_allowed(f->st, &doc, MRN_OTHER, T0 + 1, &via, &seen,
	                          &e_));
	assert_int_equal(via, ACCESS_VIA_GLASS);
	assert_int_equal(seen, gid);
	seen = 0;
	OK(access_document_allowed(f->st, &doc, d_other, T0 + 59 * MIN, &via,
	                           &seen, NULL, &e_));
	assert_int_equal(via, ACCESS_VIA_GLASS);
	assert_int_equal(seen, gid); /* the look names its grant */
	/* Sixty minutes, then it expires by itself. */
	assert_int_equal(access_patient_allowed(f->st, &doc, MRN_OTHER,
	                                        T0 + 60 * MIN, &via, NULL, &e_),
	                 CR_EPERM);
	assert_int_equal(access_document_allowed(f->st, &doc, d_other,
	                                         T0 + 61 * MIN, &via, NULL,
	                                         NULL, &e_),
	                 CR_EPERM);
	/* Not before it was given either (a clock that jumps back). */
	assert_int_equal(access_patient_allowed(f->st, &doc, MRN_OTHER, T0 - 1,
	                                        &via, NULL, &e_),
	                 CR_EPERM);
	/* A grant for one patient opens no other. */
	add_patient(f, "00999999", "Third Doctor");
	assert_int_equal(access_patient_allowed(f->st, &doc, "00999999", T0 + 1,
	                                        &via, NULL, &e_),
	                 CR_EPERM);

	/* The grant is audited with its patient, without the reason. */
	assert_int_equal(sql_int(f, "SELECT count(*) FROM audit WHERE action ="
	                            " 'break_glass' AND user = 'jdoe' AND mrn"
	                            " = '" MRN_OTHER "' AND outcome ="
	                            " 'allowed' AND detail NOT LIKE"
	                            " '%ward%'"),
	                 1);
	/* ... and listed for an admin until reviewed. */
	OK(access_glass_each(f->st, 0, 1, count_glass, &n, &e_));
	assert_int_equal(n, 1);
	OK(access_glass_review(f->st, "root", NULL, gid, T0 + 2 * MIN, &e_));
	n = 0;
	OK(access_glass_each(f->st, 0, 1, count_glass, &n, &e_));
	assert_int_equal(n, 0);
	OK(access_glass_each(f->st, 0, 0, count_glass, &n, &e_));
	assert_int_equal(n, 1);
	assert_int_equal(
	    access_glass_review(f->st, "root", NULL, 424242, T0, &e_),
	    CR_ENOTFOUND);

	/* A disabled physician cannot break the glass. */
	OK(access_user_disable(f->st, "cli:test", NULL, "jdoe", &e_));
	assert_int_equal(access_glass_grant(f->st, &doc, MRN_OTHER,
	                                    "covering the ward tonight", NULL,
	                                    T0, 0, &gid, &e_),
	                 CR_EPERM);
}

static void test_role_may(void **state)
{
	(void)state;
	assert_true(access_role_may(ACCESS_OPERATOR, ACCESS_ACT_REVIEW_DECIDE));
	assert_true(access_role_may(ACCESS_ADMIN, ACCESS_ACT_REVIEW_DECIDE));
	assert_false(access_role_may(ACCESS_CLERK, ACCESS_ACT_REVIEW_DECIDE));
	assert_false(
	    access_role_may(ACCESS_PHYSICIAN, ACCESS_ACT_REVIEW_DECIDE));
	assert_true(access_role_may(ACCESS_ADMIN, ACCESS_ACT_USER_ADMIN));
	assert_false(access_role_may(ACCESS_CLERK, ACCESS_ACT_USER_ADMIN));
	assert_true(access_role_may(ACCESS_ADMIN, ACCESS_ACT_AUDIT_VIEW));
	assert_false(access_role_may(ACCESS_OPERATOR, ACCESS_ACT_AUDIT_VIEW));
	assert_false(access_role_may(ACCESS_PHYSICIAN, ACCESS_ACT_AUDIT_VIEW));
	assert_true(access_role_may(ACCESS_PHYSICIAN, ACCESS_ACT_BREAK_GLASS));
	assert_false(access_role_may(ACCESS_ADMIN, ACCESS_ACT_BREAK_GLASS));
	assert_true(access_role_may(ACCESS_CLERK, ACCESS_ACT_SEARCH));
	assert_false(access_role_may(ACCESS_OPERATOR, ACCESS_ACT_SEARCH));
	assert_false(access_role_may(ACCESS_ROLE_NONE, ACCESS_ACT_SEARCH));
	assert_false(access_role_may(ACCESS_ADMIN, (enum access_action)99));
}

/* ---- Sign-in and throttling ---------------------------------------------- */

static void test_throttle(void **state)
{
	struct fx *f = *state;
	struct access_user u;
	int64_t delay = -1, t = T0;
	char q[128];
	int i;

	add_user(f, "frank", ACCESS_CLERK, NULL);

	/* Three free failures, then 1 s, 2 s, 4 s ... per attempt. */
	for (i = 0; i < 3; i++) {
		assert_int_equal(access_signin(f->st, "frank", "guess1234567",
		                               "10.1.1.1", t, &u, &delay, &e_),
		                 CR_EPERM);
		assert_int_equal(delay, 0);
		assert_string_equal(e_.msg, "wrong user name or password");
		t += 1000;
	}
	OK(access_throttle_check(f->st, "frank", "10.1.1.1", t, &delay, &e_));
	assert_int_equal(delay, 1000);
	assert_int_equal(access_signin(f->st, "FRANK", "guess1234567",
	                               "10.1.1.1", t, &u, &delay, &e_),
	                 CR_EPERM);
	assert_int_equal(delay, 1000); /* names are folded to lowercase */
	OK(access_throttle_check(f->st, "frank", NULL, t, &delay, &e_));
	assert_int_equal(delay, 2000);
	/* The right password after failures: in, with the delay, and the
	 * count starts again. */
	OK(access_signin(f->st, "frank", PW, "10.1.1.1", t, &u, &delay, &e_));
	assert_int_equal(delay, 2000);
	assert_string_equal(u.name, "frank");
	OK(access_throttle_check(f->st, "frank", NULL, t, &delay, &e_));
	assert_int_equal(delay, 0);

	/* Ten failures within the window lock the name, even for the
	 * right password, until the oldest ages out. */
	for (i = 0; i < ACCESS_THROTTLE_LOCK; i++)
		OK(access_throttle_record(f->st, "frank", NULL, T0 + i * MIN,
		                          &e_));
	t = T0 + 10 * MIN;
	assert_int_equal(
	    access_throttle_check(f->st, "frank", NULL, t, &delay, &e_),
	    CR_ELIMIT);
	assert_int_equal(delay, 5 * MIN); /* the first at T0 expires */
	assert_int_equal(
	    access_signin(f->st, "frank", PW, "10.1.1.1", t, &u, &delay, &e_),
	    CR_ELIMIT);
	assert_int_equal(
	    sql_int(f, "SELECT count(*) FROM audit WHERE user = 'frank' AND"
	               " action = 'signin_failed' AND detail = 'locked out'"),
	    1);
	/* Once the first failure leaves the window: 9 left, a long wait
	 * but no lock. */
	OK(access_throttle_check(f->st, "frank", NULL, T0 + 15 * MIN + 1,
	                         &delay, &e_));
	assert_int_equal(delay, ACCESS_THROTTLE_DELAY_MAX_MS);
	OK(access_signin(f->st, "frank", PW, NULL, T0 + 15 * MIN + 1, &u,
	                 &delay, &e_));

	/* An address that fails on many names is slowed too. */
	for (i = 0; i < ACCESS_THROTTLE_REMOTE_FREE; i++) {
		snprintf(q, sizeof(q), "user%d", i);
		OK(access_throttle_record(f->st, q, "10.9.9.9", T0 + i, &e_));
	}
	OK(access_throttle_check(f->st, "newname", "10.9.9.9", T0 + 100, &delay,
	                         &e_));
	assert_int_equal(delay, 1000);
	OK(access_throttle_check(f->st, "newname", "10.9.9.8", T0 + 100, &delay,
	                         &e_));
	assert_int_equal(delay, 0);

	/* Unknown names are audited as "(unknown)" and the typed name is
	 * never stored in clear (it may be a password). */
	assert_int_equal(access_signin(f->st, "my-secret-pass", "x", "10.2.2.2",
	                               T0, &u, &delay, &e_),
	                 CR_EPERM);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM audit WHERE user ="
	                            " '(unknown)' AND remote = '10.2.2.2' AND"
	                            " outcome = 'denied'"),
	                 1);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM audit WHERE"
	                            " detail LIKE '%secret%' OR user LIKE"
	                            " '%secret%'"),
	                 0);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM signin_failures"
	                            " WHERE name_hash LIKE '%secret%'"),
	                 0);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM audit WHERE user ="
	                            " 'frank' AND action = 'signin' AND"
	                            " outcome = 'allowed'"),
	                 2);
}

/* ---- The audit chain --------------------------------------------------- */

struct found {
	int n;
	enum access_audit_fault fault[16];
	int64_t id[16], first[16], last[16];
};

static int on_problem(void *ctx, const struct access_audit_problem *p)
{
	struct found *fd = ctx;

	if (fd->n < 16) {
		fd->fault[fd->n] = p->fault;
		fd->id[fd->n] = p->id;
		fd->first[fd->n] = p->first_id;
		fd->last[fd->n] = p->last_id;
	}
	fd->n++;
	assert_non_null(p->message);
	assert_true(strlen(p->message) > 10);
	return 0;
}

/* Ten entries, verified intact. */
static void chain10(struct fx *f)
{
	struct access_audit_summary sum;
	struct access_audit e = {0};
	struct found fd = {0};
	int64_t id;
	int i;

	for (i = 1; i <= 10; i++) {
		e.at_ms = T0 + i * 1000;
		e.user = i % 2 ? "alice" : "bob";
		e.action = i % 3 ? "document_view" : "search";
		e.mrn = i % 2 ? MRN_OWN : NULL;
		e.document_id = i;
		e.remote = "127.0.0.1";
		e.allowed = i != 7;
		e.detail = i == 5 ? "via break_glass grant 1" : NULL;
		OK(access_audit_append(f->st, &e, &id, &e_));
		assert_int_equal(id, i);
	}
	OK(access_audit_verify(f->st, on_problem, &fd, &sum, &e_));
	assert_int_equal(fd.n, 0);
	assert_int_equal(sum.entries, 10);
	assert_int_equal(sum.problems, 0);
	assert_int_equal(sum.head_id, 10);
	assert_int_equal(strlen(sum.head_hash), 64);
}

static void verify(struct fx *f, struct found *fd)
{
	struct access_audit_summary sum;

	memset(fd, 0, sizeof(*fd));
	OK(access_audit_verify(f->st, on_problem, fd, &sum, &e_));
	assert_int_equal(sum.problems, fd->n);
}

static int count_entries(void *ctx, const struct access_audit *e)
{
	assert_non_null(e->hash);
	(*(int *)ctx)++;
	return 0;
}

static void test_audit_append(void **state)
{
	struct fx *f = *state;
	struct access_audit e = {0};
	char key[PATH_MAX], big[2000];
	struct stat sb;
	int n = 0;

	/* No key until the first entry; then 0600. */
	snprintf(key, sizeof(key), "%s/audit.key", f->dir);
	assert_int_not_equal(stat(key, &sb), 0);
	chain10(f);
	assert_int_equal(stat(key, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(sb.st_size, 32);

	e.user = "alice";
	e.action = "Search; DROP";
	assert_int_equal(access_audit_append(f->st, &e, NULL, &e_), CR_EINVAL);
	e.action = "search";
	e.user = NULL;
	assert_int_equal(access_audit_append(f->st, &e, NULL, &e_), CR_EINVAL);
	/* Oversized detail is cut, not refused (refusing would refuse the
	 * access). */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	e.user = "alice";
	e.detail = big;
	OK(access_audit_append(f->st, &e, NULL, &e_));
	assert_int_equal(sql_int(f, "SELECT length(detail) FROM audit WHERE"
	                            " id = 11"),
	                 ACCESS_DETAIL_MAX);
	/* ... on a character boundary, and on one line. */
	memset(big, 0, sizeof(big));
	memset(big, 'x', ACCESS_DETAIL_MAX - 1);
	strcat(big, "\xc3\xa9\n"); /* é straddles the cut */
	OK(access_audit_append(f->st, &e, NULL, &e_));
	assert_int_equal(sql_int(f, "SELECT length(CAST(detail AS BLOB)) FROM"
	                            " audit WHERE id = 12"),
	                 ACCESS_DETAIL_MAX - 1);
	e.detail = "two\nlines";
	OK(access_audit_append(f->st, &e, NULL, &e_));
	{
		char d[64];
		sql_text(f, "SELECT detail FROM audit WHERE id = 13", d,
		         sizeof(d));
		assert_string_equal(d, "two?lines");
	}

	/* Triggers refuse edits through SQL. */
	{
		char path[PATH_MAX];
		sqlite3 *db;
		snprintf(path, sizeof(path), "%s/chartroom.db", f->dir);
		assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
		assert_int_not_equal(sqlite3_exec(db,
		                                  "UPDATE audit SET user = 'x'",
		                                  NULL, NULL, NULL),
		                     SQLITE_OK);
		assert_int_not_equal(
		    sqlite3_exec(db, "DELETE FROM audit", NULL, NULL, NULL),
		    SQLITE_OK);
		sqlite3_close(db);
	}

	/* Reading back with filters. */
	{
		struct access_audit_filter fl = {0};
		fl.mrn = MRN_OWN;
		OK(access_audit_each(f->st, &fl, count_entries, &n, &e_));
		assert_int_equal(n, 5);
		memset(&fl, 0, sizeof(fl));
		fl.user = "bob";
		fl.since_ms = T0 + 5000;
		n = 0;
		OK(access_audit_each(f->st, &fl, count_entries, &n, &e_));
		assert_int_equal(n, 3); /* 6, 8, 10 */
	}
}

static int first_id(void *ctx, const struct access_audit *e)
{
	*(int64_t *)ctx = e->id;
	return 1;
}

static void test_audit_newest(void **state)
{
	struct fx *f = *state;
	struct access_audit_filter fl = {0};
	int64_t id = 0;

	chain10(f);
	fl.newest_first = 1;
	fl.limit = 3;
	/* cb's non-zero stops the walk and is returned. */
	assert_int_equal(access_audit_each(f->st, &fl, first_id, &id, &e_), 1);
	assert_int_equal(id, 10);
	fl.before_id = 10;
	assert_int_equal(access_audit_each(f->st, &fl, first_id, &id, &e_), 1);
	assert_int_equal(id, 9);
}

static void test_audit_changed(void **state)
{
	struct fx *f = *state;
	struct found fd;

	chain10(f);
	attack(f, "DROP TRIGGER audit_no_update;"
	          "UPDATE audit SET outcome = 'allowed' WHERE id = 7;");
	verify(f, &fd);
	assert_int_equal(fd.n, 1);
	assert_int_equal(fd.fault[0], ACCESS_FAULT_CHANGED);
	assert_int_equal(fd.id[0], 7);
}

static void test_audit_changed_with_hash(void **state)
{
	struct fx *f = *state;
	struct found fd;

	/* Without the key the attacker can only guess a new hash: a plain
	 * SHA-256 of the fields does not pass. */
	chain10(f);
	attack(f, "DROP TRIGGER audit_no_update;"
	          "UPDATE audit SET user = 'carol', hash = lower(hex("
	          "randomblob(32))) WHERE id = 4;");
	verify(f, &fd);
	assert_int_equal(fd.n, 1);
	assert_int_equal(fd.fault[0], ACCESS_FAULT_CHANGED);
	assert_int_equal(fd.id[0], 4);
}

static void test_audit_deleted(void **state)
{
	struct fx *f = *state;
	struct found fd;

	chain10(f);
	attack(f, "DROP TRIGGER audit_no_delete;"
	          "DELETE FROM audit WHERE id IN (4, 5);");
	verify(f, &fd);
	assert_int_equal(fd.n, 1);
	assert_int_equal(fd.fault[0], ACCESS_FAULT_DELETED);
	assert_int_equal(fd.id[0], 6);
	assert_int_equal(fd.first[0], 4);
	assert_int_equal(fd.last[0], 5);
}

static void test_audit_deleted_renumbered(void **state)
{
	struct fx *f = *state;
	struct found fd;

	chain10(f);
	attack(f, "DROP TRIGGER audit_no_delete; DROP TRIGGER audit_no_update;"
	          "DELETE FROM audit WHERE id = 3;"
	          "UPDATE audit SET id = id - 1 WHERE id > 3;"
	          "UPDATE audit_head SET last_id = 9;");
	verify(f, &fd);
	/* The deletion, where it was; the head edit (without the key). */
	assert_true(fd.n >= 1);
	assert_int_equal(fd.fault[0], ACCESS_FAULT_DELETED);
	assert_int_equal(fd.id[0], 3);
}

static void test_audit_inserted(void **state)
{
	struct fx *f = *state;
	struct found fd;

	/* In the middle: the rows after it moved up one to make room. */
	chain10(f);
	attack(f, "DROP TRIGGER audit_no_update;"
	          "UPDATE audit SET id = id + 1000 WHERE id >= 6;"
	          "UPDATE audit SET id = id - 999 WHERE id >= 1000;"
	          "INSERT INTO audit SELECT 6, at_ms + 1, 'mallory', action,"
	          " mrn, document_id, remote, outcome, detail, prev, hash"
	          " FROM audit WHERE id = 7;");
	verify(f, &fd);
	assert_int_equal(fd.n, 1);
	assert_int_equal(fd.fault[0], ACCESS_FAULT_INSERTED);
	assert_int_equal(fd.id[0], 6);
}

static void test_audit_appended(void **state)
{
	struct fx *f = *state;
	struct found fd;

	/* At the end, linked to the last real entry. */
	chain10(f);
	attack(f, "INSERT INTO audit SELECT 11, at_ms + 1, 'mallory', action,"
	          " mrn, document_id, remote, outcome, detail, hash,"
	          " lower(hex(randomblob(32))) FROM audit WHERE id = 10;");
	verify(f, &fd);
	assert_int_equal(fd.n, 1);
	assert_int_equal(fd.fault[0], ACCESS_FAULT_INSERTED);
	assert_int_equal(fd.id[0], 11);
}

static void test_audit_truncated(void **state)
{
	struct fx *f = *state;
	struct access_audit e = {0};
	struct found fd;

	chain10(f);
	attack(f, "DROP TRIGGER audit_no_delete;"
	          "DELETE FROM audit WHERE id > 7;");
	verify(f, &fd);
	assert_int_equal(fd.n, 1);
	assert_int_equal(fd.fault[0], ACCESS_FAULT_TRUNCATED);
	assert_int_equal(fd.first[0], 8);
	assert_int_equal(fd.last[0], 10);

	/* The next append notices, records it in the chain, and goes on
	 * from the head, so the gap stays visible afterwards. */
	e.user = "alice";
	e.action = "search";
	e.allowed = 1;
	OK(access_audit_append(f->st, &e, NULL, &e_));
	assert_int_equal(sql_int(f, "SELECT count(*) FROM audit WHERE action"
	                            " = 'audit_fault' AND id = 11"),
	                 1);
	verify(f, &fd);
	assert_int_equal(fd.n, 2);
	assert_int_equal(fd.fault[0], ACCESS_FAULT_DELETED);
	assert_int_equal(fd.first[0], 8);
	assert_int_equal(fd.last[0], 10);
	assert_int_equal(fd.fault[1], ACCESS_FAULT_HEAD);
	assert_int_equal(fd.id[1], 11);
}

static void test_audit_head_forged(void **state)
{
	struct fx *f = *state;
	struct found fd;

	/* Cutting the tail and moving the head needs the key too. */
	chain10(f);
	attack(f, "DROP TRIGGER audit_no_delete;"
	          "DELETE FROM audit WHERE id > 8;"
	          "UPDATE audit_head SET last_id = 8, hash ="
	          " (SELECT hash FROM audit WHERE id = 8);");
	verify(f, &fd);
	assert_int_equal(fd.n, 1);
	assert_int_equal(fd.fault[0], ACCESS_FAULT_HEAD);

	/* A missing head under a non-empty log is a finding too. */
	attack(f, "DROP TRIGGER audit_head_no_delete;"
	          "DELETE FROM audit_head;");
	verify(f, &fd);
	assert_int_equal(fd.n, 1);
	assert_int_equal(fd.fault[0], ACCESS_FAULT_HEAD);
}

static void test_audit_key(void **state)
{
	struct fx *f = *state;
	struct access_audit e = {0};
	char key[PATH_MAX], moved[PATH_MAX];
	struct found fd;

	chain10(f);
	snprintf(key, sizeof(key), "%s/audit.key", f->dir);
	snprintf(moved, sizeof(moved), "%s/audit.key.bak", f->tmp);
	assert_int_equal(rename(key, moved), 0);
	verify(f, &fd);
	assert_int_equal(fd.n, 1);
	assert_int_equal(fd.fault[0], ACCESS_FAULT_KEY);
	/* No new key over old entries: appends fail (and so, in the
	 * server, does the access they record). */
	e.user = "alice";
	e.action = "search";
	assert_int_equal(access_audit_append(f->st, &e, NULL, &e_), CR_EIO);
	assert_int_not_equal(access(key, F_OK), 0);
	assert_int_equal(rename(moved, key), 0);
	verify(f, &fd);
	assert_int_equal(fd.n, 0);
}

/* ---- Time -------------------------------------------------------------- */

static void test_time(void **state)
{
	char out[32];
	int64_t ms;

	(void)state;
	assert_int_equal(access_time_parse("2026-11-25", &ms), CR_OK);
	access_time_format(ms, out);
	assert_string_equal(out, "2026-11-25T00:00:00.000Z");
	assert_int_equal(access_time_parse("2026-11-25T14:03:07Z", &ms), CR_OK);
	assert_int_equal(access_time_parse("2026-11-25T14:03:07.123Z", &ms),
	                 CR_OK);
	access_time_format(ms, out);
	assert_string_equal(out, "2026-11-25T14:03:07.123Z");
	assert_int_equal(access_time_parse("2026-02-30", &ms), CR_EINVAL);
	assert_int_equal(access_time_parse("2026-11-25T25:00:00Z", &ms),
	                 CR_EINVAL);
	assert_int_equal(access_time_parse("2026-11-25 14:00", &ms), CR_EINVAL);
	assert_int_equal(access_time_parse("yesterday", &ms), CR_EINVAL);
	assert_int_equal(access_time_parse(NULL, &ms), CR_EINVAL);
	assert_true(access_now_ms() > T0 - 365 * 24 * 60 * MIN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_password, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_disabled, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_session_expiry, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_csrf, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_physician, setup, teardown),
	    cmocka_unit_test(test_role_may),
	    cmocka_unit_test_setup_teardown(test_throttle, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_audit_append, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_audit_newest, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_audit_changed, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_audit_changed_with_hash, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_audit_deleted, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_audit_deleted_renumbered,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_audit_inserted, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_audit_appended, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_audit_truncated, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_audit_head_forged, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_audit_key, setup, teardown),
	    cmocka_unit_test(test_time),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
