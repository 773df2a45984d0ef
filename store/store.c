/*
 * store.c - the store's folder, its SQLite database and the originals.
 *
 * The database runs in WAL mode with synchronous=FULL: the watcher deletes
 * a scan from the inbox as soon as its document row has committed, so a
 * commit must be on disk when COMMIT returns.  The schema is an ordered
 * list of migration steps; PRAGMA user_version counts the steps applied,
 * and a store opened by a newer build is migrated forward in one
 * transaction (later work appends steps, never edits old ones).
 * Operations that write several rows start BEGIN IMMEDIATE when no batch
 * is open, so two processes queue on the write lock (busy timeout) instead
 * of failing when a read turns into a write, and nest as a SAVEPOINT
 * inside a batch opened with store_begin().
 *
 * Page text is indexed by an external-content FTS5 table over pages,
 * kept in step by triggers, so the text is stored once and snippet()
 * reads it from pages.  Originals are copied under a temporary name,
 * fsynced, renamed and their folder fsynced before store_original_put()
 * returns.  Error messages name files, document ids and hashes, never
 * patient data.
 */
#define _POSIX_C_SOURCE 200809L
#include "store_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define NOW_UTC "(strftime('%Y-%m-%dT%H:%M:%SZ','now'))"

/* The savepoint this file's operations use inside a batch opened with
 * store_begin() (store__tx_begin()). */
#define STORE_SP "store_op"

/* Schema version 1: the roster, documents and everything hanging off
 * them.  Never edit a step that has shipped; append a new one. */
static const char schema_v1[] =
    "CREATE TABLE patients ("
    " mrn TEXT NOT NULL PRIMARY KEY,"
    " family_name TEXT NOT NULL,"
    " given_name TEXT NOT NULL,"
    " middle_name TEXT,"
    " birth_date TEXT NOT NULL,"
    " sex TEXT CHECK (sex IN ('M','F','U','X')),"
    " physician TEXT,"
    " created_at TEXT NOT NULL DEFAULT " NOW_UTC ","
    " updated_at TEXT NOT NULL DEFAULT " NOW_UTC ");"
    /* AUTOINCREMENT: a document id is never reused, so history and
     * audit entries that name it stay unambiguous. */
    "CREATE TABLE documents ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " file TEXT NOT NULL,"
    " sha256 TEXT NOT NULL UNIQUE,"
    " size_bytes INTEGER NOT NULL,"
    " original_path TEXT,"
    " status TEXT NOT NULL"
    "  CHECK (status IN ('filed','review','rejected')),"
    " doc_type TEXT,"
    " patient_mrn TEXT REFERENCES patients(mrn) ON UPDATE CASCADE,"
    " document_date TEXT,"
    " pages INTEGER NOT NULL DEFAULT 0,"
    " confidence REAL,"
    " reason TEXT,"
    " source TEXT,"
    " created_at TEXT NOT NULL DEFAULT " NOW_UTC ");"
    "CREATE INDEX documents_patient ON documents(patient_mrn);"
    "CREATE INDEX documents_type ON documents(doc_type);"
    "CREATE INDEX documents_date ON documents(document_date);"
    "CREATE INDEX documents_status ON documents(status);"
    /* Same expression as the default search order in search.c. */
    "CREATE INDEX documents_order ON documents("
    " COALESCE(document_date, substr(created_at,1,10)), id);"
    "CREATE TABLE pages ("
    " id INTEGER PRIMARY KEY,"
    " document_id INTEGER NOT NULL"
    "  REFERENCES documents(id) ON DELETE CASCADE,"
    " page_index INTEGER NOT NULL CHECK (page_index >= 0),"
    " width INTEGER, height INTEGER, dpi INTEGER, rotation_deg INTEGER,"
    " mean_conf REAL,"
    " text TEXT NOT NULL DEFAULT '',"
    " UNIQUE (document_id, page_index));"
    "CREATE TABLE fields ("
    " id INTEGER PRIMARY KEY,"
    " document_id INTEGER NOT NULL"
    "  REFERENCES documents(id) ON DELETE CASCADE,"
    " name TEXT NOT NULL,"
    " value TEXT,"
    " conf REAL,"
    " page INTEGER,"
    " x0 INTEGER, y0 INTEGER, x1 INTEGER, y1 INTEGER,"
    " source TEXT);"
    "CREATE INDEX fields_document ON fields(document_id);"
    "CREATE TABLE candidates ("
    " document_id INTEGER NOT NULL"
    "  REFERENCES documents(id) ON DELETE CASCADE,"
    " rank INTEGER NOT NULL,"
    " mrn TEXT NOT NULL,"
    " score REAL,"
    " evidence TEXT CHECK (evidence IS NULL OR json_valid(evidence)),"
    " PRIMARY KEY (document_id, rank));"
    "CREATE INDEX candidates_mrn ON candidates(mrn);"
    "CREATE TABLE links ("
    " id INTEGER PRIMARY KEY,"
    " document_id INTEGER NOT NULL"
    "  REFERENCES documents(id) ON DELETE CASCADE,"
    " at TEXT NOT NULL DEFAULT " NOW_UTC ","
    " actor TEXT NOT NULL,"
    " status TEXT NOT NULL"
    "  CHECK (status IN ('filed','review','rejected')),"
    " mrn TEXT,"
    " reason TEXT);"
    "CREATE INDEX links_document ON links(document_id, id);"
    /* The link history is append-only. */
    "CREATE TRIGGER links_no_update BEFORE UPDATE ON links BEGIN"
    " SELECT RAISE(ABORT, 'link history is append-only'); END;"
    "CREATE TRIGGER links_no_delete BEFORE DELETE ON links BEGIN"
    " SELECT RAISE(ABORT, 'link history is append-only'); END;"
    "CREATE VIRTUAL TABLE pages_fts USING fts5(text,"
    " content='pages', content_rowid='id',"
    " tokenize='unicode61 remove_diacritics 2');"
    "CREATE TRIGGER pages_fts_ai AFTER INSERT ON pages BEGIN"
    " INSERT INTO pages_fts(rowid, text) VALUES (new.id, new.text); END;"
    "CREATE TRIGGER pages_fts_ad AFTER DELETE ON pages BEGIN"
    " INSERT INTO pages_fts(pages_fts, rowid, text)"
    "  VALUES ('delete', old.id, old.text); END;"
    "CREATE TRIGGER pages_fts_au AFTER UPDATE OF text ON pages BEGIN"
    " INSERT INTO pages_fts(pages_fts, rowid, text)"
    "  VALUES ('delete', old.id, old.text);"
    " INSERT INTO pages_fts(rowid, text) VALUES (new.id, new.text); END;";

/* Schema version 2: the watcher's journal.  A job is one file claimed
 * from an inbox (renamed into the instance's spool); its row is written
 * before any work, and its end (done or failed) commits in the same
 * transaction as the document it produced, so a crash can never leave a
 * document without its job's end or a finished job without its
 * document.  watchers holds each running instance's heartbeat for
 * `chartroom status`. */
