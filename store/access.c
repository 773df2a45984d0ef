/*
 * access.c - users, sign-in, throttling, sessions, authorisation and
 * break the glass, over the tables of schema version 3 (store.c).  The
 * audit chain they write to is audit.c.
 *
 * Every secret goes through libsodium: Argon2id for passwords, random
 * bytes for tokens, and BLAKE2b so that the database holds hashes of
 * session tokens and typed user names rather than the things themselves.
 *
 * Changes that must be audited (users, grants) are audited in the same
 * transaction as the change, through access__audit_append_tx(), so one
 * can never commit without the other.
 */
#define _POSIX_C_SOURCE 200809L
#include "access_int.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The hash of a random password nobody knows, with the same limits as
 * real hashes: an unknown name costs the same Argon2id work as a known
 * one, so response time does not tell which names exist. */
static const char dummy_hash[] =
    "$argon2id$v=19$m=65536,t=2,p=1$yU9OQvpCKQyEM4blOR6CqQ$"
    "B851cwne8IRsndPkEeVSlgw2qsIdnHuRmtEYxx0USNU";

/* ---- Small helpers ---------------------------------------------------- */

int access__sodium_ready(struct cr_err *err)
{
	if (sodium_init() < 0)
		return cr_err_set(err, CR_EIO, "libsodium failed to start");
	return CR_OK;
}

/* Run sql with one text (?1) and optional second text (?2) or int (?3)
 * binding to completion. */
static int run1(struct store *st, const char *sql, const char *a, const char *b,
                int64_t n, const char *what, struct cr_err *err)
{
	sqlite3_stmt *stmt = NULL;
	int rc;

	if ((rc = store__prepare(st, sql, &stmt, err)) != CR_OK)
		return rc;
	if (sqlite3_bind_parameter_count(stmt) >= 1)
		store__bind_text(stmt, 1, a);
	if (sqlite3_bind_parameter_count(stmt) >= 2)
		store__bind_text(stmt, 2, b);
	if (sqlite3_bind_parameter_count(stmt) >= 3)
		sqlite3_bind_int64(stmt, 3, n);
	rc = store__step_done(st, stmt, what, err);
	sqlite3_finalize(stmt);
	return rc;
}

