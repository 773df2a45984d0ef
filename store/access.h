/*
 * access.h - who may see what, and the record of who saw what: web users
 * and their roles, password sign-in with throttling, sessions with CSRF
 * tokens and idle expiry, the authorisation rules, "break the glass"
 * grants, and the append-only, hash-chained audit log.
 *
 * It lives in the store module because every piece of it is rows in the
 * store's database (schema version 3), but it is its own header so that
 * code which only reads documents need not see it.  Secrets use libsodium
 * only: Argon2id password hashes (crypto_pwhash_str), random tokens
 * (randombytes_buf), BLAKE2b of session tokens (crypto_generichash; only
 * the hash is stored, so a copy of the database does not sign anybody
 * in), and HMAC-SHA-256 for the audit chain, keyed by "<store>/audit.key"
 * (mode 0600, made on first use).  Functions that need randomness call
 * sodium_init() themselves (it is idempotent and thread-safe).
 *
 * Time: every function that looks at the clock takes "now_ms", wall
 * time in milliseconds since 1970 (access_now_ms()), so tests can move
 * time; nothing here sleeps.
 *
 * Threads: like the rest of the store, one struct store per thread.  All
 * writes take the database write lock (BEGIN IMMEDIATE, or a savepoint
 * inside store_begin()), so several processes and connections may sign
 * in, audit and grant at once and the audit chain stays one chain.
 *
 * Errors follow cr.h; messages name users, ids and actions, never a
 * patient's name.  A function that denies returns CR_EPERM.
 */
#ifndef ACCESS_H
#define ACCESS_H

#include <stddef.h>
#include <stdint.h>

#include "../common/cr.h"
#include "store.h"

/* ---- Limits and defaults --------------------------------------------- */

#define ACCESS_NAME_MAX 64       /* user name bytes, without the NUL */
#define ACCESS_PHYSICIAN_MAX 256 /* physician-of-record name bytes */
#define ACCESS_PASSWORD_MIN 10   /* bytes */
#define ACCESS_PASSWORD_MAX 1024 /* bytes; longer is CR_EINVAL */
#define ACCESS_TOKEN_HEX 64      /* session and CSRF tokens, hex digits */
#define ACCESS_REMOTE_MAX 64     /* remote address bytes kept */
#define ACCESS_DETAIL_MAX 512    /* audit detail bytes kept */
#define ACCESS_REASON_MIN 10     /* break-the-glass reason, bytes */
#define ACCESS_REASON_MAX 1000

#define ACCESS_IDLE_DEFAULT_MS (15 * 60 * 1000)  /* sessions */
#define ACCESS_GLASS_DEFAULT_MS (60 * 60 * 1000) /* break the glass */

/* Sign-in throttling: failures counted over the last WINDOW, per user
 * name and per remote address.  From FREE failures on, each further
 * attempt waits 2^(n-FREE) seconds (capped at DELAY_MAX); at LOCK
 * failures the name is refused until the oldest failure leaves the
 * window.  A remote address gets more room (a reverse proxy or a clinic
 * behind one NAT address is many people). */
#define ACCESS_THROTTLE_WINDOW_MS (15 * 60 * 1000)
#define ACCESS_THROTTLE_FREE 3
#define ACCESS_THROTTLE_LOCK 10
#define ACCESS_THROTTLE_REMOTE_FREE 10
#define ACCESS_THROTTLE_REMOTE_LOCK 100
#define ACCESS_THROTTLE_DELAY_MAX_MS 16000

/* Wall-clock now in milliseconds since 1970 (CLOCK_REALTIME).  Cannot
 * fail. */
int64_t access_now_ms(void);

/* ISO 8601 UTC with milliseconds, "2026-11-25T14:03:07.123Z", into out.
 * Cannot fail. */
void access_time_format(int64_t ms, char out[32]);

/* Parse "YYYY-MM-DD" (midnight UTC) or "YYYY-MM-DDTHH:MM:SS[.mmm]Z" into
 * *ms.  Returns 0, or CR_EINVAL for anything else (not a real date). */