static const char schema_v2[] =
    "CREATE TABLE jobs ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " instance TEXT NOT NULL,"
    " inbox_path TEXT NOT NULL,"
    " spool_path TEXT NOT NULL UNIQUE,"
    " source TEXT,"
    " doc_type_hint TEXT,"
    " size_bytes INTEGER NOT NULL DEFAULT 0,"
    " state TEXT NOT NULL DEFAULT 'claimed'"
    "  CHECK (state IN ('claimed','done','failed')),"
    " outcome TEXT CHECK (outcome IS NULL OR outcome IN"
    "  ('filed','review','duplicate','rejected')),"
    " document_id INTEGER REFERENCES documents(id),"
    " attempts INTEGER NOT NULL DEFAULT 0,"
    " next_try_ms INTEGER NOT NULL DEFAULT 0,"
    " failed_path TEXT,"
    " reason TEXT,"
    " pages INTEGER NOT NULL DEFAULT 0,"
    " claimed_ms INTEGER NOT NULL,"
    " finished_ms INTEGER);"
    "CREATE INDEX jobs_open ON jobs(state, instance);"
    "CREATE INDEX jobs_finished ON jobs(finished_ms);"
    "CREATE TABLE watchers ("
    " instance TEXT NOT NULL PRIMARY KEY,"
    " host TEXT, pid INTEGER,"
    " started_ms INTEGER NOT NULL,"
    " heartbeat_ms INTEGER NOT NULL,"
    " state TEXT NOT NULL,"
    " waiting INTEGER NOT NULL DEFAULT 0,"
    " in_progress INTEGER NOT NULL DEFAULT 0);";

/* Schema version 3: who may see what, and who saw what (access.c).
 * Users are never deleted, only disabled, so every audit entry keeps
 * naming a real account.  Sessions keep a hash of the cookie token and
 * failed sign-ins a hash of the typed name, never the thing itself (a
 * session's CSRF token is kept as is: useless without the cookie).  Grants
 * to break the glass may only gain their review mark.  The audit table
 * is append-only like links; each entry carries the previous entry's
 * chain hash (prev) and its own (hash), and audit_head the last id and
 * hash, authenticated with the store's audit.key, so a cut-off tail is
 * seen too.  Times are milliseconds since 1970 (UTC). */
static const char schema_v3[] =
    "CREATE TABLE users ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " name TEXT NOT NULL UNIQUE,"
    " role TEXT NOT NULL"
    "  CHECK (role IN ('admin','operator','clerk','physician')),"
    " physician TEXT,"
    " pwhash TEXT NOT NULL,"
    " disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0,1)),"
    " created_at TEXT NOT NULL DEFAULT " NOW_UTC ","
    " updated_at TEXT NOT NULL DEFAULT " NOW_UTC ","
    " CHECK ((role = 'physician') = (physician IS NOT NULL)));"
    "CREATE TRIGGER users_no_delete BEFORE DELETE ON users BEGIN"
    " SELECT RAISE(ABORT, 'users are disabled, never deleted'); END;"
    "CREATE TABLE sessions ("
    " token_hash TEXT NOT NULL PRIMARY KEY,"
    " user_id INTEGER NOT NULL REFERENCES users(id),"
    " csrf TEXT NOT NULL,"
    " remote TEXT,"
    " created_ms INTEGER NOT NULL,"
    " seen_ms INTEGER NOT NULL);"
    "CREATE INDEX sessions_user ON sessions(user_id);"
    "CREATE INDEX sessions_seen ON sessions(seen_ms);"
    "CREATE TABLE signin_failures ("
    " id INTEGER PRIMARY KEY,"
    " at_ms INTEGER NOT NULL,"
    " name_hash TEXT NOT NULL,"
    " remote TEXT);"
    "CREATE INDEX signin_failures_name ON signin_failures(name_hash, at_ms);"
    "CREATE INDEX signin_failures_remote ON signin_failures(remote, at_ms);"
    "CREATE TABLE glass ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " user_id INTEGER NOT NULL REFERENCES users(id),"
    " mrn TEXT NOT NULL,"
    " reason TEXT NOT NULL,"
    " remote TEXT,"
    " granted_ms INTEGER NOT NULL,"
    " expires_ms INTEGER NOT NULL,"
    " reviewed_by TEXT,"
    " reviewed_ms INTEGER);"
    "CREATE INDEX glass_user ON glass(user_id, mrn, expires_ms);"
    "CREATE INDEX glass_granted ON glass(granted_ms);"
    "CREATE TRIGGER glass_no_update BEFORE UPDATE OF id, user_id, mrn,"
    " reason, remote, granted_ms, expires_ms ON glass BEGIN"
    " SELECT RAISE(ABORT, 'a grant is only ever marked reviewed'); END;"
    "CREATE TRIGGER glass_no_delete BEFORE DELETE ON glass BEGIN"
    " SELECT RAISE(ABORT, 'grants are kept for review'); END;"
    "CREATE TABLE audit ("
    " id INTEGER PRIMARY KEY,"
    " at_ms INTEGER NOT NULL,"
    " user TEXT NOT NULL,"
    " action TEXT NOT NULL,"
    " mrn TEXT,"
    " document_id INTEGER,"
    " remote TEXT,"
    " outcome TEXT NOT NULL CHECK (outcome IN ('allowed','denied')),"
    " detail TEXT,"
    " prev TEXT NOT NULL,"
    " hash TEXT NOT NULL);"
    "CREATE INDEX audit_mrn ON audit(mrn, id);"
    "CREATE INDEX audit_user ON audit(user, id);"
    "CREATE INDEX audit_at ON audit(at_ms);"
    "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN"
    " SELECT RAISE(ABORT, 'the audit log is append-only'); END;"
    "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN"
    " SELECT RAISE(ABORT, 'the audit log is append-only'); END;"
    "CREATE TABLE audit_head ("
    " one INTEGER NOT NULL PRIMARY KEY CHECK (one = 1),"
    " last_id INTEGER NOT NULL,"
    " hash TEXT NOT NULL,"
    " mac TEXT NOT NULL);"
    "CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head BEGIN"
    " SELECT RAISE(ABORT, 'the audit head is never deleted'); END;";

/* Step i takes the schema from version i to version i + 1. */
static const char *const migrations[] = {
    schema_v1,
    schema_v2,
    schema_v3,
};

_Static_assert(sizeof(migrations) / sizeof(migrations[0]) ==
                   STORE_SCHEMA_VERSION,
               "STORE_SCHEMA_VERSION must equal the number of migrations");

/* Bounds on roster strings: generous, but a CSV row of megabytes is a
 * broken file, not a patient. */
#define MRN_MAX 64
#define NAME_MAX_LEN 256

/* ---- Small helpers -------------------------------------------------- */

static char *path_join(const char *a, const char *b)
{
	size_t len = strlen(a) + strlen(b) + 2;
	char *p = malloc(len);

	if (p != NULL)
		snprintf(p, len, "%s/%s", a, b);
	return p;
}

