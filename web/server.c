/*
 * server.c - the libmicrohttpd daemon behind "chartroom serve": start and
 * stop, one request record per request, request bodies read up to a cap,
 * routing to the API or the pages, and the reply helpers that put the
 * same security headers on every response.
 *
 * libmicrohttpd does the HTTP parsing, percent-decoding and TLS; this file
 * never looks at raw request bytes.  The daemon runs an internal polling
 * thread per pool worker, and a request is served start to finish on one
 * worker, so a worker's SQLite connection (pthread key store_key) is
 * used by one thread only, as store.h requires; the key's destructor
 * closes it when libmicrohttpd joins the worker.
 */
#define _POSIX_C_SOURCE 200809L
#include "web_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <sodium.h>

#define DEFAULT_LISTEN "127.0.0.1:8080"
#define DEFAULT_THREADS 4
#define DEFAULT_MAX_BODY (64 * 1024)
#define DEFAULT_IMAGE_CACHE (32u * 1024 * 1024)
#define TLS_FILE_MAX                                                           \
	(1024 * 1024) /* a PEM file larger than this is not one                \
	               */
#define CONNECTION_LIMIT 512
/* One address may hold only part of the connections, and an idle one is
 * dropped soon: a few hundred half-sent requests from one place must not
 * lock everyone else out (tried: 530 of them did, before).  A reverse
 * proxy in front is one address: it gets the same share. */
#define CONNECTION_LIMIT_PER_IP 64
#define CONNECTION_TIMEOUT_S 20
#define CONNECTION_MEMORY (64 * 1024) /* headers + the read buffer */
#define DISCARD_MAX 16 /* times the body cap read past it, then close */

/* Scripts only from this origin (no inline script, no eval), nothing
 * framed, nothing posted elsewhere: a stray <script> that slipped into a
 * page through OCR text could not run. */
#define CSP                                                                    \
	"default-src 'none'; script-src 'self'; style-src 'self'; "            \
	"img-src 'self'; connect-src 'self'; form-action 'self'; "             \
	"frame-ancestors 'none'; base-uri 'none'"

/* ---- Replies --------------------------------------------------------- */

static void add_headers(struct web_req *r, struct MHD_Response *resp,
                        const char *ctype, enum web_kind kind)
{
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(resp, "Content-Security-Policy", CSP);
	MHD_add_response_header(resp, "Cross-Origin-Opener-Policy",
	                        "same-origin");
	MHD_add_response_header(resp, "Cross-Origin-Resource-Policy",
	                        "same-origin");
	if (kind == WEB_SENSITIVE) {
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
		                        "no-store");
		MHD_add_response_header(resp, MHD_HTTP_HEADER_PRAGMA,
		                        "no-cache");
	} else {
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
		                        "no-cache");
	}
	if (r->srv->tls)
		MHD_add_response_header(resp, "Strict-Transport-Security",
		                        "max-age=31536000");
	if (r->set_cookie != NULL)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_SET_COOKIE,
		                        r->set_cookie);
	if (r->location != NULL)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION,
		                        r->location);
	if (r->allow != NULL)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, r->allow);
	if (r->retry_after[0] != '\0')
		MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER,
		                        r->retry_after);
}

enum MHD_Result web_reply(struct web_req *r, int status, const char *ctype,
                          const void *data, size_t len, enum web_mem mem,
                          enum web_kind kind)
{
	struct MHD_Response *resp;
	enum MHD_ResponseMemoryMode mode;
	enum MHD_Result ret;

	if (r->answered) {
		if (mem == WEB_MEM_FREE)
			free((void *)data);
		return MHD_YES;
	}
	mode = mem == WEB_MEM_FREE   ? MHD_RESPMEM_MUST_FREE
	       : mem == WEB_MEM_COPY ? MHD_RESPMEM_MUST_COPY
	                             : MHD_RESPMEM_PERSISTENT;
	resp = MHD_create_response_from_buffer(len, (void *)data, mode);
	if (resp == NULL) {
		if (mem == WEB_MEM_FREE)
			free((void *)data);
		return MHD_NO; /* out of memory: libmicrohttpd drops it */
	}
	add_headers(r, resp, ctype, kind);
	ret = MHD_queue_response(r->conn, (unsigned)status, resp);
	MHD_destroy_response(resp);
	r->answered = 1;
	r->status = status;
	return ret;
}

