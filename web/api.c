/*
 * api.c - the JSON API's front door: routing /api/... to handlers, the
 * session endpoints (sign in, who am I, sign out), and the checks every
 * call passes before a handler runs: a live session (401), the CSRF
 * token on anything that changes state (403), the method (405).
 *
 * Routing is by path segments split on '/', compared whole; ids are
 * parsed strictly (web_parse_id), so "..", "%2e%2e", "1;drop" or "01"
 * can never reach the store or the file system.  What a user may see is
 * decided by store/access.h; records.c asks it per patient and per
 * document, and writes the audit entry before any data leaves.
 */
#define _POSIX_C_SOURCE 200809L
#include "api_int.h"

#include "../intake/docjson.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#define MAX_SEGMENTS 6

/* ---- Shared helpers -------------------------------------------------- */

json_t *api_str(const char *s)
{
	return docjson_str(s);
}

int api_status(int code)
{
	switch (code) {
	case CR_EINVAL:
		return 400;
	case CR_EPERM:
		return 403;
	case CR_ENOTFOUND:
		return 404;
	case CR_EEXIST:
		return 409;
	case CR_ELIMIT:
		return 429;
	case CR_EBUSY:
		return 503;
	default:
		return 500;
	}
}

enum MHD_Result api_fail(struct api_call *c, const struct cr_err *err,
                         const char *what)
{
	int status = api_status(err->code);

	if (status >= 500) {
		/* Store messages name files on this machine: log them,
		 * tell the client only what failed. */
		cr_log(CR_LOG_ERROR, "serve: %s: %s", what, err->msg);
		return web_reply_error(c->r, status, "could not %s%s", what,
		                       status == 503 ? "; try again" : "");
	}
	return web_reply_error(c->r, status, "%s", err->msg);
}

int api_audit(struct api_call *c, const char *action, const char *mrn,
              int64_t document_id, int allowed, const char *fmt, ...)
{
	struct access_audit e;
	struct cr_err err;
	char detail[ACCESS_DETAIL_MAX];
	va_list ap;
	int rc;

	memset(&e, 0, sizeof(e));
	detail[0] = '\0';
	if (fmt != NULL) {
		va_start(ap, fmt);
		vsnprintf(detail, sizeof(detail), fmt, ap);
		va_end(ap);
	}
	e.at_ms = c->now_ms;
	e.user = c->signed_in ? c->s.user.name : "(unknown)";
	e.action = action;
	e.mrn = mrn;
	e.document_id = document_id;
	e.remote = c->r->client;
	e.allowed = allowed;
	e.detail = detail[0] ? detail : NULL;
	cr_err_clear(&err);
	if (!c->holds_write_lock)
		web_write_lock(c->r->srv);
	rc = access_audit_append(c->st, &e, NULL, &err);
	if (!c->holds_write_lock)
		web_write_unlock(c->r->srv);
	if (rc != CR_OK)
		cr_log(CR_LOG_ERROR,
		       "serve: cannot write the audit entry for "
		       "%s: %s",
		       action, err.msg);
	return rc;
}

enum MHD_Result api_deny(struct api_call *c, const char *action,
                         const char *mrn, int64_t document_id, const char *why)
{
	api_audit(c, action, mrn, document_id, 0, "%s", why);
	return web_reply_error(c->r, 403, "%s", why);
}

json_t *api_body_object(struct api_call *c)
{
	const char *ct = web_header(c->r, MHD_HTTP_HEADER_CONTENT_TYPE);
	json_error_t jerr;
	json_t *o;

	if (ct == NULL || strncmp(ct, "application/json", 16) != 0 ||
	    (ct[16] != '\0' && ct[16] != ';' && ct[16] != ' ')) {
		web_reply_error(c->r, 415, "send the body as application/json");
		return NULL;
	}
	if (c->r->body == NULL || c->r->body_len == 0) {
		web_reply_error(c->r, 400,
		                "the request body is empty; send "
		                "a JSON object");
		return NULL;
	}
	o = json_loadb(c->r->body, c->r->body_len, JSON_REJECT_DUPLICATES,
	               &jerr);
	if (o == NULL) {
		web_reply_error(c->r, 400,
		                "the body is not valid JSON: %s "
		                "(line %d)",
		                jerr.text, jerr.line);
		return NULL;
	}
	if (!json_is_object(o)) {
		json_decref(o);
		web_reply_error(c->r, 400, "the body must be a JSON object");
		return NULL;
	}
	return o;
}