int access__printable(const char *s)
{
	const unsigned char *p;

	if (s == NULL)
		return 1;
	for (p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

/* Hex of BLAKE2b-256 of len bytes.  Cannot fail. */
static void blake_hex(const void *data, size_t len, const char *context,
                      char out[65])
{
	unsigned char h[32];
	crypto_generichash_state s;

	crypto_generichash_init(&s, (const unsigned char *)context,
	                        strlen(context), sizeof(h));
	crypto_generichash_update(&s, data, len);
	crypto_generichash_final(&s, h, sizeof(h));
	sodium_bin2hex(out, 65, h, sizeof(h));
}

static void random_hex(char out[ACCESS_TOKEN_HEX + 1])
{
	unsigned char b[ACCESS_TOKEN_HEX / 2];

	randombytes_buf(b, sizeof(b));
	sodium_bin2hex(out, ACCESS_TOKEN_HEX + 1, b, sizeof(b));
	sodium_memzero(b, sizeof(b));
}

/* ---- Time ------------------------------------------------------------ */

int64_t access_now_ms(void)
{
	return cr_wall_ms();
}

void access_time_format(int64_t ms, char out[32])
{
	time_t t = (time_t)(ms / 1000);
	char buf[96]; /* room for any int; real years fit in 32 */
	struct tm tm;
	int frac = (int)(ms % 1000);

	if (frac < 0) {
		frac += 1000;
		t--;
	}
	if (gmtime_r(&t, &tm) == NULL) {
		cr_strlcpy(out, "?", 32);
		return;
	}
	snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
	         tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	         tm.tm_min, tm.tm_sec, frac);
	cr_strlcpy(out, buf, 32);
}

static int digits(const char *s, int n)
{
	int i, v = 0;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

int access_time_parse(const char *s, int64_t *ms)
{
	char day[11];
	struct tm tm;
	int h = 0, mi = 0, se = 0, frac = 0;
	size_t len;
	time_t t;

	if (s == NULL || (len = strlen(s)) < 10)
		return CR_EINVAL;
	memcpy(day, s, 10);
	day[10] = '\0';
	if (!store__valid_date(day))
		return CR_EINVAL;
	if (len > 10) {
		/* THH:MM:SSZ or THH:MM:SS.mmmZ */
		if ((len != 20 && len != 24) || s[10] != 'T' || s[13] != ':' ||
		    s[16] != ':' || s[len - 1] != 'Z')
			return CR_EINVAL;
		h = digits(s + 11, 2);
		mi = digits(s + 14, 2);
		se = digits(s + 17, 2);
		if (len == 24) {
			if (s[19] != '.')
				return CR_EINVAL;
			frac = digits(s + 20, 3);
		}
		if (h < 0 || h > 23 || mi < 0 || mi > 59 || se < 0 || se > 60 ||
		    frac < 0)
			return CR_EINVAL;
	}
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = digits(s, 4) - 1900;
	tm.tm_mon = digits(s + 5, 2) - 1;
	tm.tm_mday = digits(s + 8, 2);
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	t = timegm(&tm);
	*ms = (int64_t)t * 1000 + frac;
	return CR_OK;
}

/* ---- Roles and names --------------------------------------------------- */

static const char *const role_names[] = {"none", "admin", "operator", "clerk",
                                         "physician"};

const char *access_role_name(enum access_role role)
{
	if ((int)role < 0 || (int)role > ACCESS_PHYSICIAN)
		return "none";
	return role_names[role];
}

enum access_role access_role_parse(const char *s)
{
	int i;

	if (s == NULL)
		return ACCESS_ROLE_NONE;
	for (i = ACCESS_ADMIN; i <= ACCESS_PHYSICIAN; i++)
		if (strcmp(s, role_names[i]) == 0)
			return (enum access_role)i;
	return ACCESS_ROLE_NONE;
}

int access_user_name_valid(const char *name)
{
	size_t i, len;

	if (name == NULL || (len = strlen(name)) == 0 || len > ACCESS_NAME_MAX)
		return 0;
	if (name[0] < 'a' || name[0] > 'z')
		return 0;
	for (i = 0; i < len; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-' || c == '@'))
			return 0;
	}
	return 1;
}

/* ---- Users -----------------------------------------------------------------
 */

static int password_check(const char *pw, struct cr_err *err)
{
	size_t len;

	if (pw == NULL)
		return cr_err_set(err, CR_EINVAL, "no password given");
	len = strlen(pw);
	if (len < ACCESS_PASSWORD_MIN)
		return cr_err_set(err, CR_EINVAL,
		                  "the password is too short (at least %d "
		                  "characters)",
		                  ACCESS_PASSWORD_MIN);
	if (len > ACCESS_PASSWORD_MAX)
		return cr_err_set(err, CR_EINVAL,
		                  "the password is too long (at most %d "
		                  "bytes)",
		                  ACCESS_PASSWORD_MAX);
	return CR_OK;
}

/* Argon2id with libsodium's interactive limits (64 MiB, 2 passes):
 * about 0.1 s per sign-in on a small server. */
static int password_hash(const char *pw, char out[crypto_pwhash_STRBYTES],
                         struct cr_err *err)
{
	int rc;

	if ((rc = access__sodium_ready(err)) != CR_OK)
		return rc;
	if (crypto_pwhash_str(out, pw, strlen(pw),
	                      crypto_pwhash_OPSLIMIT_INTERACTIVE,
	                      crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		return cr_err_set(err, CR_ENOMEM,
		                  "out of memory hashing a password");
	return CR_OK;
}

static int user_audit(struct store *st, const char *actor, const char *remote,
                      const char *action, const char *detail,
                      struct cr_err *err)
{
	struct access_audit e = {0};

	e.user = actor;
	e.action = action;
	e.remote = remote;
	e.allowed = 1;
	e.detail = detail;
	return access__audit_append_tx(st, &e, NULL, err);
}

static int actor_check(const char *actor, struct cr_err *err)
{
	if (actor == NULL || actor[0] == '\0' || !access__printable(actor) ||
	    strlen(actor) > ACCESS_NAME_MAX + 8)
		return cr_err_set(err, CR_EINVAL, "no valid actor given");
	return CR_OK;
}

int access_user_add(struct store *st, const char *actor, const char *remote,
                    const char *name, enum access_role role,
                    const char *physician, const char *password,
                    struct cr_err *err)
{
	static const char sql[] =
	    "INSERT INTO users(name, role, physician, pwhash)"
	    " VALUES (?1,?2,?3,?4)";
	char hash[crypto_pwhash_STRBYTES], detail[160];
	sqlite3_stmt *stmt = NULL;
	int rc, own;

	if ((rc = actor_check(actor, err)) != CR_OK)
		return rc;
	if (!access_user_name_valid(name))
		return cr_err_set(err, CR_EINVAL,
		                  "a user name is 1 to %d lowercase letters, "
		                  "digits and . _ - @, starting with a letter",
		                  ACCESS_NAME_MAX);
	if (role < ACCESS_ADMIN || role > ACCESS_PHYSICIAN)
		return cr_err_set(err, CR_EINVAL,
		                  "the role is admin, operator, clerk or "
		                  "physician");
	if (role == ACCESS_PHYSICIAN &&
	    (physician == NULL || physician[0] == '\0' || physician[0] == ' ' ||
	     physician[strlen(physician) - 1] == ' ' ||
	     strlen(physician) > ACCESS_PHYSICIAN_MAX ||
	     !access__printable(physician)))
		return cr_err_set(err, CR_EINVAL,
		                  "a physician needs their physician-of-record "
		                  "name as the roster spells it (1 to %d "
		                  "characters, no leading or trailing space)",
		                  ACCESS_PHYSICIAN_MAX);
	if (role != ACCESS_PHYSICIAN && physician != NULL)
		return cr_err_set(err, CR_EINVAL,
		                  "only a physician has a physician-of-record "
		                  "name");
	if ((rc = password_check(password, err)) != CR_OK)
		return rc;
	if ((rc = password_hash(password, hash, err)) != CR_OK)
		return rc;

	if ((rc = store__tx_begin(st, ACCESS_SP, &own, err)) != CR_OK)
		return rc;
	if ((rc = store__prepare(st, sql, &stmt, err)) != CR_OK)
		goto fail;
	store__bind_text(stmt, 1, name);
	store__bind_text(stmt, 2, access_role_name(role));
	store__bind_text(stmt, 3, role == ACCESS_PHYSICIAN ? physician : NULL);
	store__bind_text(stmt, 4, hash);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_DONE)
		rc = CR_OK;
	else if (sqlite3_extended_errcode(st->db) == SQLITE_CONSTRAINT_UNIQUE)
		rc = cr_err_set(err, CR_EEXIST, "user %s already exists", name);
	else
		rc = store__db_error(st, rc, "cannot add a user", err);
	sqlite3_finalize(stmt);
	if (rc != CR_OK)
		goto fail;
	snprintf(detail, sizeof(detail), "user %s role %s", name,
	         access_role_name(role));
	if ((rc = user_audit(st, actor, remote, ACCESS_AUDIT_USER_ADD, detail,
	                     err)) != CR_OK)
		goto fail;
	if ((rc = store__tx_commit(st, ACCESS_SP, own, err)) != CR_OK)
		goto fail;
	sodium_memzero(hash, sizeof(hash));
	return CR_OK;
fail:
	store__tx_rollback(st, ACCESS_SP, own);
	sodium_memzero(hash, sizeof(hash));
	return rc;
}

static void user_row(sqlite3_stmt *stmt, int c, struct access_user *u)
{
	memset(u, 0, sizeof(*u));
	u->id = sqlite3_column_int64(stmt, c);
	cr_strlcpy(u->name,
	           store__col_text(stmt, c + 1) ? store__col_text(stmt, c + 1)
	                                        : "",
	           sizeof(u->name));
	u->role = access_role_parse(store__col_text(stmt, c + 2));
	cr_strlcpy(u->physician,
	           store__col_text(stmt, c + 3) ? store__col_text(stmt, c + 3)
	                                        : "",
	           sizeof(u->physician));
	u->disabled = sqlite3_column_int(stmt, c + 4) != 0;
	cr_strlcpy(u->created_at,
	           store__col_text(stmt, c + 5) ? store__col_text(stmt, c + 5)
	                                        : "",
	           sizeof(u->created_at));
	cr_strlcpy(u->updated_at,
	           store__col_text(stmt, c + 6) ? store__col_text(stmt, c + 6)
	                                        : "",
	           sizeof(u->updated_at));
}

#define USER_COLS                                                              \
	"u.id, u.name, u.role, u.physician, u.disabled, u.created_at,"         \
	" u.updated_at"

/* Load a user and, when pwhash is not NULL, their hash. */
static int user_load(struct store *st, const char *name,
                     struct access_user *out,
                     char pwhash[crypto_pwhash_STRBYTES], struct cr_err *err)
{
	static const char sql[] =
	    "SELECT " USER_COLS ", u.pwhash FROM users u WHERE u.name = ?1";
	sqlite3_stmt *stmt = NULL;
	int rc;

	if ((rc = store__prepare(st, sql, &stmt, err)) != CR_OK)
		return rc;
	store__bind_text(stmt, 1, name);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		if (out != NULL)
			user_row(stmt, 0, out);
		if (pwhash != NULL)
			cr_strlcpy(pwhash,
			           store__col_text(stmt, 7)
			               ? store__col_text(stmt, 7)
			               : "",
			           crypto_pwhash_STRBYTES);
		rc = CR_OK;
	} else if (rc == SQLITE_DONE) {
		rc = cr_err_set(err, CR_ENOTFOUND, "no user %s",
		                access_user_name_valid(name) ? name
		                                             : "by that name");
	} else {
		rc = store__db_error(st, rc, "cannot look a user up", err);
	}
	sqlite3_finalize(stmt);
	return rc;
}

int access_user_get(struct store *st, const char *name, struct access_user *out,
                    struct cr_err *err)
{
	if (name == NULL)
		return cr_err_set(err, CR_EINVAL, "no user name given");
	return user_load(st, name, out, NULL, err);
}

int access_user_each(struct store *st, access_user_cb cb, void *ctx,
                     struct cr_err *err)
{
	sqlite3_stmt *stmt = NULL;
	struct access_user u;
	int rc;

	rc = store__prepare(st,
	                    "SELECT " USER_COLS " FROM users u ORDER BY u.name",
	                    &stmt, err);
	if (rc != CR_OK)
		return rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		user_row(stmt, 0, &u);
		if ((rc = cb(ctx, &u)) != 0)
			goto out;
	}
	rc = rc == SQLITE_DONE
	         ? CR_OK
	         : store__db_error(st, rc, "cannot list the users", err);
out:
	sqlite3_finalize(stmt);
	return rc;
}

int access_physician_patients(struct store *st, const char *physician,
                              int64_t *count, struct cr_err *err)
{
	sqlite3_stmt *stmt = NULL;
	int rc;

	rc = store__prepare(st,
	                    "SELECT count(*) FROM patients WHERE physician = "
	                    "?1 COLLATE NOCASE",
	                    &stmt, err);
	if (rc != CR_OK)
		return rc;
	store__bind_text(stmt, 1, physician ? physician : "");
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		*count = sqlite3_column_int64(stmt, 0);
		rc = CR_OK;
	} else {
		rc = store__db_error(st, rc, "cannot count patients", err);
	}
	sqlite3_finalize(stmt);
	return rc;
}