static int valid_sha256(const char *s)
{
	size_t i;

	if (s == NULL)
		return 0;
	for (i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		      (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[64] == '\0';
}

static int valid_status(const char *s)
{
	return s != NULL &&
	       (strcmp(s, "filed") == 0 || strcmp(s, "review") == 0 ||
	        strcmp(s, "rejected") == 0);
}

static int errno_code(int e)
{
	if (e == ENOENT)
		return CR_ENOTFOUND;
	if (e == EACCES || e == EPERM)
		return CR_EPERM;
	if (e == ENOMEM)
		return CR_ENOMEM;
	return CR_EIO;
}

/* ---- Open, close, migrate -------------------------------------------- */

static int user_version(struct store *st, int *out, struct cr_err *err)
{
	sqlite3_stmt *stmt = NULL;
	int rc;

	rc = store__prepare(st, "PRAGMA user_version", &stmt, err);
	if (rc != CR_OK)
		return rc;
	rc = sqlite3_step(stmt);
	if (rc != SQLITE_ROW) {
		rc = store__db_error(st, rc, "cannot read the schema version",
		                     err);
		sqlite3_finalize(stmt);
		return rc;
	}
	*out = sqlite3_column_int(stmt, 0);
	sqlite3_finalize(stmt);
	return CR_OK;
}

static int migrate(struct store *st, struct cr_err *err)
{
	char sql[64];
	int rc, v, from;

	if ((rc = user_version(st, &v, err)) != CR_OK)
		return rc;
	if (v > STORE_SCHEMA_VERSION)
		return cr_err_set(
		    err, CR_EDB,
		    "%s has schema version %d, newer than this "
		    "chartroom understands (%d); upgrade chartroom",
		    st->db_path, v, STORE_SCHEMA_VERSION);
	if (v == STORE_SCHEMA_VERSION)
		return CR_OK;

	/* Another process may migrate at the same time: take the write lock,
	 * then look again. */
	rc = store__exec(st, "BEGIN IMMEDIATE", "cannot start the migration",
	                 err);
	if (rc != CR_OK)
		return rc;
	if ((rc = user_version(st, &v, err)) != CR_OK)
		goto fail;
	from = v;
	for (; v < STORE_SCHEMA_VERSION; v++) {
		rc = store__exec(st, migrations[v], "cannot migrate the schema",
		                 err);
		if (rc != CR_OK)
			goto fail;
	}
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d",
	         STORE_SCHEMA_VERSION);
	if ((rc = store__exec(st, sql, "cannot set the schema version", err)))
		goto fail;
	if ((rc =
	         store__exec(st, "COMMIT", "cannot commit the migration", err)))
		goto fail;
	if (from != STORE_SCHEMA_VERSION)
		cr_log(CR_LOG_INFO, "store %s: schema version %d -> %d",
		       st->dir, from, STORE_SCHEMA_VERSION);
	return CR_OK;
fail:
	store__tx_rollback(st, STORE_SP, 1);
	return rc;
}

/* Set journal_mode=WAL and check that SQLite agreed (it answers with the
 * mode in effect, and cannot switch e.g. on some network filesystems). */
static int set_wal(struct store *st, struct cr_err *err)
{
	sqlite3_stmt *stmt = NULL;
	const unsigned char *mode;
	int rc;

	rc = store__prepare(st, "PRAGMA journal_mode=WAL", &stmt, err);
	if (rc != CR_OK)
		return rc;
	rc = sqlite3_step(stmt);
	if (rc != SQLITE_ROW) {
		rc = store__db_error(st, rc, "cannot set WAL mode", err);
		goto out;
	}
	mode = sqlite3_column_text(stmt, 0);
	if (mode == NULL || strcasecmp((const char *)mode, "wal") != 0) {
		rc = cr_err_set(err, CR_EDB,
		                "%s: the database refused WAL mode (is the "
		                "store on a network filesystem?)",
		                st->db_path);
		goto out;
	}
	rc = CR_OK;
out:
	sqlite3_finalize(stmt);
	return rc;
}

struct store *store_open(const char *dir, int flags, struct cr_err *err)
{
	struct store *st = NULL;
	char *originals = NULL;
	struct stat sb;
	int rc, fd;

	if (dir == NULL || dir[0] == '\0') {
		cr_err_set(err, CR_EINVAL, "no store folder given");
		return NULL;
	}
	if ((st = calloc(1, sizeof(*st))) == NULL)
		goto nomem;
	st->dir = strdup(dir);
	st->db_path = path_join(dir, "chartroom.db");
	originals = path_join(dir, "originals");
	if (st->dir == NULL || st->db_path == NULL || originals == NULL)
		goto nomem;

	/* root working in a store that belongs to a service account would
	 * leave root-owned files (the audit key, originals' folders) that
	 * the service can then not read: refuse, and say how to run it. */
	if (geteuid() == 0 && stat(dir, &sb) == 0 && sb.st_uid != 0) {
		struct passwd *pw = getpwuid(sb.st_uid);
		char who[64];
		if (pw != NULL)
			snprintf(who, sizeof(who), "%s", pw->pw_name);
		else
			snprintf(who, sizeof(who), "%u", (unsigned)sb.st_uid);
		cr_err_set(err, CR_EPERM,
		           "the store %s belongs to user %s; run chartroom as "
		           "that user (sudo -u %s chartroom ...): files made "
		           "as root would lock the service out",
		           dir, who, who);
		goto fail;
	}
	if (flags & STORE_CREATE) {
		if (cr_mkdirs(dir, err) != CR_OK)
			goto fail;
		/* Create the file ourselves so it is not world-readable;
		 * SQLite gives the -wal and -shm files the same mode. */
		fd = open(st->db_path,
		          O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
		if (fd < 0) {
			cr_err_set(err, errno_code(errno),
			           "cannot create %s: %s", st->db_path,
			           strerror(errno));
			goto fail;
		}
		close(fd);
	} else if (stat(st->db_path, &sb) != 0) {
		if (errno == ENOENT)
			cr_err_set(err, CR_ENOTFOUND,
			           "no store in %s; run \"chartroom init\" "
			           "first",
			           dir);
		else
			cr_err_set(err, errno_code(errno), "cannot open %s: %s",
			           st->db_path, strerror(errno));
		goto fail;
	}
	if (cr_mkdirs(originals, err) != CR_OK)
		goto fail;
	/* Paths handed out (originals) must not depend on the caller's
	 * working folder: "chartroom-data/..." broke from anywhere else. */
	{
		char *abs = realpath(dir, NULL);
		if (abs == NULL) {
			cr_err_set(err, errno_code(errno), "cannot resolve %s: %s",
			           dir, strerror(errno));
			goto fail;
		}
		free(st->dir);
		st->dir = abs;
	}

	rc =
	    sqlite3_open_v2(st->db_path, &st->db,
	                    SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW, NULL);
	if (rc != SQLITE_OK) {
		if (st->db == NULL)
			goto nomem;
		store__db_error(st, rc, "cannot open the database", err);
		goto fail;
	}
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_busy_timeout(st->db, 10000);
	if (set_wal(st, err) != CR_OK)
		goto fail;
	if (store__exec(st,
	                "PRAGMA synchronous=FULL;"
	                "PRAGMA foreign_keys=ON;",
	                "cannot configure the database", err) != CR_OK)
		goto fail;
	if (migrate(st, err) != CR_OK)
		goto fail;
	free(originals);
	return st;

nomem:
	cr_err_set(err, CR_ENOMEM, "out of memory opening the store in %s",
	           dir);
fail:
	free(originals);
	store_close(st);
	return NULL;
}

void store_close(struct store *st)
{
	if (st == NULL)
		return;
	if (st->db != NULL)
		sqlite3_close_v2(st->db);
	free(st->db_path);
	free(st->dir);
	free(st);
}

const char *store_dir(const struct store *st)
{
	return st->dir;
}

int store_begin(struct store *st, struct cr_err *err)
{
	if (!sqlite3_get_autocommit(st->db))
		return cr_err_set(err, CR_EDB,
		                  "a transaction is already open on %s",
		                  st->db_path);
	return store__exec(st, "BEGIN IMMEDIATE", "cannot start a transaction",
	                   err);
}

int store_commit(struct store *st, struct cr_err *err)
{
	int rc;

	if (sqlite3_get_autocommit(st->db))
		return cr_err_set(err, CR_EDB, "no transaction is open on %s",
		                  st->db_path);
	rc = store__exec(st, "COMMIT", "cannot commit", err);
	if (rc != CR_OK)
		store__tx_rollback(st, STORE_SP, 1);
	return rc;
}

int store_rollback(struct store *st)
{
	if (sqlite3_get_autocommit(st->db))
		return CR_OK;
	if (sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL) != SQLITE_OK)
		return store__db_error(st, sqlite3_errcode(st->db),
		                       "cannot roll back", NULL);
	return CR_OK;
}

/* ---- Patients -------------------------------------------------------- */

/* A string with surrounding white space trimmed, not NUL-terminated. */
struct span {
	const char *p;
	int len;
};

static struct span trimmed(const char *s)
{
	struct span sp = {NULL, 0};
	size_t n;

	if (s == NULL)
		return sp;
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' ||
	                 s[n - 1] == '\r' || s[n - 1] == '\n'))
		n--;
	sp.p = s;
	sp.len = n > (size_t)NAME_MAX_LEN * 16 ? NAME_MAX_LEN * 16 : (int)n;
	return sp;
}