/* ---- Session --------------------------------------------------------- */

static json_t *session_json(struct api_call *c, const struct access_session *s)
{
	return json_pack("{s:s, s:s, s:o, s:s, s:I}", "user", s->user.name,
	                 "role", access_role_name(s->user.role), "physician",
	                 s->user.physician[0] ? json_string(s->user.physician)
	                                      : json_null(),
	                 "csrf", s->csrf, "idle_timeout_s",
	                 (json_int_t)(c->r->srv->idle_ms / 1000));
}

static int set_cookie(struct web_req *r, const char *token)
{
	char buf[256];

	if (token != NULL)
		snprintf(buf, sizeof(buf),
		         API_COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict%s",
		         token, r->srv->tls ? "; Secure" : "");
	else
		snprintf(buf, sizeof(buf),
		         API_COOKIE "=; Path=/; Max-Age=0; HttpOnly; "
		                    "SameSite=Strict%s",
		         r->srv->tls ? "; Secure" : "");
	free(r->set_cookie);
	r->set_cookie = strdup(buf);
	return r->set_cookie != NULL ? 0 : -1;
}

/* Hold a sign-in answer back for delay_ms, as access_signin() asks.  At
 * most srv->signin_slots workers wait at once; past that the caller is
 * told to come back later instead (1), so throttled sign-ins can never
 * occupy every worker. */
static int signin_wait(struct web_server *srv, int64_t delay_ms)
{
	struct timespec ts;

	if (delay_ms <= 0)
		return 0;
	if (atomic_fetch_add(&srv->signin_waiting, 1) >= srv->signin_slots) {
		atomic_fetch_sub(&srv->signin_waiting, 1);
		return 1;
	}
	ts.tv_sec = (time_t)(delay_ms / 1000);
	ts.tv_nsec = (long)(delay_ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) != 0)
		;
	atomic_fetch_sub(&srv->signin_waiting, 1);
	return 0;
}

static enum MHD_Result too_many(struct api_call *c, int64_t delay_ms)
{
	long long secs = (long long)((delay_ms + 999) / 1000);

	snprintf(c->r->retry_after, sizeof(c->r->retry_after), "%lld",
	         secs > 0 ? secs : 1);
	return web_reply_error(c->r, 429,
	                       "too many failed sign-ins; try again in %s "
	                       "seconds",
	                       c->r->retry_after);
}

static enum MHD_Result session_create(struct api_call *c)
{
	char token[ACCESS_TOKEN_HEX + 1];
	struct access_session s;
	struct access_user u;
	struct cr_err err;
	const char *name, *password;
	int64_t delay_ms = 0;
	json_t *body;
	int rc;

	if ((body = api_body_object(c)) == NULL)
		return MHD_YES;
	name = json_string_value(json_object_get(body, "user"));
	password = json_string_value(json_object_get(body, "password"));
	if (name == NULL || password == NULL) {
		json_decref(body);
		return web_reply_error(c->r, 400,
		                       "send {\"user\": ..., "
		                       "\"password\": ...} as strings");
	}
	cr_err_clear(&err);
	rc = access_signin(c->st, name, password, c->r->client, c->now_ms, &u,
	                   &delay_ms, &err);
	json_decref(body);
	if (rc == CR_ELIMIT)
		return too_many(c, delay_ms);
	if (signin_wait(c->r->srv, delay_ms))
		return too_many(c, delay_ms);
	if (rc == CR_EPERM)
		return web_reply_error(c->r, 401, "wrong name or password");
	if (rc != CR_OK)
		return api_fail(c, &err, "sign in");
	rc = access_session_create(c->st, &u, c->r->client, c->now_ms, token,
	                           &s, &err);
	if (rc != CR_OK)
		return api_fail(c, &err, "start a session");
	if (set_cookie(c->r, token) != 0) {
		sodium_memzero(token, sizeof(token));
		return web_reply_error(c->r, 500, "out of memory");
	}
	sodium_memzero(token, sizeof(token));
	c->s = s;
	c->signed_in = 1;
	return web_reply_json(c->r, 200, session_json(c, &s));
}