static void name_hash(const char *name, char out[65])
{
	blake_hex(name ? name : "", name ? strlen(name) : 0, "chartroom-signin",
	          out);
}

/* The steps every change to an account shares: find it by name, apply
 * sql (?1 = name), end its sessions and audit the change; one
 * transaction. */
static int user_change(struct store *st, const char *actor, const char *remote,
                       const char *name, const char *sql, const char *pwhash,
                       int end_sessions, const char *action, struct cr_err *err)
{
	char detail[96], nh[65];
	struct access_user u;
	int rc, own;

	if ((rc = actor_check(actor, err)) != CR_OK)
		return rc;
	if (name == NULL)
		return cr_err_set(err, CR_EINVAL, "no user name given");
	if ((rc = store__tx_begin(st, ACCESS_SP, &own, err)) != CR_OK)
		return rc;
	if ((rc = user_load(st, name, &u, NULL, err)) != CR_OK)
		goto fail;
	rc = run1(st, sql, name, pwhash, 0, "cannot change a user", err);
	if (rc != CR_OK)
		goto fail;
	if (end_sessions) {
		rc = run1(st, "DELETE FROM sessions WHERE user_id = ?3", NULL,
		          NULL, u.id, "cannot end the user's sessions", err);
		if (rc != CR_OK)
			goto fail;
	}
	if (pwhash != NULL) {
		name_hash(name, nh);
		rc =
		    run1(st, "DELETE FROM signin_failures WHERE name_hash = ?1",
		         nh, NULL, 0, "cannot clear failed sign-ins", err);
		if (rc != CR_OK)
			goto fail;
	}
	snprintf(detail, sizeof(detail), "user %s", name);
	if ((rc = user_audit(st, actor, remote, action, detail, err)))
		goto fail;
	if ((rc = store__tx_commit(st, ACCESS_SP, own, err)) != CR_OK)
		goto fail;
	return CR_OK;
fail:
	store__tx_rollback(st, ACCESS_SP, own);
	return rc;
}

int access_user_passwd(struct store *st, const char *actor, const char *remote,
                       const char *name, const char *password,
                       struct cr_err *err)
{
	char hash[crypto_pwhash_STRBYTES];
	int rc;

	if ((rc = password_check(password, err)) != CR_OK)
		return rc;
	if ((rc = password_hash(password, hash, err)) != CR_OK)
		return rc;
	rc = user_change(st, actor, remote, name,
	                 "UPDATE users SET pwhash = ?2, updated_at = "
	                 "strftime('%Y-%m-%dT%H:%M:%SZ','now') WHERE name = ?1",
	                 hash, 1, ACCESS_AUDIT_USER_PASSWD, err);
	sodium_memzero(hash, sizeof(hash));
	return rc;
}

int access_user_disable(struct store *st, const char *actor, const char *remote,
                        const char *name, struct cr_err *err)
{
	return user_change(st, actor, remote, name,
	                   "UPDATE users SET disabled = 1, updated_at = "
	                   "strftime('%Y-%m-%dT%H:%M:%SZ','now') WHERE name = "
	                   "?1",
	                   NULL, 1, ACCESS_AUDIT_USER_DISABLE, err);
}

int access_user_enable(struct store *st, const char *actor, const char *remote,
                       const char *name, struct cr_err *err)
{
	return user_change(st, actor, remote, name,
	                   "UPDATE users SET disabled = 0, updated_at = "
	                   "strftime('%Y-%m-%dT%H:%M:%SZ','now') WHERE name = "
	                   "?1",
	                   NULL, 0, ACCESS_AUDIT_USER_ENABLE, err);
}

int access_user_verify(struct store *st, const char *name, const char *password,
                       struct access_user *out, const char **why,
                       struct cr_err *err)
{
	char hash[crypto_pwhash_STRBYTES];
	struct access_user u;
	int rc, known = 0, ok;

