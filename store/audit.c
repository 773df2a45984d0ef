/*
 * audit.c - the audit chain of access.h: its key, appending, listing and
 * verifying, over the audit and audit_head tables of schema version 3
 * (store.c).
 *
 * Entries are chained with HMAC-SHA-256 (libsodium).  The chain key lives
 * in "<store>/audit.key" (0600) next to the database, not in it: somebody
 * who can edit the database with the sqlite3 shell but cannot read the
 * key cannot forge an entry, and audit_head (the last id and hash, under
 * the same key) makes a cut-off tail visible.  What that does not cover
 * (the key's holder; a whole database put back from an older copy) is
 * written down in docs/access.md rather than papered over.
 *
 * Audit appends take the write lock (BEGIN IMMEDIATE) before they read
 * the head, so concurrent writers queue and the chain stays linear.
 * access.c audits its own changes inside their transactions with
 * access__audit_append_tx() (access_int.h).
 */
#define _POSIX_C_SOURCE 200809L
#include "access_int.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define KEY_FILE "audit.key"
#define KEY_LEN 32
#define ZERO_HASH                                                              \
	"0000000000000000000000000000000000000000000000000000000000000000"
#define ACTION_MAX 32
#define FAULT_ACTION "audit_fault"

/* ---- Small helpers ---------------------------------------------------- */

/* Copy src into dst (size bytes) for the audit log: control bytes become
 * '?', so an entry is one line wherever it is printed, and a cut never
 * leaves half a UTF-8 character behind.  Returns dst. */
static char *field_copy(char *dst, const char *src, size_t size)
{
	size_t i, n = strlen(src);

	if (n >= size) {
		n = size - 1;
		/* Back off over continuation bytes to a character start. */
		while (n > 0 && ((unsigned char)src[n] & 0xc0) == 0x80)
			n--;
	}
	for (i = 0; i < n; i++)
		dst[i] = ((unsigned char)src[i] < 0x20 || src[i] == 0x7f)
		             ? '?'
		             : src[i];
	dst[n] = '\0';
	return dst;
}

/* ---- The audit key ----------------------------------------------------- */

static char *key_path(struct store *st)
{
	const char *dir = store_dir(st);
	size_t len = strlen(dir) + sizeof(KEY_FILE) + 2;
	char *p = malloc(len);

	if (p != NULL)
		snprintf(p, len, "%s/%s", dir, KEY_FILE);
	return p;
}

/* Read the key: 0, CR_ENOTFOUND when there is no file, else an error. */
static int key_read(const char *path, unsigned char key[KEY_LEN],
                    struct cr_err *err)
{
	struct stat sb;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		if (errno == ENOENT)
			return cr_err_set(err, CR_ENOTFOUND,
			                  "the audit key %s is missing", path);
		return cr_err_set(err, errno == EACCES ? CR_EPERM : CR_EIO,
		                  "cannot read the audit key %s: %s", path,
		                  strerror(errno));
	}
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) ||
	    sb.st_size != KEY_LEN) {
		close(fd);
		return cr_err_set(err, CR_EIO,
		                  "the audit key %s is not a %d-byte file",
		                  path, KEY_LEN);
	}
	n = read(fd, key, KEY_LEN);
	close(fd);
	if (n != KEY_LEN)
		return cr_err_set(err, CR_EIO, "cannot read the audit key %s",
		                  path);
	return CR_OK;
}

/* Make a new key: written whole under a temporary name, fsynced, then
 * link()ed into place, which fails if another process got there first
 * (then that key is read back).  A half-written key never has the real
 * name. */
static int key_create(const char *path, unsigned char key[KEY_LEN],
                      struct cr_err *err)
{
	size_t len = strlen(path) + 16;
	char *tmp = malloc(len);
	int fd, rc = CR_OK;