static enum MHD_Result session_delete(struct api_call *c)
{
	struct cr_err err;
	const char *token = web_cookie(c->r, API_COOKIE);

	cr_err_clear(&err);
	if (api_audit(c, ACCESS_AUDIT_SIGNOUT, NULL, 0, 1, NULL) != CR_OK ||
	    access_session_delete(c->st, token, &err) != CR_OK)
		return web_reply_error(c->r, 503,
		                       "could not sign out; try "
		                       "again");
	set_cookie(c->r, NULL);
	return web_reply_json(c->r, 200, json_pack("{s:b}", "signed_out", 1));
}

/* ---- Routing --------------------------------------------------------- */

struct segs {
	const char *s[MAX_SEGMENTS];
	size_t len[MAX_SEGMENTS];
	int n;
};

/* Split "/api/a/b/c" into a, b, c.  -1 for too many or empty segments
 * ("//", a trailing "/"). */
static int split_path(const char *url, struct segs *sg)
{
	const char *p = url + 5; /* after "/api/" */

	sg->n = 0;
	if (strncmp(url, "/api/", 5) != 0 || *p == '\0')
		return -1;
	for (;;) {
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);
		if (n == 0 || sg->n == MAX_SEGMENTS)
			return -1;
		sg->s[sg->n] = p;
		sg->len[sg->n++] = n;
		if (slash == NULL)
			return 0;
		p = slash + 1;
	}
}

static int seg_is(const struct segs *sg, int i, const char *word)
{
	return i < sg->n && sg->len[i] == strlen(word) &&
	       memcmp(sg->s[i], word, sg->len[i]) == 0;
}

/* "{n}.png" with n a strict page number. */
static int parse_page_seg(const char *s, size_t len, int *page)
{
	int64_t v;

	if (len < 5 || memcmp(s + len - 4, ".png", 4) != 0 ||
	    web_parse_id(s, len - 4, &v) != 0 || v > 100000)
		return -1;
	*page = (int)v;
	return 0;
}

static enum MHD_Result method_not_allowed(struct web_req *r, const char *allow)
{
	r->allow = allow;
	return web_reply_error(r, 405, "%s is not allowed here; use %s",
	                       r->method, allow);
}

static int is_get(const struct web_req *r)
{
	return strcmp(r->method, "GET") == 0 || strcmp(r->method, "HEAD") == 0;
}

static int is_method(const struct web_req *r, const char *m)
{
	return strcmp(r->method, m) == 0;
}

/* Route kinds, decided before anyone is looked up, so a 404 or 405
 * needs no session and writes no audit entry. */
enum route {
	R_NONE,
	R_SESSION,
	R_PATIENTS,
	R_DOCUMENTS,
	R_DOCUMENT,
	R_PAGE,
	R_REVIEW,
	R_REVIEW_ASSIGN,
	R_REVIEW_REJECT,
	R_AUDIT,
	R_GLASS,
	R_GLASS_REVIEWED,
	R_USERS,
	R_USER_CHANGE
};