enum MHD_Result web_reply_json(struct web_req *r, int status, json_t *o)
{
	char *s;

	if (o == NULL)
		return web_reply_error(r, 500, "out of memory");
	s = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(4));
	json_decref(o);
	if (s == NULL)
		return web_reply_error(r, 500, "out of memory");
	return web_reply(r, status, "application/json; charset=utf-8", s,
	                 strlen(s), WEB_MEM_FREE, WEB_SENSITIVE);
}

enum MHD_Result web_reply_error(struct web_req *r, int status, const char *fmt,
                                ...)
{
	static const char oom[] =
	    "{\"error\":\"out of memory\",\"status\":500}";
	char msg[512];
	va_list ap;
	json_t *o;
	char *s;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	o = json_pack("{s:s, s:i}", "error", msg, "status", status);
	s = o != NULL ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER)
	              : NULL;
	json_decref(o);
	if (s == NULL)
		return web_reply(r, 500, "application/json; charset=utf-8", oom,
		                 sizeof(oom) - 1, WEB_MEM_STATIC,
		                 WEB_SENSITIVE);
	return web_reply(r, status, "application/json; charset=utf-8", s,
	                 strlen(s), WEB_MEM_FREE, WEB_SENSITIVE);
}

/* ---- Request helpers ------------------------------------------------- */

static void close_store(void *p)
{
	store_close(p);
}

struct store *web_req_store(struct web_req *r)
{
	struct store *st = pthread_getspecific(r->srv->store_key);
	struct cr_err err;

	if (st != NULL)
		return st;
	cr_err_clear(&err);
	st = store_open(r->srv->store_dir, 0, &err);
	if (st == NULL) {
		cr_log(CR_LOG_ERROR, "serve: %s", err.msg);
		return NULL;
	}
	if (pthread_setspecific(r->srv->store_key, st) != 0) {
		store_close(st);
		return NULL;
	}
	return st;
}

void web_write_lock(struct web_server *srv)
{
	pthread_mutex_lock(&srv->write_lock);
}

void web_write_unlock(struct web_server *srv)
{
	pthread_mutex_unlock(&srv->write_lock);
}

const char *web_arg(struct web_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND,
	                                   name);
}

const char *web_header(struct web_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *web_cookie(struct web_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, name);
}

int web_parse_id(const char *s, size_t len, int64_t *id)
{
	int64_t v = 0;
	size_t i;

	if (len == 0 || len > 18 || s[0] == '0')
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*id = v;
	return 0;
}

/* The peer address as text, for the audit log's "from where". */
static void peer_address(struct MHD_Connection *conn, char *out, size_t size)
{
	const union MHD_ConnectionInfo *ci;
	const struct sockaddr *sa;

	cr_strlcpy(out, "unknown", size);
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci == NULL || (sa = ci->client_addr) == NULL)
		return;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr,
		          out, (socklen_t)size);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6,
		          &((const struct sockaddr_in6 *)sa)->sin6_addr, out,
		          (socklen_t)size);
}

/* ---- The access handler ---------------------------------------------- */

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
                                  const char *url, const char *method,
                                  const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
	struct web_server *srv = cls;
	struct web_req *r = *con_cls;

	(void)version;
	if (r == NULL) {
		const char *cl;
		if ((r = calloc(1, sizeof(*r))) == NULL)
			return MHD_NO;
		r->srv = srv;
		r->conn = conn;
		r->method = method;
		r->url = url;
		r->start_ms = cr_now_ms();
		peer_address(conn, r->client, sizeof(r->client));
		*con_cls = r;
		/* A declared length over the cap is refused before a byte of
		 * it is read; libmicrohttpd then closes the connection. */
		cl = MHD_lookup_connection_value(
		    conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl != NULL && strtoull(cl, NULL, 10) > srv->max_body) {
			r->body_too_large = 1;
			return web_reply_error(r, 413,
			                       "request body larger than %zu "
			                       "bytes",
			                       srv->max_body);
		}
		return MHD_YES;
	}
	if (*upload_data_size != 0) {
		size_t n = *upload_data_size;
		*upload_data_size = 0;
		if (r->answered)
			return MHD_YES;
		if (r->body_too_large || r->body_len + n > srv->max_body) {
			/* Chunked, so no length was declared.  libmicrohttpd
			 * cannot answer in the middle of a body, so the rest
			 * is read and dropped and 413 sent at its end; a
			 * body far over the cap just loses its connection. */
			if (!r->body_too_large) {
				r->body_too_large = 1;
				free(r->body);
				r->body = NULL;
				r->body_len = 0;
			}
			r->discarded += n;
			return r->discarded > DISCARD_MAX * srv->max_body
			           ? MHD_NO
			           : MHD_YES;
		}
		{
			char *b = realloc(r->body, r->body_len + n + 1);
			if (b == NULL)
				return MHD_NO;
			memcpy(b + r->body_len, upload_data, n);
			r->body_len += n;
			b[r->body_len] = '\0';
			r->body = b;
		}
		return MHD_YES;
	}
	if (r->answered)
		return MHD_YES;
	if (r->body_too_large)
		return web_reply_error(r, 413,
		                       "request body larger than %zu "
		                       "bytes",
		                       srv->max_body);
	if (strcmp(url, "/api") == 0 || strncmp(url, "/api/", 5) == 0)
		return web_api_handle(r);
	return web_pages_handle(r);
}