	if (tmp == NULL)
		return cr_err_set(err, CR_ENOMEM, "out of memory");
	snprintf(tmp, len, "%s.XXXXXX", path);
	fd = mkstemp(tmp);
	if (fd < 0) {
		rc = cr_err_set(err, CR_EIO, "cannot create %s: %s", tmp,
		                strerror(errno));
		free(tmp);
		return rc;
	}
	randombytes_buf(key, KEY_LEN);
	if (fchmod(fd, 0600) != 0 || write(fd, key, KEY_LEN) != KEY_LEN ||
	    fsync(fd) != 0)
		rc = cr_err_set(err, CR_EIO, "cannot write %s: %s", tmp,
		                strerror(errno));
	close(fd);
	if (rc == CR_OK && link(tmp, path) != 0) {
		if (errno == EEXIST)
			rc = key_read(path, key, err);
		else
			rc = cr_err_set(err, CR_EIO, "cannot create %s: %s",
			                path, strerror(errno));
	}
	unlink(tmp);
	free(tmp);
	if (rc == CR_OK)
		rc = cr_fsync_parent(path, err);
	return rc;
}

/* ---- The chain ----------------------------------------------------------- */

/* Netstring-style framing ("len:bytes," or "~," for NULL), so no choice
 * of field contents can make two different entries hash alike. */
static void mac_field(crypto_auth_hmacsha256_state *s, const char *v)
{
	char hdr[24];

	if (v == NULL) {
		crypto_auth_hmacsha256_update(s, (const unsigned char *)"~,",
		                              2);
		return;
	}
	snprintf(hdr, sizeof(hdr), "%zu:", strlen(v));
	crypto_auth_hmacsha256_update(s, (const unsigned char *)hdr,
	                              strlen(hdr));
	crypto_auth_hmacsha256_update(s, (const unsigned char *)v, strlen(v));
	crypto_auth_hmacsha256_update(s, (const unsigned char *)",", 1);
}

static void mac_int(crypto_auth_hmacsha256_state *s, int64_t v)
{
	char b[24];

	snprintf(b, sizeof(b), "%lld", (long long)v);
	mac_field(s, b);
}

/* The chain hash of one entry: HMAC-SHA-256 under the key of the entry's
 * fields and the previous entry's hash.  The id is left out on purpose:
 * the chain, not the numbering, is what is authenticated, so an entry
 * slipped in by renumbering the rows after it shows up as one inserted
 * entry rather than as every later entry changed. */
static void entry_hash(const unsigned char key[KEY_LEN],
                       const struct access_audit *e, const char *prev,
                       char out[65])
{
	crypto_auth_hmacsha256_state s;
	unsigned char h[crypto_auth_hmacsha256_BYTES];

	crypto_auth_hmacsha256_init(&s, key, KEY_LEN);
	mac_field(&s, "chartroom-audit-v1");
	mac_int(&s, e->at_ms);
	mac_field(&s, e->user);
	mac_field(&s, e->action);
	mac_field(&s, e->mrn);
	mac_int(&s, e->document_id);
	mac_field(&s, e->remote);
	mac_field(&s, e->allowed ? "allowed" : "denied");
	mac_field(&s, e->detail);
	mac_field(&s, prev);
	crypto_auth_hmacsha256_final(&s, h);
	sodium_bin2hex(out, 65, h, sizeof(h));
}

static void head_mac(const unsigned char key[KEY_LEN], int64_t last_id,
                     const char *hash, char out[65])
{
	crypto_auth_hmacsha256_state s;
	unsigned char h[crypto_auth_hmacsha256_BYTES];

	crypto_auth_hmacsha256_init(&s, key, KEY_LEN);
	mac_field(&s, "chartroom-audit-head-v1");
	mac_int(&s, last_id);
	mac_field(&s, hash);
	crypto_auth_hmacsha256_final(&s, h);
	sodium_bin2hex(out, 65, h, sizeof(h));
}

/* Constant-time equality of two hex strings (short or NULL: unequal). */
static int hex_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL || strlen(a) != 64 || strlen(b) != 64)
		return 0;
	return sodium_memcmp(a, b, 64) == 0;
}

struct head {
	int present;
	int valid; /* its MAC checks out */
	int64_t last_id;
	char hash[65];
};

static int head_load(struct store *st, const unsigned char *key, struct head *h,
                     struct cr_err *err)
{
	sqlite3_stmt *stmt = NULL;
	char mac[65];
	int rc;

