/*
 * cmd_watch.c - "chartroom watch": the long-running intake service.
 * Options override the config file; the store comes from --store, else
 * the config's [store] path, else the usual default.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../intake/watch.h"
#include "cli.h"

static void watch_usage(FILE *f)
{
	fprintf(f,
		"usage: chartroom watch [--config FILE] [--store DIR] "
		"[options] [INBOX...]\n\n"
		"Watch inbox folders and file every scan dropped into them. "
		"A file is taken\nwhen it has stopped changing and parses; it "
		"is moved into a spool inside\nthe inbox (.chartroom/), "
		"processed, and removed once its document has\ncommitted. "
		"Refused files go to the failed folder (default: \"failed\" "
		"beside\nthe inbox) with a .reason.txt. Runs in the "
		"foreground; logs go to stderr.\nSIGTERM/SIGINT: finish what "
		"is in progress and stop. SIGHUP: read the\nconfig file "
		"again. See docs/watch.md.\n\n"
		"  --config FILE      INI file (inboxes, store, timings, "
		"thresholds)\n"
		"  --instance NAME    this watcher's name (default: host "
		"name); two watchers\n"
		"                     on one inbox need different names\n"
		"  --failed DIR       where refused files go\n"
		"  --workers N        OCR workers (default: one per core)\n"
		"  --settle SECONDS   unchanged this long before a file is "
		"taken (default 2)\n"
		"  --poll             poll instead of inotify (network shares "
		"are polled\n"
		"                     automatically)\n"
		"  --exit-when-idle   stop once the inboxes are empty and "
		"nothing is pending\n"
		"  --quiet            log only problems\n\n"
		"Exit status: 0 stopped cleanly, 2 usage or config error, "
		"3 could not run\n(store or inbox unusable, instance already "
		"running, no OCR engine).\n");
}

int cmd_watch(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"store", 1, NULL, 's'},	  {"config", 1, NULL, 'c'},
	    {"instance", 1, NULL, 'i'},	  {"failed", 1, NULL, 'f'},
	    {"workers", 1, NULL, 'w'},	  {"settle", 1, NULL, 'S'},
	    {"poll", 0, NULL, 'p'},	  {"exit-when-idle", 0, NULL, 'x'},
	    {"quiet", 0, NULL, 'q'},	  {"help", 0, NULL, 'h'},
	    {NULL, 0, NULL, 0}};
	struct watch_config cfg, cl;
	const char *store = NULL, *config = NULL;
	struct cr_err err;
	struct store *st;
	int c, rc, quiet = 0;
	size_t i;

	watch_config_default(&cfg);
	watch_config_default(&cl);
	cl.workers = -1;
	cl.settle_ms = -1;
	cl.poll = -1;
	optind = 1;
	while ((c = getopt_long(argc, argv, "hq", opts, NULL)) != -1) {
		char *end;
		double d;
		switch (c) {
		case 's': store = optarg; break;
		case 'c': config = optarg; break;
		case 'i': free(cl.instance); cl.instance = strdup(optarg); break;
		case 'f': free(cl.failed_dir); cl.failed_dir = strdup(optarg);
			  break;
		case 'p': cl.poll = WATCH_POLL_ALWAYS; break;
		case 'x': cl.exit_when_idle = 1; break;
		case 'q': quiet = 1; break;
		case 'w':
			cl.workers = (int)strtol(optarg, &end, 10);
			if (*end || cl.workers < 1 || cl.workers > 64) {
				cli_error("watch", "--workers takes 1..64");
				return EXIT_USAGE;
			}
			break;
		case 'S':
			d = strtod(optarg, &end);
			if (*end || end == optarg || !(d >= 0.1 && d <= 3600)) {
				cli_error("watch", "--settle takes seconds "
						   "(0.1 to 3600)");
				return EXIT_USAGE;
			}
			cl.settle_ms = (int)(d * 1000 + 0.5);
			break;
		case 'h': watch_usage(stdout); return EXIT_OK;
		default: watch_usage(stderr); return EXIT_USAGE;
		}
	}
	cr_err_clear(&err);
	if (config != NULL && watch_config_load(&cfg, config, &err) != CR_OK) {
		cli_error("watch", "%s", err.msg);
		rc = EXIT_USAGE;
		goto out;
	}
	/* Inboxes on the command line replace the config's. */
	if (optind < argc) {
		for (i = 0; i < cfg.ninboxes; i++)
			free(cfg.inboxes[i]);
		cfg.ninboxes = 0;
		for (; optind < argc; optind++)
			if (watch_config_add(&cfg.inboxes, &cfg.ninboxes,
					     argv[optind]) != CR_OK) {
				rc = EXIT_FAILURE_;
				goto out;
			}
	}
	if (cl.instance) {
		free(cfg.instance);
		cfg.instance = cl.instance;
		cl.instance = NULL;
	}
	if (cl.failed_dir) {
		free(cfg.failed_dir);
		cfg.failed_dir = cl.failed_dir;
		cl.failed_dir = NULL;
	}
	if (cl.workers >= 0)
		cfg.workers = cl.workers;
	if (cl.settle_ms >= 0) {
		cfg.settle_ms = cl.settle_ms;
		cfg.settle_fixed = 1;
	}
	if ((int)cl.poll >= 0)
		cfg.poll = cl.poll;
	cfg.exit_when_idle = cl.exit_when_idle;
	if (cfg.ninboxes == 0) {
		cli_error("watch", "no inbox: give one on the command line or "
				   "as inbox= in [watch] of the config");
		watch_usage(stderr);
		rc = EXIT_USAGE;
		goto out;
	}
	cfg.progress = !quiet && isatty(STDERR_FILENO);
	cr_log_set_level(quiet ? CR_LOG_WARN : CR_LOG_INFO);
	st = cli_open_store(store ? store : cfg.store, 0);
	if (st == NULL) {
		rc = EXIT_FAILURE_;
		goto out;
	}
	rc = watch_run(st, &cfg, &err);
	store_close(st);
	if (rc != CR_OK) {
		cli_error("watch", "%s", err.msg);
		rc = EXIT_FAILURE_;
	} else {
		rc = EXIT_OK;
	}
out:
	watch_config_free(&cfg);
	watch_config_free(&cl);
	return rc;
}