static int has_control(struct span sp)
{
	int i;

	for (i = 0; i < sp.len; i++)
		if ((unsigned char)sp.p[i] < 0x20 || sp.p[i] == 0x7f)
			return 1;
	return 0;
}

/* Bind a trimmed span; an empty one binds NULL. */
static int bind_span(sqlite3_stmt *stmt, int i, struct span sp)
{
	if (sp.p == NULL || sp.len == 0)
		return sqlite3_bind_null(stmt, i);
	return sqlite3_bind_text(stmt, i, sp.p, sp.len, SQLITE_TRANSIENT);
}

/* Today's date as YYYY-MM-DD: the later of the local and the UTC date,
 * so a birth registered today is never "in the future" whichever side of
 * UTC the host clock is set to. */
static void today(char out[11])
{
	char local[11], utc[11];
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	strftime(local, sizeof(local), "%Y-%m-%d", &tm);
	gmtime_r(&now, &tm);
	strftime(utc, sizeof(utc), "%Y-%m-%d", &tm);
	memcpy(out, strcmp(local, utc) > 0 ? local : utc, 11);
}

/* Normalise sex to M/F/U/X; NULL (not recorded) for an empty value.
 * Returns 0, or -1 for anything else. */
static int normal_sex(struct span sp, const char **out)
{
	static const struct {
		const char *word, *code;
	} words[] = {
	    {"m", "M"},    {"f", "F"},      {"u", "U"},       {"x", "X"},
	    {"male", "M"}, {"female", "F"}, {"unknown", "U"}, {"other", "X"},
	};
	size_t i;

	*out = NULL;
	if (sp.len == 0)
		return 0;
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strlen(words[i].word) == (size_t)sp.len &&
		    strncasecmp(words[i].word, sp.p, (size_t)sp.len) == 0) {
			*out = words[i].code;
			return 0;
		}
	return -1;
}

/* Check a roster record; 0 or CR_EINVAL naming the field (never its
 * value: this is patient data). */
static int patient_check(const struct store_patient *p, struct span *mrn,
                         struct span *fam, struct span *giv, struct span *mid,
                         struct span *phys, const char **sex,
                         struct cr_err *err)
{
	char date[11], now[11];
	struct span bd;

	*mrn = trimmed(p->mrn);
	*fam = trimmed(p->family_name);
	*giv = trimmed(p->given_name);
	*mid = trimmed(p->middle_name);
	*phys = trimmed(p->physician);
	bd = trimmed(p->birth_date);
	if (mrn->len == 0)
		return cr_err_set(err, CR_EINVAL, "patient record: no MRN");
	if (mrn->len > MRN_MAX || has_control(*mrn))
		return cr_err_set(err, CR_EINVAL,
		                  "patient record: MRN longer than %d "
		                  "characters or with control characters",
		                  MRN_MAX);
	if (fam->len == 0)
		return cr_err_set(err, CR_EINVAL,
		                  "patient record: no family name");
	if (giv->len == 0)
		return cr_err_set(err, CR_EINVAL,
		                  "patient record: no given name");
	if (fam->len > NAME_MAX_LEN || giv->len > NAME_MAX_LEN ||
	    mid->len > NAME_MAX_LEN || phys->len > NAME_MAX_LEN ||
	    has_control(*fam) || has_control(*giv) || has_control(*mid) ||
	    has_control(*phys))
		return cr_err_set(err, CR_EINVAL,
		                  "patient record: a name is longer than %d "
		                  "bytes or has control characters",
		                  NAME_MAX_LEN);
	if (bd.len == 0)
		return cr_err_set(err, CR_EINVAL,
		                  "patient record: no birth date");
	if (bd.len != 10)
		return cr_err_set(err, CR_EINVAL,
		                  "patient record: birth date is not a "
		                  "YYYY-MM-DD date");
	memcpy(date, bd.p, 10);
	date[10] = '\0';
	if (!store__valid_date(date))
		return cr_err_set(err, CR_EINVAL,
		                  "patient record: birth date is not a "
		                  "real YYYY-MM-DD date");
	today(now);
	if (strcmp(date, now) > 0)
		return cr_err_set(
		    err, CR_EINVAL,
		    "patient record: birth date is in the future");
	if (normal_sex(trimmed(p->sex), sex) != 0)
		return cr_err_set(
		    err, CR_EINVAL,
		    "patient record: sex is not one of M, F, U, X "
		    "(male, female, unknown, other)");
	return CR_OK;
}