/* The request log: method, path (no query, control bytes replaced),
 * status and time.  Paths carry document ids at most, never patient
 * data: MRNs and names only ever travel in the query or the body. */
static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
	struct web_server *srv = cls;
	struct web_req *r = *con_cls;

	(void)conn;
	if (r == NULL)
		return;
	if (!srv->quiet) {
		char path[160];
		size_t i;
		cr_strlcpy(path, r->url ? r->url : "", sizeof(path));
		for (i = 0; path[i]; i++)
			if ((unsigned char)path[i] < 0x20 ||
			    (unsigned char)path[i] >= 0x7f)
				path[i] = '?';
		cr_log(CR_LOG_INFO, "%s %s %d %lldms%s", r->method, path,
		       r->answered ? r->status : 0,
		       (long long)(cr_now_ms() - r->start_ms),
		       toe == MHD_REQUEST_TERMINATED_COMPLETED_OK
		           ? ""
		           : " (connection ended early)");
	}
	/* Bodies carry passwords: do not leave them in freed memory. */
	if (r->body != NULL)
		sodium_memzero(r->body, r->body_len);
	free(r->body);
	free(r->set_cookie);
	free(r->location);
	free(r);
	*con_cls = NULL;
}

/* libmicrohttpd's own %-decoding, except that a value holding "%00" is
 * left encoded: decoded, the NUL would cut the C string short, so
 * "/api/documents/1%00x" would read as document 1.  Left encoded, it is
 * just an id that does not parse. */
static size_t on_unescape(void *cls, struct MHD_Connection *conn, char *s)
{
	const char *p;

	(void)cls;
	(void)conn;
	for (p = s; (p = strchr(p, '%')) != NULL; p++)
		if (p[1] == '0' && p[2] == '0')
			return strlen(s);
	return MHD_http_unescape(s);
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	size_t n;

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		msg[--n] = '\0';
	cr_log(CR_LOG_WARN, "http: %s", msg);
}

/* ---- Start and stop -------------------------------------------------- */

/* Read a whole (small) file; NULL with err filled. */
static char *read_small_file(const char *path, const char *what,
                             struct cr_err *err)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n;

	if (f == NULL) {
		cr_err_set(err, errno == ENOENT ? CR_ENOTFOUND : CR_EIO,
		           "cannot read the TLS %s %s: %s", what, path,
		           strerror(errno));
		return NULL;
	}
	if ((buf = malloc(TLS_FILE_MAX + 1)) == NULL) {
		cr_err_set(err, CR_ENOMEM, "out of memory reading %s", path);
		goto out;
	}
	n = fread(buf, 1, TLS_FILE_MAX + 1, f);
	if (ferror(f) || n == 0 || n > TLS_FILE_MAX) {
		cr_err_set(err, CR_EINVAL,
		           "the TLS %s %s is empty, unreadable "
		           "or too large",
		           what, path);
		free(buf);
		buf = NULL;
		goto out;
	}
	buf[n] = '\0';
out:
	fclose(f);
	return buf;
}

/* Parse "HOST:PORT", "[V6]:PORT" or "PORT" into addr.  Host names are
 * resolved (localhost).  0 or CR_EINVAL. */