	if (why != NULL)
		*why = "unknown user";
	if ((rc = access__sodium_ready(err)) != CR_OK)
		return rc;
	if (password == NULL)
		password = "";
	if (access_user_name_valid(name)) {
		rc = user_load(st, name, &u, hash, err);
		if (rc == CR_OK)
			known = 1;
		else if (rc != CR_ENOTFOUND)
			return rc;
	}
	/* Always one Argon2id verification, against the dummy when the
	 * name is unknown or the password absurdly long. */
	if (!known || strlen(password) > ACCESS_PASSWORD_MAX)
		cr_strlcpy(hash, dummy_hash, sizeof(hash));
	ok = crypto_pwhash_str_verify(
	         hash, password, strnlen(password, ACCESS_PASSWORD_MAX)) == 0;
	sodium_memzero(hash, sizeof(hash));
	if (!known)
		return cr_err_set(err, CR_EPERM, "wrong user name or password");
	if (!ok || strlen(password) > ACCESS_PASSWORD_MAX) {
		if (why != NULL)
			*why = "wrong password";
		return cr_err_set(err, CR_EPERM, "wrong user name or password");
	}
	if (u.disabled) {
		if (why != NULL)
			*why = "disabled";
		return cr_err_set(err, CR_EPERM, "wrong user name or password");
	}
	if (out != NULL)
		*out = u;
	if (why != NULL)
		*why = NULL;
	return CR_OK;
}

/* ---- Throttling ---------------------------------------------------------- */

/* Failures since since_ms for one key column, and when the k-th oldest
 * of them happened (*kth, when there are at least k). */
static int failures(struct store *st, const char *col, const char *value,
                    int64_t since_ms, int k, int64_t *n, int64_t *kth,
                    struct cr_err *err)
{
	sqlite3_stmt *stmt = NULL;
	char sql[200];
	int rc;

	*n = 0;
	*kth = 0;
	snprintf(sql, sizeof(sql),
	         "SELECT count(*), (SELECT at_ms FROM signin_failures WHERE"
	         " %s = ?1 AND at_ms > ?2 ORDER BY at_ms LIMIT 1 OFFSET ?3)"
	         " FROM signin_failures WHERE %s = ?1 AND at_ms > ?2",
	         col, col);
	if ((rc = store__prepare(st, sql, &stmt, err)) != CR_OK)
		return rc;
	store__bind_text(stmt, 1, value);
	sqlite3_bind_int64(stmt, 2, since_ms);
	sqlite3_bind_int(stmt, 3, k > 0 ? k - 1 : 0);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		*n = sqlite3_column_int64(stmt, 0);
		*kth = sqlite3_column_int64(stmt, 1);
		rc = CR_OK;
	} else {
		rc = store__db_error(st, rc, "cannot count failed sign-ins",
		                     err);
	}
	sqlite3_finalize(stmt);
	return rc;
}

static int64_t backoff_ms(int64_t n, int free_n)
{
	int64_t d;

	if (n < free_n)
		return 0;
	if (n - free_n >= 15)
		return ACCESS_THROTTLE_DELAY_MAX_MS;
	d = (int64_t)1000 << (n - free_n);
	return d < ACCESS_THROTTLE_DELAY_MAX_MS ? d
	                                        : ACCESS_THROTTLE_DELAY_MAX_MS;
}

static void fold_name(const char *in, char out[ACCESS_NAME_MAX + 2])
{
	size_t i;

	/* A name too long to be valid stays too long (one extra byte),
	 * so it is still throttled as itself and never matches a user. */
	for (i = 0; in != NULL && in[i] && i < ACCESS_NAME_MAX + 1; i++)
		out[i] =
		    (in[i] >= 'A' && in[i] <= 'Z') ? in[i] - 'A' + 'a' : in[i];
	out[i] = '\0';
}

int access_throttle_check(struct store *st, const char *name,
                          const char *remote, int64_t now_ms, int64_t *delay_ms,
                          struct cr_err *err)
{
	int64_t since = now_ms - ACCESS_THROTTLE_WINDOW_MS, n, kth, d = 0;
	char folded[ACCESS_NAME_MAX + 2], nh[65];
	int rc;

	if (delay_ms != NULL)
		*delay_ms = 0;
	fold_name(name, folded);
	name_hash(folded, nh);
	rc = failures(st, "name_hash", nh, since, 1, &n, &kth, err);
	if (rc != CR_OK)
		return rc;
	if (n >= ACCESS_THROTTLE_LOCK) {
		/* Locked until enough failures age out of the window. */
		rc = failures(st, "name_hash", nh, since,
		              (int)(n - ACCESS_THROTTLE_LOCK + 1), &n, &kth,
		              err);
		if (rc != CR_OK)
			return rc;
		if (delay_ms != NULL)
			*delay_ms = kth + ACCESS_THROTTLE_WINDOW_MS - now_ms;
		return cr_err_set(err, CR_ELIMIT,
		                  "too many failed sign-ins for this name; "
		                  "try again later");
	}
	d = backoff_ms(n, ACCESS_THROTTLE_FREE);
	if (remote != NULL && remote[0] != '\0') {
		rc = failures(st, "remote", remote, since, 1, &n, &kth, err);
		if (rc != CR_OK)
			return rc;
		if (n >= ACCESS_THROTTLE_REMOTE_LOCK) {
			rc =
			    failures(st, "remote", remote, since,
			             (int)(n - ACCESS_THROTTLE_REMOTE_LOCK + 1),
			             &n, &kth, err);
			if (rc != CR_OK)
				return rc;
			if (delay_ms != NULL)
				*delay_ms =
				    kth + ACCESS_THROTTLE_WINDOW_MS - now_ms;
			return cr_err_set(err, CR_ELIMIT,
			                  "too many failed sign-ins from %s; "
			                  "try again later",
			                  remote);
		}
		if (backoff_ms(n, ACCESS_THROTTLE_REMOTE_FREE) > d)
			d = backoff_ms(n, ACCESS_THROTTLE_REMOTE_FREE);
	}
	if (delay_ms != NULL)
		*delay_ms = d;
	return CR_OK;
}

int access_throttle_record(struct store *st, const char *name,
                           const char *remote, int64_t now_ms,
                           struct cr_err *err)
{
	char folded[ACCESS_NAME_MAX + 2], nh[65], r[ACCESS_REMOTE_MAX + 1];
	int rc;

	fold_name(name, folded);
	name_hash(folded, nh);
	if (remote != NULL)
		cr_strlcpy(r, remote, sizeof(r));
	rc = run1(st,
	          "INSERT INTO signin_failures(name_hash, remote, at_ms)"
	          " VALUES (?1, ?2, ?3)",
	          nh, remote ? r : NULL, now_ms,
	          "cannot record a failed sign-in", err);
	if (rc != CR_OK)
		return rc;
	/* Keep the table small: what is out of the window counts no more
	 * (the audit log keeps the history). */
	return run1(st, "DELETE FROM signin_failures WHERE at_ms <= ?3", NULL,
	            NULL, now_ms - ACCESS_THROTTLE_WINDOW_MS,
	            "cannot purge failed sign-ins", err);
}

