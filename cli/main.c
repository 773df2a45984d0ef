/*
 * main.c - the chartroom binary: a git-style dispatcher over subcommands.
 * Each subcommand lives in its own file, parses its own options and
 * prints its own --help.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *summary;
} commands[] = {
    {"init", cmd_init, "create the store (database and originals folder)"},
    {"patients", cmd_patients, "import the patient roster from CSV"},
    {"ingest", cmd_ingest, "OCR scans and file them to patients"},
    {"search", cmd_search, "find documents by patient, type, date, words"},
    {"show", cmd_show, "show one document: pages, text, fields"},
    {"export", cmd_export, "write a document's original or searchable PDF"},
    {"review", cmd_review, "the review queue: list, show, assign, reject"},
    {"refile", cmd_refile, "move a filed document to another patient"},
    {"watch", cmd_watch, "the intake service: watch inbox folders"},
    {"status", cmd_status, "queue depth, progress and counts of intake"},
    {"serve", cmd_serve, "the records web app and JSON API"},
    {"user", cmd_user, "add, change, disable and list web users"},
    {"audit", cmd_audit, "read and verify the access audit log"},
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: chartroom [--version] [--help] COMMAND [ARGS]\n\n"
		   "Chartroom files scanned medical records into an indexed "
		   "store.\n\nCommands:\n");
	for (i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name,
			commands[i].summary);
	fprintf(f, "\nEvery command takes --store DIR (default "
		   "$CHARTROOM_STORE, else ./chartroom-data)\nand --help. "
		   "See docs/chartroom.md or man chartroom.\n");
}

const char *cli_store_dir(const char *opt)
{
	const char *env;

	if (opt != NULL && *opt)
		return opt;
	env = getenv("CHARTROOM_STORE");
	return env != NULL && *env ? env : "./chartroom-data";
}

struct store *cli_open_store(const char *opt, int create)
{
	struct cr_err err;
	struct store *st;

	cr_err_clear(&err);
	st = store_open(cli_store_dir(opt), create ? STORE_CREATE : 0, &err);
	if (st == NULL)
		fprintf(stderr, "chartroom: %s\n", err.msg);
	return st;
}

void cli_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "chartroom %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int cli_parse_id(const char *s, int64_t *id)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || end == s || v <= 0)
		return -1;
	*id = v;
	return 0;
}

int cli_wants_help(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0)
			return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	size_t i;

	/* Parallelism comes from our workers, not from OpenMP inside
	 * Tesseract.  libgomp reads its environment when it is loaded,
	 * before main(), so setting it here is too late for this process:
	 * set it and start again (measured: OpenMP spinning made a page
	 * take 5x longer on two cores). */
	if (getenv("OMP_THREAD_LIMIT") == NULL) {
		setenv("OMP_THREAD_LIMIT", "1", 1);
		execv("/proc/self/exe", argv);
		/* no /proc: carry on, only slower */
	}
	/* "chartroom --store DIR CMD ...": a store given before the command
	 * applies to it, as the help promises every command takes one. */
	while (argc >= 3 && (strcmp(argv[1], "--store") == 0 ||
			     strncmp(argv[1], "--store=", 8) == 0)) {
		int used = argv[1][7] == '=' ? 1 : 2;
		setenv("CHARTROOM_STORE", used == 1 ? argv[1] + 8 : argv[2], 1);
		argv[used] = argv[0];
		argv += used;
		argc -= used;
	}
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("chartroom 0.1.0\n");
		return EXIT_OK;
	}
	for (i = 0; i < NCOMMANDS; i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "chartroom: '%s' is not a command. See 'chartroom "
			"--help'.\n",
		argv[1]);
	return EXIT_USAGE;
}
