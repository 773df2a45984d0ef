/*
 * api_int.h - what the JSON API's files share: the per-request call
 * record (who is asking, on which connection), the audit helper, and
 * the mapping from Chartroom error codes to HTTP status codes.
 */
#ifndef API_INT_H
#define API_INT_H

#include "../store/access.h"
#include "web_int.h"

/* The session cookie.  HttpOnly and SameSite=Strict always, Secure
 * under TLS. */
#define API_COOKIE "cr_session"
/* The request header that carries the CSRF token. */
#define API_CSRF_HEADER "X-CSRF-Token"

/* One API call once the caller is known. */
struct api_call {
	struct web_req *r;
	struct store *st;
	struct access_session s; /* valid when signed_in */
	int signed_in;
	int64_t now_ms;
	int holds_write_lock; /* api_audit() must not take it again */
	int64_t grant;        /* the break-the-glass grant of the last
				 access check that used one, for the audit */
};

/*
 * Append an audit entry for this call (user "(unknown)" when nobody is
 * signed in).  detail is printf-style and must hold ids, counts and
 * filter names only, never what was typed into a search.  Returns 0 or
 * an error (logged); the caller must not hand out data it could not
 * record.
 */
int api_audit(struct api_call *c, const char *action, const char *mrn,
              int64_t document_id, int allowed, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* Answer 403 and record the denial. */
enum MHD_Result api_deny(struct api_call *c, const char *action,
                         const char *mrn, int64_t document_id, const char *why);

/* HTTP status for a cr_code: 400, 403, 404, 413, 429, 503 or 500. */
int api_status(int code);

/* Answer for a store or access error: its status and, for 4xx, its
 * message; 5xx say only "could not ..." (the detail goes to the log, as
 * it names files on the server). */
enum MHD_Result api_fail(struct api_call *c, const struct cr_err *err,
                         const char *what);

/* The request body as a JSON object, or NULL after answering 400/415. */
json_t *api_body_object(struct api_call *c);

/* A string or JSON null. */
json_t *api_str(const char *s);

/* Handlers in records.c.  Each is called with a signed-in caller. */
enum MHD_Result api_patients(struct api_call *c);
enum MHD_Result api_documents(struct api_call *c);
enum MHD_Result api_document(struct api_call *c, int64_t id);
enum MHD_Result api_page_image(struct api_call *c, int64_t id, int page);
enum MHD_Result api_review_list(struct api_call *c);
enum MHD_Result api_review_decide(struct api_call *c, int64_t id, int assign);
enum MHD_Result api_audit_list(struct api_call *c);
enum MHD_Result api_glass_grant(struct api_call *c);
enum MHD_Result api_glass_list(struct api_call *c);
enum MHD_Result api_glass_reviewed(struct api_call *c, int64_t id);

/* Handlers in users.c (admins). */
enum MHD_Result api_users_list(struct api_call *c);
enum MHD_Result api_users_add(struct api_call *c);
/* verb is "password", "disable" or "enable"; name is checked. */
enum MHD_Result api_users_change(struct api_call *c, const char *name,
                                 const char *verb);

#endif /* API_INT_H */