static int parse_listen(const char *spec, struct sockaddr_storage *addr,
                        socklen_t *addrlen, struct cr_err *err)
{
	char host[256], *end;
	const char *port, *colon;
	struct addrinfo hints, *res = NULL;
	long p;
	int rc;

	if (spec[0] == '[') {
		const char *close = strchr(spec, ']');
		if (close == NULL || close[1] != ':' ||
		    (size_t)(close - spec - 1) >= sizeof(host))
			goto bad;
		memcpy(host, spec + 1, (size_t)(close - spec - 1));
		host[close - spec - 1] = '\0';
		port = close + 2;
	} else if ((colon = strrchr(spec, ':')) != NULL) {
		if ((size_t)(colon - spec) >= sizeof(host) || colon == spec)
			goto bad;
		memcpy(host, spec, (size_t)(colon - spec));
		host[colon - spec] = '\0';
		port = colon + 1;
	} else {
		cr_strlcpy(host, "127.0.0.1", sizeof(host));
		port = spec;
	}
	errno = 0;
	p = strtol(port, &end, 10);
	if (*port == '\0' || *end != '\0' || errno || p < 0 || p > 65535)
		goto bad;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((rc = getaddrinfo(host, port, &hints, &res)) != 0 || res == NULL)
		return cr_err_set(err, CR_EINVAL,
		                  "cannot resolve the listen address '%s': %s",
		                  spec, gai_strerror(rc));
	memcpy(addr, res->ai_addr, res->ai_addrlen);
	*addrlen = res->ai_addrlen;
	freeaddrinfo(res);
	return CR_OK;
bad:
	return cr_err_set(err, CR_EINVAL,
	                  "listen address '%s' is not HOST:PORT, [IPV6]:PORT "
	                  "or PORT",
	                  spec);
}

static int is_loopback(const struct sockaddr_storage *a)
{
	if (a->ss_family == AF_INET)
		return (ntohl(
		            ((const struct sockaddr_in *)a)->sin_addr.s_addr) >>
		        24) == 127;
	if (a->ss_family == AF_INET6)
		return IN6_IS_ADDR_LOOPBACK(
		    &((const struct sockaddr_in6 *)a)->sin6_addr);
	return 0;
}

struct web_server *web_server_start(const struct web_opts *opts,
                                    struct cr_err *err)
{
	struct sockaddr_storage addr;
	socklen_t addrlen = 0;
	struct web_server *srv;
	struct store *st;
	const union MHD_DaemonInfo *di;
	unsigned int flags;
	int threads;

	if (opts == NULL || opts->store_dir == NULL) {
		cr_err_set(err, CR_EINVAL, "no store given to serve");
		return NULL;
	}
	if ((opts->tls_cert == NULL) != (opts->tls_key == NULL)) {
		cr_err_set(err, CR_EINVAL,
		           "TLS needs both a certificate and "
		           "a key");
		return NULL;
	}
	if (opts->tls_cert != NULL &&
	    MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
		cr_err_set(err, CR_EUNSUPPORTED,
		           "this libmicrohttpd was built "
		           "without TLS");
		return NULL;
	}
	if (parse_listen(opts->listen ? opts->listen : DEFAULT_LISTEN, &addr,
	                 &addrlen, err) != CR_OK)
		return NULL;
	if (!is_loopback(&addr) && opts->tls_cert == NULL &&
	    !opts->allow_plain_http) {
		/* Patient data in clear text over a network: only on
		 * purpose (behind a TLS-terminating proxy). */
		cr_err_set(err, CR_EINVAL,
		           "refusing to serve '%s' without TLS: give "
		           "--tls-cert and --tls-key (or --allow-plain-http "
		           "behind a TLS proxy)",
		           opts->listen);
		return NULL;
	}
	/* Fail now on a missing store, not on the first request. */
	if ((st = store_open(opts->store_dir, 0, err)) == NULL)
		return NULL;
	store_close(st);