static enum route route_of(const struct segs *sg, int64_t *id, int *page,
                           const char **allow, int *bad_id)
{
	*bad_id = 0;
	if (seg_is(sg, 0, "users")) {
		if (sg->n == 1) {
			*allow = "GET, POST";
			return R_USERS;
		}
		if (sg->n == 3 &&
		    (seg_is(sg, 2, "password") || seg_is(sg, 2, "disable") ||
		     seg_is(sg, 2, "enable"))) {
			char name[ACCESS_NAME_MAX + 1];
			*allow = "POST";
			if (sg->len[1] > ACCESS_NAME_MAX)
				*bad_id = 3;
			else {
				memcpy(name, sg->s[1], sg->len[1]);
				name[sg->len[1]] = '\0';
				if (!access_user_name_valid(name))
					*bad_id = 3;
			}
			return R_USER_CHANGE;
		}
		return R_NONE;
	}
	if (seg_is(sg, 0, "session") && sg->n == 1) {
		*allow = "GET, POST, DELETE";
		return R_SESSION;
	}
	if (seg_is(sg, 0, "patients") && sg->n == 1) {
		*allow = "GET";
		return R_PATIENTS;
	}
	if (seg_is(sg, 0, "documents")) {
		*allow = "GET";
		if (sg->n == 1)
			return R_DOCUMENTS;
		if (web_parse_id(sg->s[1], sg->len[1], id) != 0) {
			*bad_id = 1;
			return R_DOCUMENT;
		}
		if (sg->n == 2)
			return R_DOCUMENT;
		if (sg->n == 4 && seg_is(sg, 2, "pages")) {
			if (parse_page_seg(sg->s[3], sg->len[3], page) != 0)
				*bad_id = 2;
			return R_PAGE;
		}
		return R_NONE;
	}
	if (seg_is(sg, 0, "review")) {
		if (sg->n == 1) {
			*allow = "GET";
			return R_REVIEW;
		}
		if (sg->n == 3 &&
		    (seg_is(sg, 2, "assign") || seg_is(sg, 2, "reject"))) {
			*allow = "POST";
			if (web_parse_id(sg->s[1], sg->len[1], id) != 0)
				*bad_id = 1;
			return seg_is(sg, 2, "assign") ? R_REVIEW_ASSIGN
			                               : R_REVIEW_REJECT;
		}
		return R_NONE;
	}
	if (seg_is(sg, 0, "audit") && sg->n == 1) {
		*allow = "GET";
		return R_AUDIT;
	}
	if (seg_is(sg, 0, "glass")) {
		if (sg->n == 1) {
			*allow = "GET, POST";
			return R_GLASS;
		}
		if (sg->n == 3 && seg_is(sg, 2, "reviewed")) {
			*allow = "POST";
			if (web_parse_id(sg->s[1], sg->len[1], id) != 0)
				*bad_id = 1;
			return R_GLASS_REVIEWED;
		}
	}
	return R_NONE;
}

/* The audit action a route reads or changes, for 401/403 entries. */
static const char *route_action(enum route rt)
{
	switch (rt) {
	case R_PATIENTS:
	case R_DOCUMENTS:
		return ACCESS_AUDIT_SEARCH;
	case R_DOCUMENT:
		return ACCESS_AUDIT_DOCUMENT_VIEW;
	case R_PAGE:
		return ACCESS_AUDIT_PAGE_IMAGE;
	case R_REVIEW:
		return ACCESS_AUDIT_REVIEW_VIEW;
	case R_REVIEW_ASSIGN:
		return ACCESS_AUDIT_ASSIGN;
	case R_REVIEW_REJECT:
		return ACCESS_AUDIT_REJECT;
	case R_AUDIT:
		return ACCESS_AUDIT_AUDIT_VIEW;
	case R_GLASS:
	case R_GLASS_REVIEWED:
		return ACCESS_AUDIT_BREAK_GLASS;
	case R_USERS:
	case R_USER_CHANGE:
		return ACCESS_AUDIT_USER_ADD;
	default:
		return NULL;
	}
}

static int method_ok(const struct web_req *r, const char *allow)
{
	/* allow lists "GET", "POST", "DELETE" separated by ", ". */
	if (is_get(r))
		return strstr(allow, "GET") != NULL;
	if (is_method(r, "POST"))
		return strstr(allow, "POST") != NULL;
	if (is_method(r, "DELETE"))
		return strstr(allow, "DELETE") != NULL;
	return 0;
}

enum MHD_Result web_api_handle(struct web_req *r)
{
	struct api_call call;
	struct cr_err err;
	const char *allow = NULL, *token, *action;
	struct segs sg;
	enum route rt;
	int64_t id = 0;
	int page = 0, bad_id = 0, rc;
	char verb[16];

