/*
 * cmd_serve.c - "chartroom serve": run the records web app and JSON API
 * until SIGINT or SIGTERM.
 *
 * The signals are blocked before the server starts, so every worker
 * thread inherits the mask and only this thread, in sigwait(), ever sees
 * them; stopping is then an ordinary call (web_server_stop()) rather
 * than work inside a signal handler.
 */
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "../web/web.h"
#include "cli.h"

static void serve_usage(FILE *f)
{
	fprintf(f, "usage: chartroom serve [--store DIR] [--listen HOST:PORT]\n"
	           "                       [--tls-cert FILE --tls-key FILE] "
	           "[--threads N]\n"
	           "                       [--idle-timeout MINUTES] "
	           "[--allow-plain-http] [--quiet]\n\n"
	           "Serve the records web app (sign in at /login) and the JSON "
	           "API under /api/\n"
	           "(docs/api.md).  Listens on 127.0.0.1:8080 unless told "
	           "otherwise; PORT 0\n"
	           "picks a free port.  A non-loopback address needs TLS "
	           "(--tls-cert and\n"
	           "--tls-key, PEM files), or --allow-plain-http behind a "
	           "TLS-terminating proxy.\n"
	           "Sessions idle for --idle-timeout minutes (default 15) are "
	           "signed out.\n"
	           "Prints \"listening on URL\" once ready; SIGINT or SIGTERM "
	           "stops it cleanly.\n"
	           "Users are added with 'chartroom user add'.\n\n"
	           "Exit status: 0 stopped by a signal, 2 usage, 3 could not "
	           "start.\n");
}

static int parse_positive(const char *s, long max, long *out)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < 1 || v > max)
		return -1;
	*out = v;
	return 0;
}

int cmd_serve(int argc, char **argv)
{
	static const struct option opts[] = {{"store", 1, NULL, 's'},
	                                     {"listen", 1, NULL, 'l'},
	                                     {"tls-cert", 1, NULL, 'c'},
	                                     {"tls-key", 1, NULL, 'k'},
	                                     {"threads", 1, NULL, 't'},
	                                     {"idle-timeout", 1, NULL, 'i'},
	                                     {"allow-plain-http", 0, NULL, 'P'},
	                                     {"quiet", 0, NULL, 'q'},
	                                     {"help", 0, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	struct web_opts wo;
	struct web_server *srv;
	const char *store = NULL;
	struct cr_err err;
	sigset_t set;
	long v;
	int c, sig = 0;

	memset(&wo, 0, sizeof(wo));
	optind = 1;
	while ((c = getopt_long(argc, argv, "hq", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			store = optarg;
			break;
		case 'l':
			wo.listen = optarg;
			break;
		case 'c':
			wo.tls_cert = optarg;
			break;
		case 'k':
			wo.tls_key = optarg;
			break;
		case 'P':
			wo.allow_plain_http = 1;
			break;
		case 'q':
			wo.quiet = 1;
			break;
		case 't':
			if (parse_positive(optarg, 64, &v) != 0) {
				cli_error("serve", "--threads is 1 to 64");
				return EXIT_USAGE;
			}
			wo.threads = (int)v;
			break;
		case 'i':
			if (parse_positive(optarg, 24 * 60, &v) != 0) {
				cli_error("serve", "--idle-timeout is 1 to "
				                   "1440 minutes");
				return EXIT_USAGE;
			}
			wo.idle_timeout_ms = v * 60 * 1000;
			break;
		case 'h':
			serve_usage(stdout);
			return EXIT_OK;
		default:
			serve_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		cli_error("serve", "unexpected argument '%s'", argv[optind]);
		return EXIT_USAGE;
	}
	if ((wo.tls_cert == NULL) != (wo.tls_key == NULL)) {
		cli_error("serve", "--tls-cert and --tls-key go together");
		return EXIT_USAGE;
	}
	wo.store_dir = cli_store_dir(store);
	if (!wo.quiet)
		cr_log_set_level(CR_LOG_INFO);

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	cr_err_clear(&err);
	if ((srv = web_server_start(&wo, &err)) == NULL) {
		cli_error("serve", "%s", err.msg);
		return err.code == CR_EINVAL ? EXIT_USAGE : EXIT_FAILURE_;
	}
	{
		const char *l = wo.listen ? wo.listen : "127.0.0.1:8080";
		const char *colon = strrchr(l, ':');
		int hostlen = colon ? (int)(colon - l) : 9;
		printf("listening on %s://%.*s:%d/\n",
		       wo.tls_cert ? "https" : "http", hostlen,
		       colon ? l : "127.0.0.1", web_server_port(srv));
		fflush(stdout);
	}
	while (sigwait(&set, &sig) != 0)
		;
	cr_log(CR_LOG_INFO, "serve: signal %d, stopping", sig);
	web_server_stop(srv);
	return EXIT_OK;
}