/* Run the patient UPDATE or INSERT (both bind ?1..?7 the same way). */
static int patient_write(struct store *st, const char *sql,
                         const struct span *v, const char *sex,
                         struct cr_err *err)
{
	sqlite3_stmt *stmt = NULL;
	int rc, i;

	if ((rc = store__prepare(st, sql, &stmt, err)) != CR_OK)
		return rc;
	for (i = 0; i < 6; i++)
		bind_span(stmt, i < 5 ? i + 1 : 7, v[i]);
	store__bind_text(stmt, 6, sex);
	rc = store__step_done(st, stmt, "cannot save a patient", err);
	sqlite3_finalize(stmt);
	return rc;
}

int store_patient_upsert(struct store *st, const struct store_patient *p,
                         int *added, struct cr_err *err)
{
	static const char upd[] =
	    "UPDATE patients SET family_name=?2, given_name=?3,"
	    " middle_name=?4, birth_date=?5, sex=?6, physician=?7,"
	    " updated_at=" NOW_UTC " WHERE mrn=?1";
	static const char ins[] =
	    "INSERT INTO patients(mrn, family_name, given_name, middle_name,"
	    " birth_date, sex, physician) VALUES (?1,?2,?3,?4,?5,?6,?7)";
	struct span v[6]; /* mrn, family, given, middle, birth, physician */
	const char *sex;
	int rc, own = 0, inserted = 0;

	if (p == NULL)
		return cr_err_set(err, CR_EINVAL, "no patient record given");
	rc = patient_check(p, &v[0], &v[1], &v[2], &v[3], &v[5], &sex, err);
	if (rc != CR_OK)
		return rc;
	v[4] = trimmed(p->birth_date);

	/* UPDATE, and INSERT when no row had that MRN; the write lock is
	 * held from the UPDATE on, so no other process slips in between. */
	if ((rc = store__tx_begin(st, STORE_SP, &own, err)) != CR_OK)
		return rc;
	if ((rc = patient_write(st, upd, v, sex, err)) != CR_OK)
		goto fail;
	if (sqlite3_changes(st->db) == 0) {
		if ((rc = patient_write(st, ins, v, sex, err)) != CR_OK)
			goto fail;
		inserted = 1;
	}
	if ((rc = store__tx_commit(st, STORE_SP, own, err)) != CR_OK)
		goto fail;
	if (added != NULL)
		*added = inserted;
	return CR_OK;
fail:
	store__tx_rollback(st, STORE_SP, own);
	return rc;
}

int store__patient_rows(struct store *st, sqlite3_stmt *stmt,
                        store_patient_cb cb, void *ctx, int *nrows,
                        struct cr_err *err)
{
	struct store_patient p;
	int rc;

	*nrows = 0;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		(*nrows)++;
		p.mrn = (const char *)sqlite3_column_text(stmt, 0);
		p.family_name = (const char *)sqlite3_column_text(stmt, 1);
		p.given_name = (const char *)sqlite3_column_text(stmt, 2);
		p.middle_name = (const char *)sqlite3_column_text(stmt, 3);
		p.birth_date = (const char *)sqlite3_column_text(stmt, 4);
		p.sex = (const char *)sqlite3_column_text(stmt, 5);
		p.physician = (const char *)sqlite3_column_text(stmt, 6);
		if ((rc = cb(ctx, &p)) != 0)
			return rc;
	}
	if (rc != SQLITE_DONE)
		return store__db_error(st, rc, "cannot read patients", err);
	return CR_OK;
}

#define PATIENT_COLS                                                           \
	"SELECT mrn, family_name, given_name, middle_name, birth_date, sex,"   \
	" physician FROM patients"

int store_patient_each(struct store *st, store_patient_cb cb, void *ctx,
                       struct cr_err *err)
{
	sqlite3_stmt *stmt = NULL;
	int rc, n;

	rc = store__prepare(st, PATIENT_COLS " ORDER BY mrn", &stmt, err);
	if (rc != CR_OK)
		return rc;
	rc = store__patient_rows(st, stmt, cb, ctx, &n, err);
	sqlite3_finalize(stmt);
	return rc;
}

int store_patient_get(struct store *st, const char *mrn, store_patient_cb cb,
                      void *ctx, struct cr_err *err)
{
	sqlite3_stmt *stmt = NULL;
	int rc, n;

	if (mrn == NULL)
		return cr_err_set(err, CR_EINVAL, "no MRN given");
	rc = store__prepare(st, PATIENT_COLS " WHERE mrn = ?1", &stmt, err);
	if (rc != CR_OK)
		return rc;
	bind_span(stmt, 1, trimmed(mrn));
	rc = store__patient_rows(st, stmt, cb, ctx, &n, err);
	sqlite3_finalize(stmt);
	if (rc == CR_OK && n == 0)
		rc = cr_err_set(err, CR_ENOTFOUND,
		                "no patient with that MRN in the roster");
	return rc;
}

/* ---- Originals ------------------------------------------------------- */

char *store_original_path(const struct store *st, const char *sha256)
{
	size_t len;
	char *p;

	if (!valid_sha256(sha256))
		return NULL;
	len = strlen(st->dir) + sizeof("/originals/xx/") + 64;
	if ((p = malloc(len)) != NULL)
		snprintf(p, len, "%s/originals/%.2s/%s", st->dir, sha256,
		         sha256);
	return p;
}

/* Copy all of fd in to fd out.  0 or CR_EIO with err naming the files. */
static int copy_fd(int in, int out, const char *src, const char *dst,
                   struct cr_err *err)
{
	char buf[65536];
	ssize_t n, w;
	size_t off;

	for (;;) {
		n = read(in, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return cr_err_set(err, CR_EIO, "cannot read %s: %s",
			                  src, strerror(errno));
		if (n == 0)
			return CR_OK;
		for (off = 0; off < (size_t)n; off += (size_t)w) {
			w = write(out, buf + off, (size_t)n - off);
			if (w < 0 && errno == EINTR) {
				w = 0;
				continue;
			}
			if (w < 0)
				return cr_err_set(err, CR_EIO,
				                  "cannot write %s: %s", dst,
				                  strerror(errno));
		}
	}
}

int store_original_put(struct store *st, const char *src_path,
                       const char *sha256, char **stored_path_out,
                       struct cr_err *err)
{
	char *final = NULL, *tmp = NULL, *sub = NULL;
	char check[65];
	struct stat sb;
	int in = -1, out = -1, have_tmp = 0, rc, attempt;
	size_t len;

	if (stored_path_out != NULL)
		*stored_path_out = NULL;
	if (!valid_sha256(sha256))
		return cr_err_set(err, CR_EINVAL,
		                  "original for %s: the hash is not 64 "
		                  "lowercase hex digits",
		                  src_path ? src_path : "(none)");
	if (src_path == NULL)
		return cr_err_set(err, CR_EINVAL, "no source file given");
	if ((final = store_original_path(st, sha256)) == NULL)
		goto nomem;
	len = strlen(final) + 48;
	sub = strdup(final);
	tmp = malloc(len);
	if (sub == NULL || tmp == NULL)
		goto nomem;
	*strrchr(sub, '/') = '\0';