int access_time_parse(const char *s, int64_t *ms);

/* ---- Users ----------------------------------------------------------- */

enum access_role {
	ACCESS_ROLE_NONE = 0, /* not a role; returned for unknown names */
	ACCESS_ADMIN,         /* users, audit, everything records staff do */
	ACCESS_OPERATOR,      /* scanning stations: intake and review queue */
	ACCESS_CLERK,         /* records staff: lookup, export, refile */
	ACCESS_PHYSICIAN      /* own patients, break the glass for others */
};

/* "admin", "operator", "clerk", "physician"; "none" otherwise.  Static. */
const char *access_role_name(enum access_role role);
/* The role named s, or ACCESS_ROLE_NONE.  Cannot fail. */
enum access_role access_role_parse(const char *s);

/* A user as read from the store; a plain value, nothing to free. */
struct access_user {
	int64_t id;
	char name[ACCESS_NAME_MAX + 1];
	enum access_role role;
	char physician[ACCESS_PHYSICIAN_MAX + 1]; /* "" unless physician */
	int disabled;
	char created_at[32]; /* ISO UTC */
	char updated_at[32];
};

/*
 * 1 when name is a valid user name: 1..ACCESS_NAME_MAX bytes of lowercase
 * a-z, 0-9 and ". _ - @", starting with a letter.  Names are lowercase so
 * "JSmith" and "jsmith" can never be two people; access_signin() folds
 * what was typed.  "cli:..." names (access_local_actor()) are not valid
 * user names, so an audit entry from the command line cannot pass for a
 * web user's.  Cannot fail.
 */
int access_user_name_valid(const char *name);

/*
 * Add a user.  physician is the physician-of-record name exactly as the
 * roster spells it (compared ignoring ASCII case), required for
 * ACCESS_PHYSICIAN and refused for other roles.  password is hashed with
 * Argon2id (libsodium, interactive limits) before it leaves this
 * function; only the hash is stored.  The change is audited ("user_add")
 * as actor from remote (NULL for the command line) in the same
 * transaction.  Returns 0, CR_EINVAL (bad name, role, physician or
 * password length, with the reason), CR_EEXIST, or a store error.
 */
int access_user_add(struct store *st, const char *actor, const char *remote,
                    const char *name, enum access_role role,
                    const char *physician, const char *password,
                    struct cr_err *err);

/* Set a new password (Argon2id), end all of the user's sessions, clear
 * their failed sign-ins, audit "user_passwd".  CR_ENOTFOUND for an
 * unknown name. */
int access_user_passwd(struct store *st, const char *actor, const char *remote,
                       const char *name, const char *password,
                       struct cr_err *err);

/* Disable the user (they can no longer sign in; kept for the audit
 * trail, never deleted), end all their sessions, audit "user_disable".
 * Disabling a disabled user is 0.  CR_ENOTFOUND for an unknown name. */
int access_user_disable(struct store *st, const char *actor, const char *remote,
                        const char *name, struct cr_err *err);

/* Enable a disabled user again, audit "user_enable". */
int access_user_enable(struct store *st, const char *actor, const char *remote,
                       const char *name, struct cr_err *err);

/* Load user name into *out.  0, CR_ENOTFOUND, or a store error. */
int access_user_get(struct store *st, const char *name, struct access_user *out,
                    struct cr_err *err);

/* Call cb for every user in name order (u borrowed for the call).  cb
 * returns non-zero to stop; that value is returned. */
typedef int (*access_user_cb)(void *ctx, const struct access_user *u);
int access_user_each(struct store *st, access_user_cb cb, void *ctx,
                     struct cr_err *err);

/* How many roster patients have this physician of record (ignoring
 * ASCII case): lets "user add" warn about a name that matches nobody. */
int access_physician_patients(struct store *st, const char *physician,
                              int64_t *count, struct cr_err *err);