static int signin_audit(struct store *st, const char *user, const char *remote,
                        const char *action, int allowed, const char *detail,
                        int64_t now_ms, struct cr_err *err)
{
	struct access_audit e = {0};

	e.at_ms = now_ms;
	e.user = user;
	e.action = action;
	e.remote = remote;
	e.allowed = allowed;
	e.detail = detail;
	return access_audit_append(st, &e, NULL, err);
}

int access_signin(struct store *st, const char *name, const char *password,
                  const char *remote, int64_t now_ms, struct access_user *out,
                  int64_t *delay_ms, struct cr_err *err)
{
	char folded[ACCESS_NAME_MAX + 2], nh[65],
	    newhash[crypto_pwhash_STRBYTES];
	char pwhash[crypto_pwhash_STRBYTES], detail[64];
	const char *why = NULL, *who;
	struct access_user u;
	struct cr_err e2;
	int64_t delay = 0;
	int rc;

	*delay_ms = 0;
	fold_name(name, folded);
	who = access_user_name_valid(folded) ? folded : "(unknown)";
	rc = access_throttle_check(st, folded, remote, now_ms, &delay, &e2);
	if (rc == CR_ELIMIT) {
		*delay_ms = delay;
		/* A name that is not a user is still "(unknown)" here. */
		if (access_user_get(st, folded, NULL, NULL) != CR_OK)
			who = "(unknown)";
		rc = signin_audit(st, who, remote, ACCESS_AUDIT_SIGNIN_FAILED,
		                  0, "locked out", now_ms, err);
		if (rc != CR_OK)
			return rc;
		return cr_err_set(err, CR_ELIMIT, "%s", e2.msg);
	}
	if (rc != CR_OK && err != NULL)
		*err = e2;
	if (rc != CR_OK)
		return rc;
	*delay_ms = delay;

	rc = access_user_verify(st, folded, password, &u, &why, &e2);
	if (rc != CR_OK && rc != CR_EPERM && err != NULL)
		*err = e2;
	if (rc == CR_EPERM) {
		if (strcmp(why, "unknown user") == 0)
			who = "(unknown)";
		snprintf(detail, sizeof(detail), "%s", why);
		if ((rc = access_throttle_record(st, folded, remote, now_ms,
		                                 err)) != CR_OK)
			return rc;
		rc = signin_audit(st, who, remote, ACCESS_AUDIT_SIGNIN_FAILED,
		                  0, detail, now_ms, err);
		if (rc != CR_OK)
			return rc;
		return cr_err_set(err, CR_EPERM, "%s", e2.msg);
	}
	if (rc != CR_OK)
		return rc;

	name_hash(folded, nh);
	rc = run1(st, "DELETE FROM signin_failures WHERE name_hash = ?1", nh,
	          NULL, 0, "cannot clear failed sign-ins", err);
	if (rc != CR_OK)
		return rc;
	rc = signin_audit(st, u.name, remote, ACCESS_AUDIT_SIGNIN, 1, NULL,
	                  now_ms, err);
	if (rc != CR_OK)
		return rc;
	/* Hashes made under weaker limits are brought up to date while
	 * the password is at hand.  Failure here is not the user's
	 * problem: the old hash still works. */
	if (user_load(st, u.name, NULL, pwhash, NULL) == CR_OK &&
	    crypto_pwhash_str_needs_rehash(
	        pwhash, crypto_pwhash_OPSLIMIT_INTERACTIVE,
	        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0 &&
	    password_hash(password, newhash, NULL) == CR_OK) {
		run1(st, "UPDATE users SET pwhash = ?2 WHERE name = ?1", u.name,
		     newhash, 0, "rehash", NULL);
		sodium_memzero(newhash, sizeof(newhash));
	}
	sodium_memzero(pwhash, sizeof(pwhash));
	if (out != NULL)
		*out = u;
	return CR_OK;
}

/* ---- Sessions ---------------------------------------------------------- */

/* BLAKE2b of the token's bytes; CR_ENOTFOUND for anything that is not
 * 64 lowercase hex digits. */
static int token_hash(const char *token, char out[65])
{
	unsigned char b[ACCESS_TOKEN_HEX / 2];
	size_t i, blen = 0;

	if (token == NULL || strlen(token) != ACCESS_TOKEN_HEX)
		return CR_ENOTFOUND;
	for (i = 0; i < ACCESS_TOKEN_HEX; i++)
		if (!((token[i] >= '0' && token[i] <= '9') ||
		      (token[i] >= 'a' && token[i] <= 'f')))
			return CR_ENOTFOUND;
	if (sodium_hex2bin(b, sizeof(b), token, ACCESS_TOKEN_HEX, NULL, &blen,
	                   NULL) != 0 ||
	    blen != sizeof(b))
		return CR_ENOTFOUND;
	blake_hex(b, sizeof(b), "chartroom-session", out);
	sodium_memzero(b, sizeof(b));
	return CR_OK;
}

int access_session_create(struct store *st, const struct access_user *u,
                          const char *remote, int64_t now_ms,
                          char token[ACCESS_TOKEN_HEX + 1],
                          struct access_session *out, struct cr_err *err)
{
	static const char sql[] =
	    "INSERT INTO sessions(token_hash, user_id, csrf, remote,"
	    " created_ms, seen_ms) VALUES (?1,?2,?3,?4,?5,?5)";
	char th[65], csrf[ACCESS_TOKEN_HEX + 1], r[ACCESS_REMOTE_MAX + 1] = "";
	sqlite3_stmt *stmt = NULL;
	int rc;

	if (u == NULL || u->id <= 0 || u->disabled)
		return cr_err_set(err, CR_EPERM,
		                  "no session for a missing or disabled user");
	if ((rc = access__sodium_ready(err)) != CR_OK)
		return rc;
	random_hex(token);
	random_hex(csrf);
	if (token_hash(token, th) != CR_OK)
		return cr_err_set(err, CR_EINVAL, "bad session token");
	if (remote != NULL)
		cr_strlcpy(r, remote, sizeof(r));
	if ((rc = store__prepare(st, sql, &stmt, err)) != CR_OK)
		return rc;
	store__bind_text(stmt, 1, th);
	sqlite3_bind_int64(stmt, 2, u->id);
	store__bind_text(stmt, 3, csrf);
	store__bind_text(stmt, 4, remote ? r : NULL);
	sqlite3_bind_int64(stmt, 5, now_ms);
	rc = store__step_done(st, stmt, "cannot create a session", err);
	sqlite3_finalize(stmt);
	if (rc != CR_OK) {
		sodium_memzero(token, ACCESS_TOKEN_HEX + 1);
		token[0] = '\0';
		return rc;
	}
	if (out != NULL) {
		memset(out, 0, sizeof(*out));
		out->user = *u;
		cr_strlcpy(out->csrf, csrf, sizeof(out->csrf));
		out->created_ms = now_ms;
		out->seen_ms = now_ms;
		cr_strlcpy(out->remote, r, sizeof(out->remote));
	}
	return CR_OK;
}

#define ACCESS_TOUCH_MS 30000

int access_session_get(struct store *st, const char *token, int64_t now_ms,
                       int64_t idle_ms, struct access_session *out,
                       struct cr_err *err)
{
	static const char sql[] =
	    "SELECT " USER_COLS ", s.csrf, s.remote, s.created_ms, s.seen_ms"
	    " FROM sessions s JOIN users u ON u.id = s.user_id"
	    " WHERE s.token_hash = ?1";
	struct access_session s;
	sqlite3_stmt *stmt = NULL;
	char th[65];
	int rc, dead;

	if (idle_ms <= 0)
		idle_ms = ACCESS_IDLE_DEFAULT_MS;
	if (token_hash(token, th) != CR_OK)
		return cr_err_set(err, CR_ENOTFOUND, "no such session");
	if ((rc = store__prepare(st, sql, &stmt, err)) != CR_OK)
		return rc;
	store__bind_text(stmt, 1, th);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_DONE) {
		sqlite3_finalize(stmt);
		return cr_err_set(err, CR_ENOTFOUND, "no such session");
	}
	if (rc != SQLITE_ROW) {
		rc = store__db_error(st, rc, "cannot look a session up", err);
		sqlite3_finalize(stmt);
		return rc;
	}
	memset(&s, 0, sizeof(s));
	user_row(stmt, 0, &s.user);
	cr_strlcpy(s.csrf,
	           store__col_text(stmt, 7) ? store__col_text(stmt, 7) : "",
	           sizeof(s.csrf));
	cr_strlcpy(s.remote,
	           store__col_text(stmt, 8) ? store__col_text(stmt, 8) : "",
	           sizeof(s.remote));
	s.created_ms = sqlite3_column_int64(stmt, 9);
	s.seen_ms = sqlite3_column_int64(stmt, 10);
	sqlite3_finalize(stmt);

	dead = s.user.disabled || now_ms - s.seen_ms > idle_ms;
	if (dead) {
		rc = run1(st, "DELETE FROM sessions WHERE token_hash = ?1", th,
		          NULL, 0, "cannot end a session", err);
		if (rc != CR_OK)
			return rc;
		return cr_err_set(err, CR_ENOTFOUND, "no such session");
	}
	/* Touch only when the last touch is older than ACCESS_TOUCH_MS:
	 * every write is an fsynced commit, and a request per click would
	 * double them (measured: half of a document view's time); idle
	 * expiry is then exact to within that much. */
	if (now_ms - s.seen_ms >= ACCESS_TOUCH_MS) {
		rc = run1(st,
		          "UPDATE sessions SET seen_ms = ?3 WHERE token_hash "
		          "= ?1",
		          th, NULL, now_ms, "cannot touch a session", err);
		if (rc != CR_OK)
			return rc;
		s.seen_ms = now_ms;
	}
	if (out != NULL)
		*out = s;
	return CR_OK;
}

