/*
 * cmd_store.c - "chartroom init" and "chartroom patients import": creating
 * the store and loading the roster.
 */
#include <getopt.h>
#include <jansson.h>
#include <string.h>

#include "../intake/intake.h"
#include "cli.h"

int cmd_init(int argc, char **argv)
{
	static const struct option opts[] = {{"store", 1, NULL, 's'},
					     {"help", 0, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	const char *store = NULL;
	struct store *st;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's': store = optarg; break;
		case 'h':
			printf("usage: chartroom init [--store DIR]\n\n"
			       "Create the store: DIR/chartroom.db and "
			       "DIR/originals/.  Running it again on an\n"
			       "existing store is harmless (and migrates "
			       "an older schema).\n");
			return EXIT_OK;
		default: return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		cli_error("init", "unexpected argument '%s'", argv[optind]);
		return EXIT_USAGE;
	}
	st = cli_open_store(store, 1);
	if (st == NULL)
		return EXIT_FAILURE_;
	printf("store ready at %s\n", store_dir(st));
	store_close(st);
	return EXIT_OK;
}

struct import_ctx {
	int json;
	const char *file;
};

static void bad_row(void *ctx, size_t line, const char *reason)
{
	struct import_ctx *ic = ctx;

	if (ic->json) {
		json_t *o = json_pack("{s:s, s:I, s:s}", "refused", ic->file,
				      "line", (json_int_t)line, "reason",
				      reason);
		char *s = json_dumps(o, JSON_COMPACT);
		if (s != NULL)
			printf("%s\n", s);
		free(s);
		json_decref(o);
	} else {
		fprintf(stderr, "%s:%zu: refused: %s\n", ic->file, line,
			reason);
	}
}

int cmd_patients(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"store", 1, NULL, 's'},
	    {"json", 0, NULL, 'j'},
	    {"allow-identity-change", 0, NULL, 'a'},
	    {"help", 0, NULL, 'h'},
	    {NULL, 0, NULL, 0}};
	int allow_identity_change = 0;
	struct intake_import_stats stats;
	struct import_ctx ic = {0, NULL};
	const char *store = NULL;
	struct cr_err err;
	struct store *st;
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's': store = optarg; break;
		case 'j': ic.json = 1; break;
		case 'a': allow_identity_change = 1; break;
		case 'h':
			printf("usage: chartroom patients import [--store DIR] "
			       "[--json] [--allow-identity-change]\n"
			       "                                FILE.csv\n\n"
			       "Import the roster.  The header row names the "
			       "columns: mrn, family_name,\n"
			       "given_name, birth_date (YYYY-MM-DD) are "
			       "required; sex, middle_name, physician\n"
			       "are optional; others are ignored.  Rows are "
			       "upserted by MRN.  A bad row is\n"
			       "reported with its line number and does not "
			       "stop the others.  A row that\n"
			       "gives a known MRN another name or birth date "
			       "is refused (every document\n"
			       "filed to it would become another person's) "
			       "unless --allow-identity-change.\n\n"
			       "Exit status: 0 all rows taken, 1 some refused, "
			       "2 usage, 3 file or store error.\n");
			return EXIT_OK;
		default: return EXIT_USAGE;
		}
	}
	if (argc - optind != 2 || strcmp(argv[optind], "import") != 0) {
		cli_error("patients", "usage: chartroom patients import "
				      "FILE.csv");
		return EXIT_USAGE;
	}
	ic.file = argv[optind + 1];
	st = cli_open_store(store, 0);
	if (st == NULL)
		return EXIT_FAILURE_;
	cr_err_clear(&err);
	rc = intake_roster_import(st, ic.file, allow_identity_change, &stats,
				  bad_row, &ic, &err);
	store_close(st);
	if (rc != CR_OK) {
		cli_error("patients", "%s", err.msg);
		return EXIT_FAILURE_;
	}
	if (ic.json)
		printf("{\"added\":%zu,\"updated\":%zu,\"refused\":%zu}\n",
		       stats.added, stats.updated, stats.refused);
	else
		printf("%zu added, %zu updated, %zu refused\n", stats.added,
		       stats.updated, stats.refused);
	return stats.refused ? EXIT_SOME : EXIT_OK;
}