	/* A new fan-out folder is itself a directory entry to make durable. */
	if (lstat(sub, &sb) != 0) {
		if ((rc = cr_mkdirs(sub, err)) != CR_OK)
			goto fail;
		if ((rc = cr_fsync_parent(sub, err)) != CR_OK)
			goto fail;
	}
	if (lstat(final, &sb) == 0) {
		if (!S_ISREG(sb.st_mode)) {
			rc = cr_err_set(err, CR_EIO,
			                "%s exists and is not a regular file",
			                final);
			goto fail;
		}
		goto done; /* content-addressed: same name, same bytes */
	}

	/* O_NONBLOCK: a FIFO dropped in the inbox must not hang us; it is
	 * refused below as not a regular file. */
	in = open(src_path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (in < 0) {
		rc = cr_err_set(err, errno_code(errno), "cannot open %s: %s",
		                src_path, strerror(errno));
		goto fail;
	}
	if (fstat(in, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		rc = cr_err_set(err, CR_EIO, "%s is not a regular file",
		                src_path);
		goto fail;
	}
	for (attempt = 0; out < 0; attempt++) {
		snprintf(tmp, len, "%s/.%s.%ld.%d.tmp", sub, sha256,
		         (long)getpid(), attempt);
		out = open(tmp,
		           O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
		           0600);
		if (out < 0 && (errno != EEXIST || attempt >= 100)) {
			rc = cr_err_set(err, errno_code(errno),
			                "cannot create %s: %s", tmp,
			                strerror(errno));
			goto fail;
		}
	}
	have_tmp = 1;
	if ((rc = copy_fd(in, out, src_path, tmp, err)) != CR_OK)
		goto fail;
	if (fchmod(out, 0440) != 0 || fsync(out) != 0) {
		rc = cr_err_set(err, CR_EIO, "cannot sync %s: %s", tmp,
		                strerror(errno));
		goto fail;
	}
	rc = close(out);
	out = -1;
	if (rc != 0) {
		rc = cr_err_set(err, CR_EIO, "cannot close %s: %s", tmp,
		                strerror(errno));
		goto fail;
	}
	/* The scan may still have been growing when it was hashed: keep
	 * only bytes that match the hash the document row will carry. */
	if ((rc = cr_sha256_file(tmp, check, NULL, err)) != CR_OK)
		goto fail;
	if (strcmp(check, sha256) != 0) {
		rc = cr_err_set(err, CR_EIO,
		                "%s changed while it was copied (SHA-256 "
		                "differs); try again when it is complete",
		                src_path);
		goto fail;
	}
	if (rename(tmp, final) != 0) {
		rc = cr_err_set(err, errno_code(errno),
		                "cannot rename %s to %s: %s", tmp, final,
		                strerror(errno));
		goto fail;
	}
	have_tmp = 0;
	if ((rc = cr_fsync_parent(final, err)) != CR_OK)
		goto fail;
done:
	if (in >= 0)
		close(in);
	free(tmp);
	free(sub);
	if (stored_path_out != NULL)
		*stored_path_out = final;
	else
		free(final);
	return CR_OK;

nomem:
	rc = cr_err_set(err, CR_ENOMEM, "out of memory storing %s",
	                src_path ? src_path : "an original");
fail:
	if (out >= 0)
		close(out);
	if (have_tmp)
		unlink(tmp);
	if (in >= 0)
		close(in);
	free(tmp);
	free(sub);
	free(final);
	return rc;
}

int store_sweep_temp(struct store *st, size_t *removed, struct cr_err *err)
{
	char *top = path_join(st->dir, "originals");
	struct dirent *de;
	size_t n = 0;
	DIR *d;

	if (removed != NULL)
		*removed = 0;
	if (top == NULL)
		return cr_err_set(err, CR_ENOMEM, "out of memory");
	if ((d = opendir(top)) == NULL) {
		int rc = cr_err_set(err, CR_EIO, "cannot read %s: %s", top,
		                    strerror(errno));
		free(top);
		return rc;
	}
	while ((de = readdir(d)) != NULL) {
		char sub[PATH_MAX];
		struct dirent *fe;
		DIR *fd;
		if (de->d_name[0] == '.' || strlen(de->d_name) != 2)
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", top, de->d_name);
		if ((fd = opendir(sub)) == NULL)
			continue;
		while ((fe = readdir(fd)) != NULL) {
			const char *name = fe->d_name, *p;
			size_t len = strlen(name);
			long pid;
			/* ".<64 hex>.<pid>.<n>.tmp" */
			if (name[0] != '.' || len < 72 ||
			    strcmp(name + len - 4, ".tmp") != 0 ||
			    name[65] != '.')
				continue;
			p = name + 66;
			pid = strtol(p, NULL, 10);
			if (pid <= 0 || kill((pid_t)pid, 0) == 0 ||
			    errno != ESRCH)
				continue; /* a live writer's */
			if (unlinkat(dirfd(fd), name, 0) == 0)
				n++;
		}
		closedir(fd);
	}
	closedir(d);
	free(top);
	if (removed != NULL)
		*removed = n;
	return CR_OK;
}

/* ---- Documents ------------------------------------------------------- */

static int document_check(const struct store_document *doc,
                          const struct store_page *pages, size_t npages,
                          const struct store_field *fields, size_t nfields,
                          const struct store_candidate *cands, size_t ncands,
                          struct cr_err *err)
{
	const char *f;
	size_t i;

	if (doc == NULL)
		return cr_err_set(err, CR_EINVAL, "no document given");
	f = doc->file != NULL ? doc->file : "(unnamed)";
	if (doc->file == NULL || doc->file[0] == '\0')
		return cr_err_set(err, CR_EINVAL, "document has no file name");
	if (!valid_sha256(doc->sha256))
		return cr_err_set(err, CR_EINVAL,
		                  "document %s: the hash is not 64 lowercase "
		                  "hex digits",
		                  f);
	if (!valid_status(doc->status))
		return cr_err_set(err, CR_EINVAL,
		                  "document %s: status must be filed, review "
		                  "or rejected",
		                  f);
	/* The header's rule: a patient iff filed.  A review document's
	 * possible patients are its candidates, not a link. */
	if (strcmp(doc->status, "filed") == 0 &&
	    (doc->patient_mrn == NULL || doc->patient_mrn[0] == '\0'))
		return cr_err_set(err, CR_EINVAL,
		                  "document %s: filed without a patient", f);
	if (strcmp(doc->status, "filed") != 0 && doc->patient_mrn != NULL)
		return cr_err_set(err, CR_EINVAL,
		                  "document %s: linked to a patient but not "
		                  "filed",
		                  f);
	if (doc->document_date != NULL &&
	    !store__valid_date(doc->document_date))
		return cr_err_set(err, CR_EINVAL,
		                  "document %s: document date is not a real "
		                  "YYYY-MM-DD date",
		                  f);
	if (doc->size_bytes > (uint64_t)INT64_MAX)
		return cr_err_set(err, CR_EINVAL, "document %s: size too large",
		                  f);
	if ((npages > 0 && pages == NULL) || (nfields > 0 && fields == NULL) ||
	    (ncands > 0 && cands == NULL))
		return cr_err_set(err, CR_EINVAL,
		                  "document %s: a count is set but its array "
		                  "is missing",
		                  f);
	for (i = 0; i < npages; i++)
		if (pages[i].index < 0)
			return cr_err_set(err, CR_EINVAL,
			                  "document %s: negative page index",
			                  f);
	for (i = 0; i < nfields; i++)
		if (fields[i].name == NULL || fields[i].name[0] == '\0')
			return cr_err_set(err, CR_EINVAL,
			                  "document %s: a field has no name",
			                  f);
	for (i = 0; i < ncands; i++)
		if (cands[i].mrn == NULL || cands[i].mrn[0] == '\0')
			return cr_err_set(err, CR_EINVAL,
			                  "document %s: a candidate has no MRN",
			                  f);
	return CR_OK;
}

static int insert_document_row(struct store *st, struct store_document *doc,
                               struct cr_err *err)
{
	static const char sql[] =
	    "INSERT INTO documents(file, sha256, size_bytes, original_path,"
	    " status, doc_type, patient_mrn, document_date, pages, confidence,"
	    " reason, source) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)";
	sqlite3_stmt *stmt = NULL;
	int rc, ext;

	if ((rc = store__prepare(st, sql, &stmt, err)) != CR_OK)
		return rc;
	store__bind_text(stmt, 1, doc->file);
	store__bind_text(stmt, 2, doc->sha256);
	sqlite3_bind_int64(stmt, 3, (sqlite3_int64)doc->size_bytes);
	store__bind_text(stmt, 4, doc->original_path);
	store__bind_text(stmt, 5, doc->status);
	store__bind_text(stmt, 6, doc->doc_type);
	store__bind_text(stmt, 7, doc->patient_mrn);
	store__bind_text(stmt, 8, doc->document_date);
	sqlite3_bind_int(stmt, 9, doc->pages);
	sqlite3_bind_double(stmt, 10, doc->confidence);
	store__bind_text(stmt, 11, doc->reason);
	store__bind_text(stmt, 12, doc->source);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_DONE) {
		doc->id = sqlite3_last_insert_rowid(st->db);
		rc = CR_OK;
	} else {
		ext = sqlite3_extended_errcode(st->db);
		if (ext == SQLITE_CONSTRAINT_UNIQUE)
			rc = cr_err_set(err, CR_EEXIST,
			                "document %s: a document with SHA-256 "
			                "%s is already stored",
			                doc->file, doc->sha256);
		else if (ext == SQLITE_CONSTRAINT_FOREIGNKEY)
			rc = cr_err_set(err, CR_ENOTFOUND,
			                "document %s: its patient is not in "
			                "the roster",
			                doc->file);
		else
			rc = store__db_error(st, rc, "cannot insert a document",
			                     err);
	}
	sqlite3_finalize(stmt);
	return rc;
}

static int insert_pages(struct store *st, int64_t id,
                        const struct store_page *pages, size_t npages,
                        struct cr_err *err)
{
	static const char sql[] =
	    "INSERT INTO pages(document_id, page_index, width, height, dpi,"
	    " rotation_deg, mean_conf, text) VALUES (?1,?2,?3,?4,?5,?6,?7,?8)";
	sqlite3_stmt *stmt = NULL;
	size_t i;
	int rc;