int access_session_csrf_ok(const struct access_session *s, const char *csrf)
{
	if (s == NULL || csrf == NULL || strlen(csrf) != ACCESS_TOKEN_HEX ||
	    strlen(s->csrf) != ACCESS_TOKEN_HEX)
		return 0;
	return sodium_memcmp(s->csrf, csrf, ACCESS_TOKEN_HEX) == 0;
}

int access_session_delete(struct store *st, const char *token,
                          struct cr_err *err)
{
	char th[65];

	if (token_hash(token, th) != CR_OK)
		return CR_OK;
	return run1(st, "DELETE FROM sessions WHERE token_hash = ?1", th, NULL,
	            0, "cannot end a session", err);
}

int access_session_purge(struct store *st, int64_t now_ms, int64_t idle_ms,
                         int64_t *n, struct cr_err *err)
{
	int rc;

	if (idle_ms <= 0)
		idle_ms = ACCESS_IDLE_DEFAULT_MS;
	rc = run1(st, "DELETE FROM sessions WHERE seen_ms < ?3", NULL, NULL,
	          now_ms - idle_ms, "cannot purge sessions", err);
	if (rc == CR_OK && n != NULL)
		*n = sqlite3_changes(st->db);
	return rc;
}

/* ---- Authorisation ----------------------------------------------------- */

int access_role_may(enum access_role role, enum access_action action)
{
	switch (action) {
	case ACCESS_ACT_SEARCH:
	case ACCESS_ACT_EXPORT:
		return role == ACCESS_ADMIN || role == ACCESS_CLERK ||
		       role == ACCESS_PHYSICIAN;
	case ACCESS_ACT_REVIEW_VIEW:
	case ACCESS_ACT_REVIEW_DECIDE:
		return role == ACCESS_ADMIN || role == ACCESS_OPERATOR;
	case ACCESS_ACT_REFILE:
		return role == ACCESS_ADMIN || role == ACCESS_CLERK;
	case ACCESS_ACT_USER_ADMIN:
	case ACCESS_ACT_AUDIT_VIEW:
		return role == ACCESS_ADMIN;
	case ACCESS_ACT_BREAK_GLASS:
		return role == ACCESS_PHYSICIAN;
	}
	return 0;
}

/* An unexpired grant of u for mrn: 1 with *id, 0, or an error. */
static int glass_active(struct store *st, int64_t user_id, const char *mrn,
                        int64_t now_ms, int64_t *id, struct cr_err *err)
{
	sqlite3_stmt *stmt = NULL;
	int rc;

	rc = store__prepare(st,
	                    "SELECT id FROM glass WHERE user_id = ?1 AND mrn = "
	                    "?2 AND granted_ms <= ?3 AND expires_ms > ?3"
	                    " ORDER BY expires_ms DESC LIMIT 1",
	                    &stmt, err);
	if (rc != CR_OK)
		return rc;
	sqlite3_bind_int64(stmt, 1, user_id);
	store__bind_text(stmt, 2, mrn);
	sqlite3_bind_int64(stmt, 3, now_ms);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(stmt, 0);
		rc = 1;
	} else if (rc == SQLITE_DONE) {
		rc = 0;
	} else {
		rc = store__db_error(st, rc, "cannot read the grants", err);
	}
	sqlite3_finalize(stmt);
	return rc;
}

