/*
 * web_int.h - what the files of the web module share: the server and
 * request records, the reply helpers every handler uses (so security
 * headers and error bodies are written in one place), the embedded
 * assets, and the page image cache.  Only the .c files of web/ include
 * it; it is the only header besides web.h that names libmicrohttpd.
 */
#ifndef WEB_INT_H
#define WEB_INT_H

#include <jansson.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "../store/store.h"
#include "web.h"

struct web_imgcache;

struct web_server {
	struct MHD_Daemon *mhd;
	char *store_dir;
	int tls; /* cookies get Secure, HSTS is sent */
	int port;
	int quiet;
	size_t max_body;
	pthread_key_t store_key; /* each worker's struct store */
	int store_key_made;
	struct web_imgcache *cache;
	char *cert_pem, *key_pem; /* kept while the daemon runs */
	int64_t idle_ms;          /* sessions idle longer are signed out */
	int signin_slots;         /* sign-ins that may wait at once */
	atomic_int signin_waiting;
	pthread_mutex_t write_lock; /* see web_write_lock() */
	int write_lock_made;
};

/* One HTTP request, from its first header to the completion callback. */
struct web_req {
	struct web_server *srv;
	struct MHD_Connection *conn;
	const char *method; /* borrowed from libmicrohttpd */
	const char *url;    /* the path, already %-decoded; no query */
	char *body;         /* request body, NUL-terminated; may be NULL */
	size_t body_len;
	int body_too_large;
	size_t discarded; /* body bytes dropped past the cap */
	int answered;     /* a response has been queued */
	int status;       /* of the queued response, for the log */
	int64_t start_ms;
	char client[64]; /* peer address, for the audit log */

	/* Extra headers for the next reply (owned). */
	char *set_cookie;
	char *location;
	const char *allow;    /* static: methods for a 405 */
	char retry_after[24]; /* seconds, for a 429; "" = none */
};

/* Reply memory modes. */
enum web_mem { WEB_MEM_STATIC, WEB_MEM_COPY, WEB_MEM_FREE };

/* Data kinds: patient data is never cached by the browser or a proxy. */
enum web_kind { WEB_PUBLIC = 0, WEB_SENSITIVE = 1 };

/*
 * Queue a response: status, content type, body (len bytes; mem says who
 * owns it) and the security headers every response carries.  Returns
 * what libmicrohttpd's access handler must return.  A second reply on
 * one request is ignored (MHD_YES), so a handler that already answered
 * with an error cannot answer twice.
 */
enum MHD_Result web_reply(struct web_req *r, int status, const char *ctype,
                          const void *data, size_t len, enum web_mem mem,
                          enum web_kind kind);

/* Reply with JSON; takes ownership of o (NULL means out of memory: 500).
 * Always WEB_SENSITIVE. */
enum MHD_Result web_reply_json(struct web_req *r, int status, json_t *o);

/* {"error": "<message>", "status": N}.  The message is for people and
 * never carries patient data. */
enum MHD_Result web_reply_error(struct web_req *r, int status, const char *fmt,
                                ...) __attribute__((format(printf, 3, 4)));

/* The worker's store, opened on first use.  NULL when it cannot be
 * opened (the caller answers 503); the reason is logged. */
struct store *web_req_store(struct web_req *r);

/*
 * Serialise this server's own writes (session touches, audit entries,
 * review decisions).  SQLite admits one writer; threads of one process
 * that collide otherwise wait in SQLite's busy handler, which sleeps in
 * steps of up to 100 ms, and a burst of requests turns into seconds of
 * tail latency.  Queued on a mutex they hand over at once.  Other
 * processes (the watcher) still meet the busy handler.  Reads never take
 * it.  Not recursive.
 */
void web_write_lock(struct web_server *srv);
void web_write_unlock(struct web_server *srv);

/* A query argument (decoded), or NULL.  Borrowed for the request. */
const char *web_arg(struct web_req *r, const char *name);

/* A request header, or NULL.  Borrowed for the request. */
const char *web_header(struct web_req *r, const char *name);

/* A cookie's value, or NULL.  Borrowed for the request. */
const char *web_cookie(struct web_req *r, const char *name);

/* Strict positive decimal id: 1..18 digits, nothing else (no sign,
 * space, dot or slash, so an id can never name a path).  Returns 0 with
 * *id set, or -1. */
int web_parse_id(const char *s, size_t len, int64_t *id);

/* Handlers.  Each returns what the access handler returns. */
enum MHD_Result web_api_handle(struct web_req *r);
enum MHD_Result web_pages_handle(struct web_req *r);

/* ---- Embedded assets (web/assets/, turned into C by embed.cmake) ---- */

struct web_asset {
	const char *name; /* file name, e.g. "app.js" */
	const unsigned char *data;
	size_t len;
};
extern const struct web_asset web_assets[];
extern const size_t web_nassets;

/* ---- Page image cache ------------------------------------------------ */

/* A cache of rendered PNGs bounded by max_bytes; thread-safe.  NULL when
 * out of memory. */
struct web_imgcache *web_imgcache_new(size_t max_bytes);
void web_imgcache_free(struct web_imgcache *c);

/* Copy of the cached PNG for key into *out (caller frees with free()).
 * Returns 1 when found, 0 when not (or out of memory). */
int web_imgcache_get(struct web_imgcache *c, const char *key,
                     unsigned char **out, size_t *len);

/* Keep a copy of png under key, evicting the least recently used.  An
 * entry larger than a quarter of the cache is not kept. */
void web_imgcache_put(struct web_imgcache *c, const char *key,
                      const unsigned char *png, size_t len);

#endif /* WEB_INT_H */