	if (npages == 0)
		return CR_OK;
	if ((rc = store__prepare(st, sql, &stmt, err)) != CR_OK)
		return rc;
	for (i = 0; i < npages && rc == CR_OK; i++) {
		sqlite3_reset(stmt);
		sqlite3_bind_int64(stmt, 1, id);
		sqlite3_bind_int(stmt, 2, pages[i].index);
		sqlite3_bind_int(stmt, 3, pages[i].width);
		sqlite3_bind_int(stmt, 4, pages[i].height);
		sqlite3_bind_int(stmt, 5, pages[i].dpi);
		sqlite3_bind_int(stmt, 6, pages[i].rotation_deg);
		sqlite3_bind_double(stmt, 7, pages[i].mean_conf);
		store__bind_text(stmt, 8, pages[i].text ? pages[i].text : "");
		rc = store__step_done(st, stmt, "cannot insert a page", err);
	}
	sqlite3_finalize(stmt);
	return rc;
}

static int insert_fields(struct store *st, int64_t id,
                         const struct store_field *fields, size_t nfields,
                         struct cr_err *err)
{
	static const char sql[] =
	    "INSERT INTO fields(document_id, name, value, conf, page, x0, y0,"
	    " x1, y1, source) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)";
	sqlite3_stmt *stmt = NULL;
	size_t i;
	int rc;

	if (nfields == 0)
		return CR_OK;
	if ((rc = store__prepare(st, sql, &stmt, err)) != CR_OK)
		return rc;
	for (i = 0; i < nfields && rc == CR_OK; i++) {
		sqlite3_reset(stmt);
		sqlite3_bind_int64(stmt, 1, id);
		store__bind_text(stmt, 2, fields[i].name);
		store__bind_text(stmt, 3, fields[i].value);
		sqlite3_bind_double(stmt, 4, fields[i].conf);
		sqlite3_bind_int(stmt, 5, fields[i].page);
		sqlite3_bind_int(stmt, 6, fields[i].x0);
		sqlite3_bind_int(stmt, 7, fields[i].y0);
		sqlite3_bind_int(stmt, 8, fields[i].x1);
		sqlite3_bind_int(stmt, 9, fields[i].y1);
		store__bind_text(stmt, 10, fields[i].source);
		rc = store__step_done(st, stmt, "cannot insert a field", err);
	}
	sqlite3_finalize(stmt);
	return rc;
}

static int insert_candidates(struct store *st, int64_t id,
                             const struct store_candidate *cands, size_t ncands,
                             struct cr_err *err)
{
	static const char sql[] =
	    "INSERT INTO candidates(document_id, rank, mrn, score, evidence)"
	    " VALUES (?1,?2,?3,?4,?5)";
	sqlite3_stmt *stmt = NULL;
	size_t i;
	int rc;

	if (ncands == 0)
		return CR_OK;
	if ((rc = store__prepare(st, sql, &stmt, err)) != CR_OK)
		return rc;
	for (i = 0; i < ncands && rc == CR_OK; i++) {
		sqlite3_reset(stmt);
		sqlite3_bind_int64(stmt, 1, id);
		sqlite3_bind_int64(stmt, 2, (sqlite3_int64)i + 1);
		store__bind_text(stmt, 3, cands[i].mrn);
		sqlite3_bind_double(stmt, 4, cands[i].score);
		store__bind_text(stmt, 5, cands[i].evidence);
		rc = store__step_done(st, stmt, "cannot insert a candidate",
		                      err);
	}
	sqlite3_finalize(stmt);
	return rc;
}

static int insert_link(struct store *st, int64_t id, const char *actor,
                       const char *status, const char *mrn, const char *reason,
                       struct cr_err *err)
{
	static const char sql[] =
	    "INSERT INTO links(document_id, actor, status, mrn, reason)"
	    " VALUES (?1,?2,?3,?4,?5)";
	sqlite3_stmt *stmt = NULL;
	int rc;