/*
 * Check name and password without side effects (no audit, no
 * throttling; access_signin() is what a server calls).  An unknown name
 * is checked against a fixed dummy hash with the same cost, so the time
 * taken does not tell which names exist.  Returns 0 with *out filled
 * (out may be NULL), CR_EPERM for an unknown name, a wrong password or a
 * disabled user (*why, when not NULL, gets a static "unknown user",
 * "wrong password" or "disabled" for the audit; never show it to the
 * client), or a store error.
 */
int access_user_verify(struct store *st, const char *name, const char *password,
                       struct access_user *out, const char **why,
                       struct cr_err *err);

/* ---- Sign-in and throttling ------------------------------------------ */

/*
 * How long the next attempt for name from remote must wait.  0 with
 * *delay_ms >= 0 (0: no wait) when an attempt may be made, or CR_ELIMIT
 * when the name or address is locked out (*delay_ms: until the lock
 * lifts).  Either may be NULL.  Read-only.
 */
int access_throttle_check(struct store *st, const char *name,
                          const char *remote, int64_t now_ms, int64_t *delay_ms,
                          struct cr_err *err);

/* Record one failed sign-in of name from remote.  Names are kept as a
 * BLAKE2b hash only (people type passwords into the name field).
 * Rows older than the window are purged on the way. */
int access_throttle_record(struct store *st, const char *name,
                           const char *remote, int64_t now_ms,
                           struct cr_err *err);

/*
 * Sign a user in, the whole policy in one call: throttle check, password
 * check (dummy hash for unknown names), failure recorded and audited
 * ("signin_failed", outcome denied, detail the reason; an unknown name
 * is audited as user "(unknown)" so a mistyped password is never
 * stored), success audited ("signin") and the user's failures cleared;
 * a hash made with weaker limits is re-hashed.  *delay_ms (required)
 * is how long the caller must hold the answer back, whatever the
 * outcome: the caller sleeps, this function never does.
 *
 * Returns 0 with *out filled; CR_EPERM for bad credentials or a
 * disabled user (tell the client only "wrong name or password");
 * CR_ELIMIT when locked out (*delay_ms: until it lifts); or a store
 * error.  Create the session with access_session_create() after 0.
 */
int access_signin(struct store *st, const char *name, const char *password,
                  const char *remote, int64_t now_ms, struct access_user *out,
                  int64_t *delay_ms, struct cr_err *err);

/* ---- Sessions -------------------------------------------------------- */

struct access_session {
	struct access_user user;
	char csrf[ACCESS_TOKEN_HEX + 1]; /* send in the page/JSON body */
	int64_t created_ms;
	int64_t seen_ms; /* last use, after this lookup */
	char remote[ACCESS_REMOTE_MAX + 1];
};

/*
 * Start a session for user u (as returned by access_signin()).  token
 * receives 64 hex digits of 32 random bytes, for the cookie; only its
 * BLAKE2b hash is stored.  *out (optional) gets the session with its
 * CSRF token.  Returns 0 or a store error.
 */
int access_session_create(struct store *st, const struct access_user *u,
                          const char *remote, int64_t now_ms,
                          char token[ACCESS_TOKEN_HEX + 1],
                          struct access_session *out, struct cr_err *err);

/*
 * The session for a cookie token, if alive: not idle for more than
 * idle_ms (<= 0: ACCESS_IDLE_DEFAULT_MS) and its user not disabled.
 * Touches it (seen_ms = now_ms) when the last touch is 30 s old or more
 * (each write is a durable commit), so idle expiry is exact to 30 s.  A dead session is deleted.  Returns 0
 * with *out filled, CR_ENOTFOUND for an unknown, malformed or expired
 * token (the same answer for each), or a store error.
 */
int access_session_get(struct store *st, const char *token, int64_t now_ms,
                       int64_t idle_ms, struct access_session *out,
                       struct cr_err *err);

/* 1 when csrf (from the request) equals the session's token, compared in
 * constant time; 0 otherwise, also for NULL or a wrong length. */
int access_session_csrf_ok(const struct access_session *s, const char *csrf);

