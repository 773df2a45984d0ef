/*
 * web.h - the records web app and JSON API ("chartroom serve"), on
 * libmicrohttpd over the store.
 *
 * The server runs libmicrohttpd's internal polling thread with a pool of
 * worker threads.  Each worker opens its own struct store (one SQLite
 * connection per thread, as store.h requires) the first time it serves a
 * request and closes it when the thread ends.  Every decision about who
 * may see what, and every audit entry, goes through store/access.h; this
 * module only maps HTTP onto it.  Pages for people are static HTML, CSS
 * and one script embedded in the binary; they read the same JSON API
 * that other clients use, so there is one place where access is checked.
 *
 * Loopback by default.  With a certificate and key the server speaks TLS
 * only (cookies then carry Secure).  Patient data never reaches stderr:
 * the request log names the method, the path without its query, the
 * status and the time taken.
 */
#ifndef WEB_H
#define WEB_H

#include <stddef.h>

#include "../common/cr.h"

struct web_server;

struct web_opts {
	const char *store_dir;    /* required */
	const char *listen;       /* "HOST:PORT", "[V6]:PORT" or "PORT";
	                           * NULL = "127.0.0.1:8080" */
	const char *tls_cert;     /* PEM file; both or neither */
	const char *tls_key;      /* PEM file */
	int threads;              /* worker threads; 0 = 4 */
	size_t max_body_bytes;    /* request bodies; 0 = 64 KiB */
	size_t image_cache_bytes; /* rendered page PNGs; 0 = 32 MiB */
	long idle_timeout_ms;     /* session idle expiry; 0 = 15 minutes */
	int quiet;                /* 1: no request log on stderr */
	int allow_plain_http;     /* 1: a non-loopback address without TLS
	                           * is allowed (behind a TLS proxy) */
};

/*
 * Check opts, open the store once (so a missing store or a bad listen
 * address is an error here, not on the first request), read the TLS
 * files and start listening.  Returns a running server (caller stops and
 * frees it with web_server_stop()) or NULL with err filled: CR_EINVAL for
 * a bad address or half a TLS pair, CR_ENOTFOUND for a missing store or
 * TLS file, CR_EUNSUPPORTED when TLS is asked for and libmicrohttpd was
 * built without it, CR_EIO when the address cannot be bound.
 */
struct web_server *web_server_start(const struct web_opts *opts,
                                    struct cr_err *err);

/* The port actually bound (useful with port 0).  Cannot fail. */
int web_server_port(const struct web_server *srv);

/* Stop accepting, finish the requests in flight, join the workers (which
 * close their stores) and free srv.  NULL-safe. */
void web_server_stop(struct web_server *srv);

#endif /* WEB_H */