	if ((srv = calloc(1, sizeof(*srv))) == NULL ||
	    (srv->store_dir = strdup(opts->store_dir)) == NULL) {
		cr_err_set(err, CR_ENOMEM, "out of memory starting the server");
		goto fail;
	}
	srv->quiet = opts->quiet;
	srv->idle_ms =
	    opts->idle_timeout_ms > 0 ? opts->idle_timeout_ms : 15 * 60 * 1000;
	srv->tls = opts->tls_cert != NULL;
	srv->max_body =
	    opts->max_body_bytes ? opts->max_body_bytes : DEFAULT_MAX_BODY;
	if (srv->tls && ((srv->cert_pem = read_small_file(
	                      opts->tls_cert, "certificate", err)) == NULL ||
	                 (srv->key_pem = read_small_file(opts->tls_key, "key",
	                                                 err)) == NULL))
		goto fail;
	if ((srv->cache = web_imgcache_new(
	         opts->image_cache_bytes ? opts->image_cache_bytes
	                                 : DEFAULT_IMAGE_CACHE)) == NULL) {
		cr_err_set(err, CR_ENOMEM, "out of memory starting the server");
		goto fail;
	}
	if (pthread_key_create(&srv->store_key, close_store) != 0) {
		cr_err_set(err, CR_ENOMEM, "cannot create a thread key");
		goto fail;
	}
	srv->store_key_made = 1;
	if (pthread_mutex_init(&srv->write_lock, NULL) != 0) {
		cr_err_set(err, CR_ENOMEM, "cannot create a mutex");
		goto fail;
	}
	srv->write_lock_made = 1;

	threads = opts->threads > 0 ? opts->threads : DEFAULT_THREADS;
	/* A throttled sign-in holds its worker while it waits; leave at
	 * least one worker free for everybody else. */
	srv->signin_slots = threads > 1 ? threads - 1 : 1;
	flags =
	    MHD_USE_AUTO | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
	if (addr.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (srv->tls)
		flags |= MHD_USE_TLS;
	{
		/* TLS options only when TLS is on: libmicrohttpd warns
		 * about HTTPS options on a plain daemon. */
		struct MHD_OptionItem tls_opts[] = {
		    {MHD_OPTION_HTTPS_MEM_CERT, 0, srv->cert_pem},
		    {MHD_OPTION_HTTPS_MEM_KEY, 0, srv->key_pem},
		    {MHD_OPTION_END, 0, NULL}};
		if (!srv->tls)
			tls_opts[0].option = MHD_OPTION_END;
		srv->mhd = MHD_start_daemon(
		    flags, 0, NULL, NULL, on_request, srv,
		    /* first, so no message of libmicrohttpd's bypasses it */
		    MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, srv,
		    MHD_OPTION_SOCK_ADDR,
		    (struct sockaddr *)&addr, MHD_OPTION_THREAD_POOL_SIZE,
		    (unsigned int)threads, MHD_OPTION_NOTIFY_COMPLETED,
		    on_completed, srv, MHD_OPTION_CONNECTION_LIMIT,
		    (unsigned int)CONNECTION_LIMIT,
		    MHD_OPTION_PER_IP_CONNECTION_LIMIT,
		    (unsigned int)CONNECTION_LIMIT_PER_IP,
		    MHD_OPTION_CONNECTION_TIMEOUT,
		    (unsigned int)CONNECTION_TIMEOUT_S,
		    MHD_OPTION_CONNECTION_MEMORY_LIMIT,
		    (size_t)CONNECTION_MEMORY, MHD_OPTION_UNESCAPE_CALLBACK,
		    on_unescape,
		    srv, MHD_OPTION_ARRAY, tls_opts, MHD_OPTION_END);
	}
	if (srv->mhd == NULL) {
		cr_err_set(err, CR_EIO,
		           "cannot listen on %s (in use, not an address of "
		           "this machine%s)",
		           opts->listen ? opts->listen : DEFAULT_LISTEN,
		           srv->tls ? ", or the TLS certificate and key do "
		                      "not load"
		                    : "");
		goto fail;
	}
	di = MHD_get_daemon_info(srv->mhd, MHD_DAEMON_INFO_BIND_PORT);
	srv->port = di != NULL ? di->port : 0;
	return srv;
fail:
	web_server_stop(srv);
	return NULL;
}

int web_server_port(const struct web_server *srv)
{
	return srv->port;
}

void web_server_stop(struct web_server *srv)
{
	if (srv == NULL)
		return;
	if (srv->mhd != NULL)
		MHD_stop_daemon(srv->mhd);
	if (srv->store_key_made)
		pthread_key_delete(srv->store_key);
	if (srv->write_lock_made)
		pthread_mutex_destroy(&srv->write_lock);
	web_imgcache_free(srv->cache);
	if (srv->key_pem != NULL)
		sodium_memzero(srv->key_pem, strlen(srv->key_pem));
	free(srv->cert_pem);
	free(srv->key_pem);
	free(srv->store_dir);
	free(srv);
}