/* Sign out: delete the session of token.  Unknown token is 0. */
int access_session_delete(struct store *st, const char *token,
                          struct cr_err *err);

/* Delete sessions idle for more than idle_ms; *n (optional) counts
 * them. */
int access_session_purge(struct store *st, int64_t now_ms, int64_t idle_ms,
                         int64_t *n, struct cr_err *err);

/* ---- Authorisation --------------------------------------------------- */

/*
 * Things a role may do, regardless of which patient (the table is in
 * docs/access.md):
 *   SEARCH         admin clerk physician (results still per patient)
 *   EXPORT         admin clerk physician (per patient)
 *   REVIEW_VIEW    admin operator      (the queue and its scans)
 *   REVIEW_DECIDE  admin operator      (assign / reject)
 *   REFILE         admin clerk         (move a filed document)
 *   USER_ADMIN     admin
 *   AUDIT_VIEW     admin               (also the break-the-glass list)
 *   BREAK_GLASS    physician
 */
enum access_action {
	ACCESS_ACT_SEARCH = 1,
	ACCESS_ACT_EXPORT,
	ACCESS_ACT_REVIEW_VIEW,
	ACCESS_ACT_REVIEW_DECIDE,
	ACCESS_ACT_REFILE,
	ACCESS_ACT_USER_ADMIN,
	ACCESS_ACT_AUDIT_VIEW,
	ACCESS_ACT_BREAK_GLASS
};

/* 1 when role may do action, else 0.  Cannot fail. */
int access_role_may(enum access_role role, enum access_action action);

/* Why a patient or document was allowed (for the audit detail). */
enum access_via {
	ACCESS_VIA_NONE = 0,  /* denied */
	ACCESS_VIA_ROLE,      /* admin, clerk; operator on the queue */
	ACCESS_VIA_PHYSICIAN, /* the user is the patient's physician */
	ACCESS_VIA_GLASS      /* an unexpired break-the-glass grant */
};

/*
 * May u see patient mrn's chart (demographics and filed documents)?
 * admin, clerk: yes (even for an MRN that does not exist: the caller's
 * lookup then finds nothing).  operator: no; operators see the review
 * queue's documents and their candidates through
 * access_document_allowed(), not charts.  physician: when the roster
 * names them physician of record, or with a grant unexpired at now_ms.
 * Returns 0 (allowed; *via and *grant_id, both optional, say how), CR_EPERM
 * (denied), or a store error.  A disabled user is denied.  Read-only.
 */
int access_patient_allowed(struct store *st, const struct access_user *u,
                           const char *mrn, int64_t now_ms,
                           enum access_via *via, int64_t *grant_id,
                           struct cr_err *err);

/*
 * May u see document id (metadata, text, page images)?  admin, clerk:
 * yes.  operator: when it is in review or rejected (the queue), not
 * once filed.  physician: when it is filed to a patient they may see
 * (above); never an unfiled one.  Returns 0 (allowed; *mrn_out, optional,
 * caller frees with free(), receives the patient MRN or NULL for an
 * unfiled document, for the audit entry; *grant_id, optional, the
 * break-the-glass grant when via is ACCESS_VIA_GLASS), CR_EPERM,
 * CR_ENOTFOUND (no such document), or a store error.
 */
int access_document_allowed(struct store *st, const struct access_user *u,
                            int64_t id, int64_t now_ms, enum access_via *via,
                            int64_t *grant_id, char **mrn_out,
                            struct cr_err *err);

/* ---- Break the glass ------------------------------------------------- */

/*
 * Physician u opens patient mrn's records outside their own list, giving
 * reason (ACCESS_REASON_MIN..MAX bytes; kept in the grant, never copied
 * into the audit detail, since reasons tend to mention people).  Grants
 * access until now_ms + duration_ms (<= 0: ACCESS_GLASS_DEFAULT_MS) and
 * audits "break_glass" with the grant id, in one transaction.  *grant_id
 * optional.  Returns 0, CR_EPERM (not a physician / disabled), CR_EINVAL
 * (reason), CR_ENOTFOUND (no such patient), or a store error.
 */