int access_patient_allowed(struct store *st, const struct access_user *u,
                           const char *mrn, int64_t now_ms,
                           enum access_via *via, int64_t *grant_id,
                           struct cr_err *err)
{
	sqlite3_stmt *stmt = NULL;
	int64_t gid = 0;
	int rc;

	if (via != NULL)
		*via = ACCESS_VIA_NONE;
	if (grant_id != NULL)
		*grant_id = 0;
	if (u == NULL || u->disabled || mrn == NULL)
		return cr_err_set(err, CR_EPERM, "not allowed");
	switch (u->role) {
	case ACCESS_ADMIN:
	case ACCESS_CLERK:
		if (via != NULL)
			*via = ACCESS_VIA_ROLE;
		return CR_OK;
	case ACCESS_PHYSICIAN:
		break;
	default:
		return cr_err_set(err, CR_EPERM,
		                  "role %s does not open patient charts",
		                  access_role_name(u->role));
	}
	if (u->physician[0] != '\0') {
		rc = store__prepare(st,
		                    "SELECT 1 FROM patients WHERE mrn = ?1 AND "
		                    "physician = ?2 COLLATE NOCASE",
		                    &stmt, err);
		if (rc != CR_OK)
			return rc;
		store__bind_text(stmt, 1, mrn);
		store__bind_text(stmt, 2, u->physician);
		rc = sqlite3_step(stmt);
		sqlite3_finalize(stmt);
		if (rc == SQLITE_ROW) {
			if (via != NULL)
				*via = ACCESS_VIA_PHYSICIAN;
			return CR_OK;
		}
		if (rc != SQLITE_DONE)
			return store__db_error(st, rc, "cannot read the roster",
			                       err);
	}
	rc = glass_active(st, u->id, mrn, now_ms, &gid, err);
	if (rc < 0)
		return rc;
	if (rc == 1) {
		if (via != NULL)
			*via = ACCESS_VIA_GLASS;
		if (grant_id != NULL)
			*grant_id = gid;
		return CR_OK;
	}
	return cr_err_set(err, CR_EPERM,
	                  "user %s is not this patient's physician of record",
	                  u->name);
}

int access_document_allowed(struct store *st, const struct access_user *u,
                            int64_t id, int64_t now_ms, enum access_via *via,
                            int64_t *grant_id, char **mrn_out,
                            struct cr_err *err)
{
	sqlite3_stmt *stmt = NULL;
	char *mrn = NULL, status[16] = "";
	int rc;

	if (via != NULL)
		*via = ACCESS_VIA_NONE;
	if (grant_id != NULL)
		*grant_id = 0;
	if (mrn_out != NULL)
		*mrn_out = NULL;
	if (u == NULL || u->disabled)
		return cr_err_set(err, CR_EPERM, "not allowed");
	rc = store__prepare(
	    st, "SELECT status, patient_mrn FROM documents WHERE id = ?1",
	    &stmt, err);
	if (rc != CR_OK)
		return rc;
	sqlite3_bind_int64(stmt, 1, id);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		cr_strlcpy(status,
		           store__col_text(stmt, 0) ? store__col_text(stmt, 0)
		                                    : "",
		           sizeof(status));
		if (store__col_text(stmt, 1) != NULL &&
		    (mrn = strdup(store__col_text(stmt, 1))) == NULL)
			rc = cr_err_set(err, CR_ENOMEM, "out of memory");
		else
			rc = CR_OK;
	} else if (rc == SQLITE_DONE) {
		rc = cr_err_set(err, CR_ENOTFOUND, "no document %lld",
		                (long long)id);
	} else {
		rc = store__db_error(st, rc, "cannot look a document up", err);
	}
	sqlite3_finalize(stmt);
	if (rc != CR_OK)
		return rc;

	switch (u->role) {
	case ACCESS_ADMIN:
	case ACCESS_CLERK:
		if (via != NULL)
			*via = ACCESS_VIA_ROLE;
		break;
	case ACCESS_OPERATOR:
		if (strcmp(status, "filed") == 0)
			rc = cr_err_set(err, CR_EPERM,
			                "document %lld is filed; operators "
			                "see the review queue only",
			                (long long)id);
		else if (via != NULL)
			*via = ACCESS_VIA_ROLE;
		break;
	case ACCESS_PHYSICIAN:
		if (mrn == NULL || strcmp(status, "filed") != 0)
			rc = cr_err_set(err, CR_EPERM,
			                "document %lld is not filed to a "
			                "patient",
			                (long long)id);
		else
			rc = access_patient_allowed(st, u, mrn, now_ms, via,
			                            grant_id, err);
		break;
	default:
		rc = cr_err_set(err, CR_EPERM, "not allowed");
	}
	if (rc == CR_OK && mrn_out != NULL)
		*mrn_out = mrn;
	else
		free(mrn);
	return rc;
}

/* ---- Break the glass ----------------------------------------------------- */

int access_glass_grant(struct store *st, const struct access_user *u,
                       const char *mrn, const char *reason, const char *remote,
                       int64_t now_ms, int64_t duration_ms, int64_t *grant_id,
                       struct cr_err *err)
{
	static const char sql[] =
	    "INSERT INTO glass(user_id, mrn, reason, remote, granted_ms,"
	    " expires_ms) VALUES (?1,?2,?3,?4,?5,?6)";
	struct access_audit e = {0};
	char detail[128], until[32], r[ACCESS_REMOTE_MAX + 1] = "";
	struct access_user cur;
	sqlite3_stmt *stmt = NULL;
	size_t rlen;
	int64_t id;
	int rc, own;

	if (u == NULL)
		return cr_err_set(err, CR_EPERM, "not allowed");
	if (duration_ms <= 0)
		duration_ms = ACCESS_GLASS_DEFAULT_MS;
	rlen = reason != NULL ? strlen(reason) : 0;
	if (rlen < ACCESS_REASON_MIN || rlen > ACCESS_REASON_MAX ||
	    !access__printable(reason))
		return cr_err_set(err, CR_EINVAL,
		                  "breaking the glass needs a reason of %d to "
		                  "%d characters on one line",
		                  ACCESS_REASON_MIN, ACCESS_REASON_MAX);
	if (mrn == NULL || mrn[0] == '\0')
		return cr_err_set(err, CR_EINVAL, "no patient given");
	if (remote != NULL)
		cr_strlcpy(r, remote, sizeof(r));