	memset(h, 0, sizeof(*h));
	rc = store__prepare(
	    st, "SELECT last_id, hash, mac FROM audit_head WHERE one = 1",
	    &stmt, err);
	if (rc != CR_OK)
		return rc;
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		h->present = 1;
		h->last_id = sqlite3_column_int64(stmt, 0);
		cr_strlcpy(h->hash,
		           store__col_text(stmt, 1) ? store__col_text(stmt, 1)
		                                    : "",
		           sizeof(h->hash));
		if (key != NULL && store__col_text(stmt, 2) != NULL &&
		    strlen(store__col_text(stmt, 1) ? store__col_text(stmt, 1)
		                                    : "") == 64) {
			head_mac(key, h->last_id, h->hash, mac);
			h->valid = hex_eq(mac, store__col_text(stmt, 2));
		}
		rc = CR_OK;
	} else if (rc == SQLITE_DONE) {
		rc = CR_OK;
	} else {
		rc = store__db_error(st, rc, "cannot read the audit head", err);
	}
	sqlite3_finalize(stmt);
	return rc;
}

/* The last row by id: *id 0 when the table is empty. */
static int last_row(struct store *st, int64_t *id, char hash[65],
                    struct cr_err *err)
{
	sqlite3_stmt *stmt = NULL;
	int rc;

	*id = 0;
	hash[0] = '\0';
	rc = store__prepare(st,
	                    "SELECT id, hash FROM audit ORDER BY id DESC "
	                    "LIMIT 1",
	                    &stmt, err);
	if (rc != CR_OK)
		return rc;
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(stmt, 0);
		cr_strlcpy(hash,
		           store__col_text(stmt, 1) ? store__col_text(stmt, 1)
		                                    : "",
		           65);
		rc = CR_OK;
	} else if (rc == SQLITE_DONE) {
		rc = CR_OK;
	} else {
		rc = store__db_error(st, rc, "cannot read the audit log", err);
	}
	sqlite3_finalize(stmt);
	return rc;
}