int access_glass_grant(struct store *st, const struct access_user *u,
                       const char *mrn, const char *reason, const char *remote,
                       int64_t now_ms, int64_t duration_ms, int64_t *grant_id,
                       struct cr_err *err);

/* One grant; strings borrowed for the callback. */
struct access_glass {
	int64_t id;
	const char *user;
	const char *mrn;
	const char *reason;
	const char *remote;
	int64_t granted_ms, expires_ms;
	const char *reviewed_by; /* NULL until an admin marks it reviewed */
	int64_t reviewed_ms;
};
typedef int (*access_glass_cb)(void *ctx, const struct access_glass *g);

/* Grants given at or after since_ms, newest first; unreviewed_only
 * skips reviewed ones.  cb returns non-zero to stop. */
int access_glass_each(struct store *st, int64_t since_ms, int unreviewed_only,
                      access_glass_cb cb, void *ctx, struct cr_err *err);

/* Mark grant id reviewed by admin actor; audited "break_glass_review".
 * CR_ENOTFOUND for an unknown id. */
int access_glass_review(struct store *st, const char *actor, const char *remote,
                        int64_t id, int64_t now_ms, struct cr_err *err);

/* ---- Audit ----------------------------------------------------------- */

/* Action names in use (free-form lowercase [a-z_] up to 32 bytes is
 * accepted; these are the ones Chartroom writes). */
#define ACCESS_AUDIT_SIGNIN "signin"
#define ACCESS_AUDIT_SIGNIN_FAILED "signin_failed"
#define ACCESS_AUDIT_SIGNOUT "signout"
#define ACCESS_AUDIT_SEARCH "search"
#define ACCESS_AUDIT_PATIENT_VIEW "patient_view"
#define ACCESS_AUDIT_DOCUMENT_VIEW "document_view"
#define ACCESS_AUDIT_PAGE_IMAGE "page_image"
#define ACCESS_AUDIT_EXPORT "export"
#define ACCESS_AUDIT_REVIEW_VIEW "review_view"
#define ACCESS_AUDIT_ASSIGN "assign"
#define ACCESS_AUDIT_REJECT "reject"
#define ACCESS_AUDIT_REFILE "refile"
#define ACCESS_AUDIT_USER_ADD "user_add"
#define ACCESS_AUDIT_USER_PASSWD "user_passwd"
#define ACCESS_AUDIT_USER_DISABLE "user_disable"
#define ACCESS_AUDIT_USER_ENABLE "user_enable"
#define ACCESS_AUDIT_BREAK_GLASS "break_glass"
#define ACCESS_AUDIT_BREAK_GLASS_REVIEW "break_glass_review"
#define ACCESS_AUDIT_AUDIT_VIEW "audit_view"
#define ACCESS_AUDIT_AUDIT_VERIFY "audit_verify"

/*
 * One audit entry.  In: strings borrowed; at_ms 0 means now.  Out (from
 * access_audit_each()): strings borrowed for the callback.  mrn and
 * document_id (0 = none) say which patient and document; detail is ids,
 * counts and reasons, never a patient's name, birth date or free text a
 * user typed into a search (the caller's duty: say "name search", not
 * the name).
 */
struct access_audit {
	int64_t id; /* OUT: position in the chain, from 1 */
	int64_t at_ms;
	const char *user;    /* user name, "cli:<login>", "(unknown)" */
	const char *action;  /* ACCESS_AUDIT_* */
	const char *mrn;     /* NULL when no patient */
	int64_t document_id; /* 0 when no document */
	const char *remote;  /* client address; NULL for the CLI */
	int allowed;         /* 1 allowed, 0 denied */
	const char *detail;  /* NULL or ids/counts/reason */
	const char *hash;    /* OUT: this entry's chain hash (hex) */
};