	if (split_path(r->url, &sg) != 0 ||
	    (rt = route_of(&sg, &id, &page, &allow, &bad_id)) == R_NONE)
		return web_reply_error(r, 404,
		                       "no such API endpoint; see "
		                       "docs/api.md");
	if (!method_ok(r, allow))
		return method_not_allowed(r, allow);
	if (bad_id == 1)
		return web_reply_error(r, 400,
		                       "an id is a positive decimal "
		                       "number of at most 18 digits");
	if (bad_id == 2)
		return web_reply_error(r, 400,
		                       "a page is a positive number "
		                       "followed by .png");
	if (bad_id == 3)
		return web_reply_error(r, 400,
		                       "a user name is 1 to %d "
		                       "lowercase letters, digits and . _ - @, "
		                       "starting with a letter",
		                       ACCESS_NAME_MAX);

	memset(&call, 0, sizeof(call));
	call.r = r;
	call.now_ms = access_now_ms();
	if ((call.st = web_req_store(r)) == NULL)
		return web_reply_error(r, 503,
		                       "the store cannot be opened; "
		                       "try again");
	if (rt == R_SESSION && is_method(r, "POST"))
		return session_create(&call);

	/* Everything else needs a live session. */
	action = route_action(rt);
	token = web_cookie(r, API_COOKIE);
	cr_err_clear(&err);
	rc = CR_ENOTFOUND;
	if (token != NULL) {
		/* The lookup touches the session: a write. */
		web_write_lock(r->srv);
		rc = access_session_get(call.st, token, call.now_ms,
		                        r->srv->idle_ms, &call.s, &err);
		web_write_unlock(r->srv);
	}
	if (rc == CR_ENOTFOUND) {
		if (action != NULL)
			api_audit(&call, action, NULL, id, 0, "not signed in");
		if (token != NULL)
			set_cookie(r, NULL);
		return web_reply_error(r, 401,
		                       "sign in first (no session, "
		                       "or it expired)");
	}
	if (rc != CR_OK)
		return api_fail(&call, &err, "check the session");
	call.signed_in = 1;

	/* State changes carry the session's CSRF token in a header, which
	 * a form on another site cannot send. */
	if (!is_get(r)) {
		const char *csrf = web_header(r, API_CSRF_HEADER);
		if (!access_session_csrf_ok(&call.s, csrf))
			return api_deny(&call,
			                action ? action : ACCESS_AUDIT_SIGNOUT,
			                NULL, id,
			                csrf == NULL ? "missing CSRF token"
			                             : "wrong CSRF token");
	}

	switch (rt) {
	case R_SESSION:
		if (is_get(r))
			return web_reply_json(r, 200,
			                      session_json(&call, &call.s));
		return session_delete(&call);
	case R_PATIENTS:
		return api_patients(&call);
	case R_DOCUMENTS:
		return api_documents(&call);
	case R_DOCUMENT:
		return api_document(&call, id);
	case R_PAGE:
		return api_page_image(&call, id, page);
	case R_REVIEW:
		return api_review_list(&call);
	case R_REVIEW_ASSIGN:
		return api_review_decide(&call, id, 1);
	case R_REVIEW_REJECT:
		return api_review_decide(&call, id, 0);
	case R_AUDIT:
		return api_audit_list(&call);
	case R_GLASS:
		return is_get(r) ? api_glass_list(&call)
		                 : api_glass_grant(&call);
	case R_GLASS_REVIEWED:
		return api_glass_reviewed(&call, id);
	case R_USERS:
		return is_get(r) ? api_users_list(&call) : api_users_add(&call);
	case R_USER_CHANGE: {
		char name[ACCESS_NAME_MAX + 1];
		memcpy(name, sg.s[1], sg.len[1]);
		name[sg.len[1]] = '\0';
		cr_strlcpy(verb, sg.s[2], sizeof(verb));
		return api_users_change(&call, name, verb);
	}
	default:
		break;
	}
	return web_reply_error(r, 404, "no such API endpoint");
}