static int valid_action(const char *a)
{
	size_t i, len;

	if (a == NULL || (len = strlen(a)) == 0 || len > ACTION_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if (!((a[i] >= 'a' && a[i] <= 'z') || a[i] == '_'))
			return 0;
	return 1;
}

/* Write one row and move the head; the transaction is the caller's. */
static int chain_put(struct store *st, const unsigned char key[KEY_LEN],
                     int64_t id, const struct access_audit *e, const char *prev,
                     char hash_out[65], struct cr_err *err)
{
	static const char ins[] =
	    "INSERT INTO audit(id, at_ms, user, action, mrn, document_id,"
	    " remote, outcome, detail, prev, hash)"
	    " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)";
	static const char head[] =
	    "INSERT INTO audit_head(one, last_id, hash, mac)"
	    " VALUES (1, ?1, ?2, ?3) ON CONFLICT(one) DO UPDATE SET"
	    " last_id = excluded.last_id, hash = excluded.hash,"
	    " mac = excluded.mac";
	sqlite3_stmt *stmt = NULL;
	char mac[65];
	int rc;

	entry_hash(key, e, prev, hash_out);
	if ((rc = store__prepare(st, ins, &stmt, err)) != CR_OK)
		return rc;
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_int64(stmt, 2, e->at_ms);
	store__bind_text(stmt, 3, e->user);
	store__bind_text(stmt, 4, e->action);
	store__bind_text(stmt, 5, e->mrn);
	if (e->document_id > 0)
		sqlite3_bind_int64(stmt, 6, e->document_id);
	else
		sqlite3_bind_null(stmt, 6);
	store__bind_text(stmt, 7, e->remote);
	store__bind_text(stmt, 8, e->allowed ? "allowed" : "denied");
	store__bind_text(stmt, 9, e->detail);
	store__bind_text(stmt, 10, prev);
	store__bind_text(stmt, 11, hash_out);
	rc = store__step_done(st, stmt, "cannot append to the audit log", err);
	sqlite3_finalize(stmt);
	if (rc != CR_OK)
		return rc;
	head_mac(key, id, hash_out, mac);
	if ((rc = store__prepare(st, head, &stmt, err)) != CR_OK)
		return rc;
	sqlite3_bind_int64(stmt, 1, id);
	store__bind_text(stmt, 2, hash_out);
	store__bind_text(stmt, 3, mac);
	rc = store__step_done(st, stmt, "cannot move the audit head", err);
	sqlite3_finalize(stmt);
	return rc;
}

/*
 * Append inside an open transaction.  The head says where the chain
 * ends.  When it disagrees with the table (missing, forged, or the last
 * row is not the one it names), somebody has been at the table: the
 * chain goes on from what the head (or, failing that, the last row)
 * says, and an "audit_fault" entry saying what was found goes in first,
 * so the finding is itself chained and cannot quietly disappear.
 */
int access__audit_append_tx(struct store *st, const struct access_audit *in,
                            int64_t *id_out, struct cr_err *err)
{
	unsigned char key[KEY_LEN];
	struct access_audit e = *in;
	char detail[ACCESS_DETAIL_MAX + 1], remote[ACCESS_REMOTE_MAX + 1];
	char user[ACCESS_NAME_MAX + 9], mrn[65];
	char prev[65], hash[65], fault[200] = "";
	char *kpath = NULL;
	struct head h;
	int64_t last_id, id;
	int rc;

	if (!valid_action(e.action) || e.user == NULL || e.user[0] == '\0')
		return cr_err_set(err, CR_EINVAL,
		                  "an audit entry needs a user and an action "
		                  "of lowercase letters and '_'");
	if (e.at_ms == 0)
		e.at_ms = access_now_ms();
	/* Bounded, single-line fields: cut, never refuse, since refusing
	 * would refuse the access itself (an MRN of more than 64 bytes is
	 * no real MRN; what was asked for is still recognisable). */
	e.user = field_copy(user, e.user, sizeof(user));
	if (e.detail != NULL)
		e.detail = field_copy(detail, e.detail, sizeof(detail));
	if (e.remote != NULL)
		e.remote = field_copy(remote, e.remote, sizeof(remote));
	if (e.mrn != NULL)
		e.mrn = field_copy(mrn, e.mrn, sizeof(mrn));
	if ((rc = access__sodium_ready(err)) != CR_OK)
		return rc;
	if ((kpath = key_path(st)) == NULL)
		return cr_err_set(err, CR_ENOMEM, "out of memory");
	if ((rc = last_row(st, &last_id, hash, err)) != CR_OK)
		goto out;
	rc = key_read(kpath, key, err);
	if (rc == CR_ENOTFOUND && last_id == 0)
		rc = key_create(kpath, key, err);
	else if (rc == CR_ENOTFOUND)
		rc = cr_err_set(err, CR_EIO,
		                "the audit key %s is missing but the log has "
		                "%lld entries; restore the key from the "
		                "store's backup (a new key would make every "
		                "entry look forged)",
		                kpath, (long long)last_id);
	if (rc != CR_OK)
		goto out;
	if ((rc = head_load(st, key, &h, err)) != CR_OK)
		goto out;

	if (h.present && h.valid) {
		cr_strlcpy(prev, h.hash, sizeof(prev));
		id = (h.last_id > last_id ? h.last_id : last_id) + 1;
		if (h.last_id != last_id || strcmp(h.hash, hash) != 0)
			snprintf(fault, sizeof(fault),
			         "the log ended at entry %lld but its head "
			         "names entry %lld",
			         (long long)last_id, (long long)h.last_id);
	} else {
		cr_strlcpy(prev, last_id ? hash : ZERO_HASH, sizeof(prev));
		id = last_id + 1;
		if (h.present)
			snprintf(fault, sizeof(fault),
			         "the audit head did not match its key "
			         "(log ended at entry %lld)",
			         (long long)last_id);
		else if (last_id != 0)
			snprintf(fault, sizeof(fault),
			         "the audit head was missing (log ended at "
			         "entry %lld)",
			         (long long)last_id);
	}
	if (fault[0] != '\0') {
		struct access_audit f = {0};
		f.at_ms = e.at_ms;
		f.user = "chartroom";
		f.action = FAULT_ACTION;
		f.allowed = 0;
		f.detail = fault;
		cr_log(CR_LOG_WARN, "audit log in %s: %s", store_dir(st),
		       fault);
		if ((rc = chain_put(st, key, id, &f, prev, hash, err)))
			goto out;
		cr_strlcpy(prev, hash, sizeof(prev));
		id++;
	}
	if ((rc = chain_put(st, key, id, &e, prev, hash, err)) != CR_OK)
		goto out;
	if (id_out != NULL)
		*id_out = id;
out:
	sodium_memzero(key, sizeof(key));
	free(kpath);
	return rc;
}

int access_audit_append(struct store *st, const struct access_audit *e,
                        int64_t *id_out, struct cr_err *err)
{
	int rc, own;

	if (e == NULL)
		return cr_err_set(err, CR_EINVAL, "no audit entry given");
	if ((rc = store__tx_begin(st, ACCESS_SP, &own, err)) != CR_OK)
		return rc;
	if ((rc = access__audit_append_tx(st, e, id_out, err)) != CR_OK)
		goto fail;
	if ((rc = store__tx_commit(st, ACCESS_SP, own, err)) != CR_OK)
		goto fail;
	return CR_OK;
fail:
	store__tx_rollback(st, ACCESS_SP, own);
	return rc;
}

void access_local_actor(char out[ACCESS_NAME_MAX + 8])
{
	struct passwd *pw = getpwuid(geteuid());

	if (pw != NULL && pw->pw_name != NULL &&
	    access__printable(pw->pw_name) &&
	    strlen(pw->pw_name) <= ACCESS_NAME_MAX)
		snprintf(out, ACCESS_NAME_MAX + 8, "cli:%s", pw->pw_name);
	else
		snprintf(out, ACCESS_NAME_MAX + 8, "cli:uid%lu",
		         (unsigned long)geteuid());
}

int access_audit_local(struct store *st, const char *action, const char *mrn,
                       int64_t document_id, int allowed, const char *detail,
                       struct cr_err *err)
{
	char who[ACCESS_NAME_MAX + 8];
	struct access_audit e = {0};

	access_local_actor(who);
	e.user = who;
	e.action = action;
	e.mrn = mrn;
	e.document_id = document_id;
	e.allowed = allowed;
	e.detail = detail;
	return access_audit_append(st, &e, NULL, err);
}

/* Columns 0..8 of an audit row (id, at_ms, user, action, mrn,
 * document_id, remote, outcome, detail) into e; strings borrowed from
 * stmt.  Both readers select them in this order. */
static void audit_row(sqlite3_stmt *stmt, struct access_audit *e)
{
	e->id = sqlite3_column_int64(stmt, 0);
	e->at_ms = sqlite3_column_int64(stmt, 1);
	e->user = store__col_text(stmt, 2);
	e->action = store__col_text(stmt, 3);
	e->mrn = store__col_text(stmt, 4);
	e->document_id = sqlite3_column_int64(stmt, 5);
	e->remote = store__col_text(stmt, 6);
	e->allowed = store__col_text(stmt, 7) != NULL &&
	             strcmp(store__col_text(stmt, 7), "allowed") == 0;
	e->detail = store__col_text(stmt, 8);
}

/* Build "SELECT ... WHERE" from fixed fragments; every value is bound. */
int access_audit_each(struct store *st, const struct access_audit_filter *f,
                      access_audit_cb cb, void *ctx, struct cr_err *err)
{
	struct access_audit_filter none = {0};
	struct access_audit e;
	sqlite3_stmt *stmt = NULL;
	char sql[768];
	int rc;

	if (f == NULL)
		f = &none;
	snprintf(sql, sizeof(sql),
	         "SELECT id, at_ms, user, action, mrn, document_id, remote,"
	         " outcome, detail, hash FROM audit WHERE 1"
	         "%s%s%s%s%s%s ORDER BY id %s%s",
	         f->mrn ? " AND mrn = ?1" : "", f->user ? " AND user = ?2" : "",
	         f->action ? " AND action = ?3" : "",
	         f->since_ms ? " AND at_ms >= ?4" : "",
	         f->until_ms ? " AND at_ms < ?5" : "",
	         f->before_id ? " AND id < ?6" : "",
	         f->newest_first ? "DESC" : "ASC",
	         f->limit > 0 ? " LIMIT ?7" : "");
	if ((rc = store__prepare(st, sql, &stmt, err)) != CR_OK)
		return rc;
	if (f->mrn)
		store__bind_text(stmt, 1, f->mrn);
	if (f->user)
		store__bind_text(stmt, 2, f->user);
	if (f->action)
		store__bind_text(stmt, 3, f->action);
	if (f->since_ms)
		sqlite3_bind_int64(stmt, 4, f->since_ms);
	if (f->until_ms)
		sqlite3_bind_int64(stmt, 5, f->until_ms);
	if (f->before_id)
		sqlite3_bind_int64(stmt, 6, f->before_id);
	if (f->limit > 0)
		sqlite3_bind_int(stmt, 7, f->limit);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		audit_row(stmt, &e);
		e.hash = store__col_text(stmt, 9);
		if ((rc = cb(ctx, &e)) != 0)
			goto out;
	}
	rc = rc == SQLITE_DONE
	         ? CR_OK
	         : store__db_error(st, rc, "cannot read the audit log", err);
out:
	sqlite3_finalize(stmt);
	return rc;
}