/*
 * Append one entry to the chain, in its own transaction (or a savepoint
 * inside store_begin()).  A server must treat a failure as "deny": an
 * access that cannot be recorded does not happen.  *id_out optional.
 * Creates "<store>/audit.key" (32 random bytes, 0600) on first use.
 * Returns 0, CR_EINVAL (missing user or action, or an action name that
 * is not [a-z_]), CR_EIO (key file), or a store error.
 */
int access_audit_append(struct store *st, const struct access_audit *e,
                        int64_t *id_out, struct cr_err *err);

/*
 * The same for a command run on the server itself (not thread-safe, as
 * access_local_actor()): user is
 * "cli:<login name of the effective uid>" (getpwuid(geteuid()), not
 * $USER, which anyone can set), remote NULL, at now.
 */
int access_audit_local(struct store *st, const char *action, const char *mrn,
                       int64_t document_id, int allowed, const char *detail,
                       struct cr_err *err);

/* "cli:<login>" for the effective uid, into out.  Cannot fail (falls
 * back to "cli:uid<N>").  Not thread-safe (getpwuid()): for commands,
 * not for server threads. */
void access_local_actor(char out[ACCESS_NAME_MAX + 8]);

/* Which entries access_audit_each() returns; zero/NULL fields do not
 * filter. */
struct access_audit_filter {
	const char *mrn;
	const char *user;
	const char *action;
	int64_t since_ms;  /* at_ms >= */
	int64_t until_ms;  /* at_ms < ; 0 = no bound */
	int64_t before_id; /* id < ; for paging newest-first, 0 = none */
	int newest_first;
	int limit; /* 0 = no limit */
};
typedef int (*access_audit_cb)(void *ctx, const struct access_audit *e);
int access_audit_each(struct store *st, const struct access_audit_filter *f,
                      access_audit_cb cb, void *ctx, struct cr_err *err);

/* What access_audit_verify() found wrong with one place in the chain. */
enum access_audit_fault {
	ACCESS_FAULT_CHANGED = 1, /* entry id's fields differ from its hash */
	ACCESS_FAULT_INSERTED,    /* entry id was never part of the chain */
	ACCESS_FAULT_DELETED,     /* entries first_id..last_id are gone */
	ACCESS_FAULT_TRUNCATED,   /* entries after first_id-1 cut off */
	ACCESS_FAULT_HEAD,        /* the head record is missing or forged */
	ACCESS_FAULT_KEY          /* the key file is missing or unreadable */
};

struct access_audit_problem {
	enum access_audit_fault fault;
	int64_t id;       /* the entry concerned (CHANGED, INSERTED; for
	                   * DELETED the entry after the gap), or 0 */
	int64_t first_id; /* DELETED/TRUNCATED: the missing ids, when
	                   * known (0 when the ids were renumbered) */
	int64_t last_id;
	const char *message; /* one sentence, borrowed for the callback */
};
typedef int (*access_problem_cb)(void *ctx,
                                 const struct access_audit_problem *p);

/* "changed", "inserted", "deleted", "truncated", "head", "key".
 * Static. */
const char *access_fault_name(enum access_audit_fault f);

struct access_audit_summary {
	int64_t entries;    /* rows read */
	int64_t problems;   /* cb calls */
	int64_t head_id;    /* the head record: last entry id, hash */
	char head_hash[65]; /* "" when there is no head */
};

/*
 * Walk the whole chain and call cb once per problem found (cb may be
 * NULL).  Fills *sum (optional).  Returns 0 when the walk completed
 * (sum->problems says whether anything was wrong), or an error when it
 * could not run.  What it can and cannot detect is in docs/access.md:
 * without the key, no change, insertion, deletion or truncation goes
 * unseen; someone holding audit.key can rewrite history, and a whole
 * database rolled back to an older copy (with its head) verifies.
 * Write the head hash down somewhere else now and then to catch that.
 */
int access_audit_verify(struct store *st, access_problem_cb cb, void *ctx,
                        struct access_audit_summary *sum, struct cr_err *err);

#endif /* ACCESS_H */