	if ((rc = store__prepare(st, sql, &stmt, err)) != CR_OK)
		return rc;
	sqlite3_bind_int64(stmt, 1, id);
	store__bind_text(stmt, 2, actor);
	store__bind_text(stmt, 3, status);
	store__bind_text(stmt, 4, mrn);
	store__bind_text(stmt, 5, reason);
	rc = store__step_done(st, stmt, "cannot record the link history", err);
	sqlite3_finalize(stmt);
	return rc;
}

int store_document_insert(struct store *st, struct store_document *doc,
                          const struct store_page *pages, size_t npages,
                          const struct store_field *fields, size_t nfields,
                          const struct store_candidate *cands, size_t ncands,
                          struct cr_err *err)
{
	int rc, own = 0;
	int64_t id;

	rc = document_check(doc, pages, npages, fields, nfields, cands, ncands,
	                    err);
	if (rc != CR_OK)
		return rc;
	if ((rc = store__tx_begin(st, STORE_SP, &own, err)) != CR_OK)
		return rc;
	id = doc->id;
	if ((rc = insert_document_row(st, doc, err)) != CR_OK)
		goto fail;
	if ((rc = insert_pages(st, doc->id, pages, npages, err)) != CR_OK)
		goto fail;
	if ((rc = insert_fields(st, doc->id, fields, nfields, err)) != CR_OK)
		goto fail;
	if ((rc = insert_candidates(st, doc->id, cands, ncands, err)))
		goto fail;
	rc =
	    insert_link(st, doc->id, doc->actor != NULL ? doc->actor : "intake",
	                doc->status, doc->patient_mrn, doc->reason, err);
	if (rc != CR_OK)
		goto fail;
	if ((rc = store__tx_commit(st, STORE_SP, own, err)) != CR_OK)
		goto fail;
	return CR_OK;
fail:
	store__tx_rollback(st, STORE_SP, own);
	doc->id = id;
	return rc;
}

int store_document_by_sha(struct store *st, const char *sha256, int64_t *id_out,
                          struct cr_err *err)
{
	sqlite3_stmt *stmt = NULL;
	int rc;

	if (!valid_sha256(sha256))
		return cr_err_set(err, CR_EINVAL,
		                  "the hash is not 64 lowercase hex digits");
	rc = store__prepare(st, "SELECT id FROM documents WHERE sha256 = ?1",
	                    &stmt, err);
	if (rc != CR_OK)
		return rc;
	store__bind_text(stmt, 1, sha256);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		if (id_out != NULL)
			*id_out = sqlite3_column_int64(stmt, 0);
		rc = CR_OK;
	} else if (rc == SQLITE_DONE) {
		rc = cr_err_set(err, CR_ENOTFOUND,
		                "no document with SHA-256 %s", sha256);
	} else {
		rc = store__db_error(st, rc, "cannot look a document up", err);
	}
	sqlite3_finalize(stmt);
	return rc;
}

/* ---- Linking after intake -------------------------------------------- */

int store_document_relink(struct store *st, int64_t id,
                          const char *from_status, const char *mrn,
                          const char *new_status, const char *actor,
                          const char *reason, struct cr_err *err)
{
	static const char upd[] =
	    "UPDATE documents SET status = ?2, patient_mrn = ?3, reason = ?4"
	    " WHERE id = ?1";
	sqlite3_stmt *stmt = NULL;
	const char *status;
	int rc, own = 0;

	if (actor == NULL || actor[0] == '\0')
		return cr_err_set(err, CR_EINVAL,
		                  "document %lld: relink without an actor",
		                  (long long)id);
	if (mrn != NULL) {
		if (mrn[0] == '\0' ||
		    (new_status != NULL && strcmp(new_status, "filed") != 0))
			return cr_err_set(err, CR_EINVAL,
			                  "document %lld: a link to a patient "
			                  "has status filed",
			                  (long long)id);
		status = "filed";
	} else {
		if (new_status == NULL || (strcmp(new_status, "review") != 0 &&
		                           strcmp(new_status, "rejected") != 0))
			return cr_err_set(err, CR_EINVAL,
			                  "document %lld: without a patient "
			                  "the status is review or rejected",
			                  (long long)id);
		status = new_status;
	}

	if ((rc = store__tx_begin(st, STORE_SP, &own, err)) != CR_OK)
		return rc;
	rc = store__exists(st, "SELECT 1 FROM documents WHERE id = ?1", id,
	                   NULL, err);
	if (rc == 0)
		rc = cr_err_set(err, CR_ENOTFOUND, "no document %lld",
		                (long long)id);
	if (rc < 0)
		goto fail;
	if (from_status != NULL) {
		/* Under the write lock: what the caller decided on is still
		 * what is there. */
		rc = store__prepare(st,
		                    "SELECT 1 FROM documents WHERE id = ?1"
		                    " AND status = ?2",
		                    &stmt, err);
		if (rc != CR_OK)
			goto fail;
		sqlite3_bind_int64(stmt, 1, id);
		store__bind_text(stmt, 2, from_status);
		rc = sqlite3_step(stmt);
		rc = rc == SQLITE_ROW    ? 1
		     : rc == SQLITE_DONE ? 0
		                         : store__db_error(st, rc,
		                                           "cannot read a document",
		                                           err);
		sqlite3_finalize(stmt);
		stmt = NULL;
		if (rc == 0)
			rc = cr_err_set(err, CR_EEXIST,
			                "document %lld is no longer %s: someone "
			                "else changed it meanwhile",
			                (long long)id, from_status);
		if (rc < 0)
			goto fail;
	}
	if (mrn != NULL) {
		rc = store__exists(st, "SELECT 1 FROM patients WHERE mrn = ?1",
		                   0, mrn, err);
		if (rc == 0)
			rc = cr_err_set(err, CR_ENOTFOUND,
			                "document %lld: that patient is not in "
			                "the roster",
			                (long long)id);
		if (rc < 0)
			goto fail;
	}
	if ((rc = store__prepare(st, upd, &stmt, err)) != CR_OK)
		goto fail;
	sqlite3_bind_int64(stmt, 1, id);
	store__bind_text(stmt, 2, status);
	store__bind_text(stmt, 3, mrn);
	store__bind_text(stmt, 4, reason);
	rc = store__step_done(st, stmt, "cannot relink a document", err);
	sqlite3_finalize(stmt);
	if (rc != CR_OK)
		goto fail;
	if ((rc = insert_link(st, id, actor, status, mrn, reason, err)))
		goto fail;
	if ((rc = store__tx_commit(st, STORE_SP, own, err)) != CR_OK)
		goto fail;
	return CR_OK;
fail:
	store__tx_rollback(st, STORE_SP, own);
	return rc;
}