/* ---- Verifying the chain ------------------------------------------------ */

static const char *const fault_names[] = {
    "?", "changed", "inserted", "deleted", "truncated", "head", "key"};

const char *access_fault_name(enum access_audit_fault f)
{
	if ((int)f < ACCESS_FAULT_CHANGED || (int)f > ACCESS_FAULT_KEY)
		return "?";
	return fault_names[f];
}

/* What the walk needs of one row: its links and whether its own hash
 * matches its fields. */
struct vrow {
	int64_t id;
	char prev[65];
	char hash[65];
	int self_ok;
	int is_fault;
	char detail[200];
};

struct verify {
	access_problem_cb cb;
	void *ctx;
	struct access_audit_summary *sum;
	int stop;
};

static void report(struct verify *v, enum access_audit_fault fault, int64_t id,
                   int64_t first, int64_t last, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

static void report(struct verify *v, enum access_audit_fault fault, int64_t id,
                   int64_t first, int64_t last, const char *fmt, ...)
{
	struct access_audit_problem p;
	char msg[400];
	va_list ap;

	v->sum->problems++;
	if (v->cb == NULL || v->stop)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	p.fault = fault;
	p.id = id;
	p.first_id = first;
	p.last_id = last;
	p.message = msg;
	v->stop = v->cb(v->ctx, &p) != 0;
}

static void vrow_load(sqlite3_stmt *stmt, const unsigned char *key,
                      struct vrow *r)
{
	struct access_audit e = {0};
	const char *prev = store__col_text(stmt, 9),
	           *hash = store__col_text(stmt, 10);
	char want[65];

	audit_row(stmt, &e);
	r->id = sqlite3_column_int64(stmt, 0);
	/* A stored value of the wrong length is kept as "" so it can
	 * never compare equal to a real hash. */
	cr_strlcpy(r->prev, prev && strlen(prev) == 64 ? prev : "",
	           sizeof(r->prev));
	cr_strlcpy(r->hash, hash && strlen(hash) == 64 ? hash : "",
	           sizeof(r->hash));
	/* An outcome other than the two values would be rejected by the
	 * CHECK unless the table was rebuilt; count it as a change. */
	entry_hash(key, &e, prev ? prev : "", want);
	r->self_ok = hex_eq(want, r->hash) &&
	             store__col_text(stmt, 7) != NULL &&
	             (strcmp(store__col_text(stmt, 7), "allowed") == 0 ||
	              strcmp(store__col_text(stmt, 7), "denied") == 0);
	r->is_fault = e.action != NULL && strcmp(e.action, FAULT_ACTION) == 0;
	cr_strlcpy(r->detail, e.detail ? e.detail : "", sizeof(r->detail));
}

/*
 * Judge row r, given the next row n (NULL at the end) and the walk's
 * state: the hash the next genuine entry must link to (*prev), and the
 * id of the last row seen (*last_id) and of the last genuine entry.
 *
 *  - r's own hash fails and n links straight past it: r was inserted.
 *  - r's own hash fails otherwise: r was changed (the chain goes on
 *    from the hash r had when it was written, which n remembers).
 *  - r's own hash holds but it links to something else: entries before
 *    it were deleted (named by id when the ids left a gap).
 */
static void judge(struct verify *v, const struct vrow *r, const struct vrow *n,
                  const struct head *h, char prev[65], int64_t *last_id,
                  int64_t *good_id)
{
	if (!r->self_ok) {
		if ((n != NULL && n->self_ok && strcmp(n->prev, prev) == 0) ||
		    (n == NULL && h->valid && strcmp(h->hash, prev) == 0)) {
			report(v, ACCESS_FAULT_INSERTED, r->id, 0, 0,
			       "entry %lld was inserted: it is not part of "
			       "the chain, %s links straight to entry %lld",
			       (long long)r->id,
			       n ? "the entry after it" : "the head",
			       (long long)*good_id);
			*last_id = r->id;
			return;
		}
		report(v, ACCESS_FAULT_CHANGED, r->id, 0, 0,
		       "entry %lld was changed: its fields do not match its "
		       "hash",
		       (long long)r->id);
		/* Go on from the hash r had when it was written, which
		 * the next entry or the head remembers, in case the
		 * stored hash was changed too. */
		if (n != NULL && n->self_ok && strcmp(n->prev, r->hash) != 0 &&
		    n->prev[0] != '\0')
			cr_strlcpy(prev, n->prev, 65);
		else if (n == NULL && h->valid && h->last_id == r->id)
			cr_strlcpy(prev, h->hash, 65);
		else
			cr_strlcpy(prev, r->hash, 65);
		*last_id = r->id;
		*good_id = r->id;
		return;
	}
	if (strcmp(r->prev, prev) != 0) {
		if (r->id == *last_id + 2)
			report(v, ACCESS_FAULT_DELETED, r->id, r->id - 1,
			       r->id - 1,
			       "entry %lld was deleted (entry %lld does not "
			       "follow entry %lld)",
			       (long long)(r->id - 1), (long long)r->id,
			       (long long)*good_id);
		else if (r->id > *last_id + 1)
			report(v, ACCESS_FAULT_DELETED, r->id, *last_id + 1,
			       r->id - 1,
			       "entries %lld to %lld were deleted (entry "
			       "%lld does not follow entry %lld)",
			       (long long)(*last_id + 1),
			       (long long)(r->id - 1), (long long)r->id,
			       (long long)*good_id);
		else
			report(v, ACCESS_FAULT_DELETED, r->id, 0, 0,
			       "entries were deleted before entry %lld and "
			       "the rest renumbered (it does not follow "
			       "entry %lld)",
			       (long long)r->id, (long long)*good_id);
	} else if (r->id != *last_id + 1) {
		report(v, ACCESS_FAULT_CHANGED, r->id, 0, 0,
		       "entry %lld was renumbered (expected %lld)",
		       (long long)r->id, (long long)(*last_id + 1));
	}
	if (r->is_fault)
		report(v, ACCESS_FAULT_HEAD, r->id, 0, 0,
		       "entry %lld records tampering found when it was "
		       "written: %s",
		       (long long)r->id, r->detail);
	cr_strlcpy(prev, r->hash, 65);
	*last_id = r->id;
	*good_id = r->id;
}

int access_audit_verify(struct store *st, access_problem_cb cb, void *ctx,
                        struct access_audit_summary *sum_out,
                        struct cr_err *err)
{
	static const char sql[] =
	    "SELECT id, at_ms, user, action, mrn, document_id, remote,"
	    " outcome, detail, prev, hash FROM audit ORDER BY id";
	struct access_audit_summary sum;
	struct verify v;
	struct vrow rows[2], *cur = NULL, *nxt;
	unsigned char key[KEY_LEN];
	char prev[65] = ZERO_HASH, *kpath;
	int64_t last_id = 0, good_id = 0, end_id = 0;
	struct cr_err kerr;
	sqlite3_stmt *stmt = NULL;
	struct head h;
	int rc, own, which = 0;

	memset(&sum, 0, sizeof(sum));
	v.cb = cb;
	v.ctx = ctx;
	v.sum = &sum;
	v.stop = 0;
	if ((rc = access__sodium_ready(err)) != CR_OK)
		return rc;
	if ((kpath = key_path(st)) == NULL)
		return cr_err_set(err, CR_ENOMEM, "out of memory");
	/* A read transaction, so appends by others do not move the head
	 * between reading it and reading the rows. */
	own = sqlite3_get_autocommit(st->db);
	if (own &&
	    (rc = store__exec(st, "BEGIN", "cannot start a read", err))) {
		free(kpath);
		return rc;
	}
	if ((rc = last_row(st, &end_id, prev, err)) != CR_OK)
		goto out;
	cr_strlcpy(prev, ZERO_HASH, sizeof(prev));
	rc = key_read(kpath, key, &kerr);
	if (rc == CR_ENOTFOUND || rc == CR_EIO) {
		/* No key and no entries is a store nobody has used yet; a
		 * missing or mangled key under entries is a finding. */
		if (end_id > 0 || rc == CR_EIO) {
			sum.entries = end_id;
			report(&v, ACCESS_FAULT_KEY, 0, 0, 0,
			       "%s; no entry can be checked", kerr.msg);
		}
		rc = CR_OK;
		goto out;
	}
	if (rc != CR_OK) { /* unreadable to us: cannot run, not tampering */
		if (err != NULL)
			*err = kerr;
		goto out;
	}
	if ((rc = head_load(st, key, &h, err)) != CR_OK)
		goto out;
	if (h.present) {
		sum.head_id = h.last_id;
		cr_strlcpy(sum.head_hash, h.hash, sizeof(sum.head_hash));
	}
	if ((rc = store__prepare(st, sql, &stmt, err)) != CR_OK)
		goto out;
	/* A window of two rows: whether a bad row was inserted or changed
	 * is told by how the row after it links. */
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		nxt = &rows[which];
		which ^= 1;
		vrow_load(stmt, key, nxt);
		sum.entries++;
		if (cur != NULL)
			judge(&v, cur, nxt, &h, prev, &last_id, &good_id);
		cur = nxt;
	}
	if (rc != SQLITE_DONE) {
		rc = store__db_error(st, rc, "cannot read the audit log", err);
		goto out;
	}
	rc = CR_OK;
	if (cur != NULL)
		judge(&v, cur, NULL, &h, prev, &last_id, &good_id);

	if (!h.present) {
		if (sum.entries > 0)
			report(&v, ACCESS_FAULT_HEAD, 0, 0, 0,
			       "the audit head is missing; entries may have "
			       "been cut off the end after entry %lld",
			       (long long)last_id);
	} else if (!h.valid) {
		report(&v, ACCESS_FAULT_HEAD, 0, 0, 0,
		       "the audit head does not match its key: it was "
		       "changed, so the end of the log cannot be vouched "
		       "for");
	} else if (strcmp(h.hash, prev) != 0) {
		if (h.last_id > last_id)
			report(&v, ACCESS_FAULT_TRUNCATED, 0, last_id + 1,
			       h.last_id,
			       "entries %lld to %lld were deleted from the "
			       "end (the log ends at entry %lld)",
			       (long long)(last_id + 1), (long long)h.last_id,
			       (long long)last_id);
		else
			report(&v, ACCESS_FAULT_HEAD, 0, 0, 0,
			       "the log does not end where its head says "
			       "(entry %lld); the head is older than the "
			       "log, or the last entries were replaced",
			       (long long)h.last_id);
	}
out:
	sqlite3_finalize(stmt);
	if (own)
		sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
	sodium_memzero(key, sizeof(key));
	free(kpath);
	if (sum_out != NULL)
		*sum_out = sum;
	return rc;
}