	if ((rc = store__tx_begin(st, ACCESS_SP, &own, err)) != CR_OK)
		return rc;
	/* The caller's copy of the user may be minutes old: ask the
	 * database whether they are still an enabled physician. */
	rc = user_load(st, u->name, &cur, NULL, err);
	if (rc == CR_OK &&
	    (cur.id != u->id || cur.disabled || cur.role != ACCESS_PHYSICIAN))
		rc = cr_err_set(err, CR_EPERM,
		                "only an enabled physician may break the "
		                "glass");
	else if (rc == CR_ENOTFOUND)
		rc = cr_err_set(err, CR_EPERM, "not allowed");
	if (rc != CR_OK)
		goto fail;
	rc = store__exists(st, "SELECT 1 FROM patients WHERE mrn = ?1", 0, mrn,
	                   err);
	if (rc == 0)
		rc = cr_err_set(err, CR_ENOTFOUND, "no patient with that MRN");
	if (rc < 0)
		goto fail;
	if ((rc = store__prepare(st, sql, &stmt, err)) != CR_OK)
		goto fail;
	sqlite3_bind_int64(stmt, 1, u->id);
	store__bind_text(stmt, 2, mrn);
	store__bind_text(stmt, 3, reason);
	store__bind_text(stmt, 4, remote ? r : NULL);
	sqlite3_bind_int64(stmt, 5, now_ms);
	sqlite3_bind_int64(stmt, 6, now_ms + duration_ms);
	rc = store__step_done(st, stmt, "cannot record the grant", err);
	sqlite3_finalize(stmt);
	if (rc != CR_OK)
		goto fail;
	id = sqlite3_last_insert_rowid(st->db);
	access_time_format(now_ms + duration_ms, until);
	snprintf(detail, sizeof(detail), "grant %lld until %s", (long long)id,
	         until);
	e.at_ms = now_ms;
	e.user = u->name;
	e.action = ACCESS_AUDIT_BREAK_GLASS;
	e.mrn = mrn;
	e.remote = remote;
	e.allowed = 1;
	e.detail = detail;
	if ((rc = access__audit_append_tx(st, &e, NULL, err)) != CR_OK)
		goto fail;
	if ((rc = store__tx_commit(st, ACCESS_SP, own, err)) != CR_OK)
		goto fail;
	if (grant_id != NULL)
		*grant_id = id;
	return CR_OK;
fail:
	store__tx_rollback(st, ACCESS_SP, own);
	return rc;
}

int access_glass_each(struct store *st, int64_t since_ms, int unreviewed_only,
                      access_glass_cb cb, void *ctx, struct cr_err *err)
{
	struct access_glass g;
	sqlite3_stmt *stmt = NULL;
	int rc;

	rc = store__prepare(
	    st,
	    unreviewed_only
	        ? "SELECT g.id, u.name, g.mrn, g.reason, g.remote,"
	          " g.granted_ms, g.expires_ms, g.reviewed_by, g.reviewed_ms"
	          " FROM glass g JOIN users u ON u.id = g.user_id"
	          " WHERE g.granted_ms >= ?1 AND g.reviewed_by IS NULL"
	          " ORDER BY g.id DESC"
	        : "SELECT g.id, u.name, g.mrn, g.reason, g.remote,"
	          " g.granted_ms, g.expires_ms, g.reviewed_by, g.reviewed_ms"
	          " FROM glass g JOIN users u ON u.id = g.user_id"
	          " WHERE g.granted_ms >= ?1 ORDER BY g.id DESC",
	    &stmt, err);
	if (rc != CR_OK)
		return rc;
	sqlite3_bind_int64(stmt, 1, since_ms);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		g.id = sqlite3_column_int64(stmt, 0);
		g.user = store__col_text(stmt, 1);
		g.mrn = store__col_text(stmt, 2);
		g.reason = store__col_text(stmt, 3);
		g.remote = store__col_text(stmt, 4);
		g.granted_ms = sqlite3_column_int64(stmt, 5);
		g.expires_ms = sqlite3_column_int64(stmt, 6);
		g.reviewed_by = store__col_text(stmt, 7);
		g.reviewed_ms = sqlite3_column_int64(stmt, 8);
		if ((rc = cb(ctx, &g)) != 0)
			goto out;
	}
	rc = rc == SQLITE_DONE
	         ? CR_OK
	         : store__db_error(st, rc, "cannot read the grants", err);
out:
	sqlite3_finalize(stmt);
	return rc;
}

int access_glass_review(struct store *st, const char *actor, const char *remote,
                        int64_t id, int64_t now_ms, struct cr_err *err)
{
	struct access_audit e = {0};
	sqlite3_stmt *stmt = NULL;
	char detail[48];
	int rc, own;

	if ((rc = actor_check(actor, err)) != CR_OK)
		return rc;
	if ((rc = store__tx_begin(st, ACCESS_SP, &own, err)) != CR_OK)
		return rc;
	rc = store__exists(st, "SELECT 1 FROM glass WHERE id = ?1", id, NULL,
	                   err);
	if (rc == 0)
		rc = cr_err_set(err, CR_ENOTFOUND, "no grant %lld",
		                (long long)id);
	if (rc < 0)
		goto fail;
	if ((rc = store__prepare(st,
	                         "UPDATE glass SET reviewed_by = ?1,"
	                         " reviewed_ms = ?3 WHERE id = ?2 AND"
	                         " reviewed_by IS NULL",
	                         &stmt, err)) != CR_OK)
		goto fail;
	store__bind_text(stmt, 1, actor);
	sqlite3_bind_int64(stmt, 2, id);
	sqlite3_bind_int64(stmt, 3, now_ms);
	rc = store__step_done(st, stmt, "cannot mark a grant reviewed", err);
	sqlite3_finalize(stmt);
	if (rc != CR_OK)
		goto fail;
	snprintf(detail, sizeof(detail), "grant %lld", (long long)id);
	e.at_ms = now_ms;
	e.user = actor;
	e.action = ACCESS_AUDIT_BREAK_GLASS_REVIEW;
	e.remote = remote;
	e.allowed = 1;
	e.detail = detail;
	if ((rc = access__audit_append_tx(st, &e, NULL, err)) != CR_OK)
		goto fail;
	if ((rc = store__tx_commit(st, ACCESS_SP, own, err)) != CR_OK)
		goto fail;
	return CR_OK;
fail:
	store__tx_rollback(st, ACCESS_SP, own);
	return rc;
}
