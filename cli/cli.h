/*
 * cli.h - shared pieces of the chartroom command line: the exit codes,
 * the store option every subcommand takes, and the subcommand entry
 * points.  The CLI uses public module headers only.
 */
#ifndef CLI_H
#define CLI_H

#include <stdint.h>
#include <stdio.h>

#include "../store/store.h"

/* Exit codes (documented in docs/chartroom.md). */
enum {
	EXIT_OK = 0,       /* done; every input accepted */
	EXIT_SOME = 1,     /* done, but some input was refused / not found */
	EXIT_USAGE = 2,    /* bad command line */
	EXIT_FAILURE_ = 3  /* could not run: store missing, I/O, no OCR data */
};

/* The store folder: --store, else $CHARTROOM_STORE, else ./chartroom-data */
const char *cli_store_dir(const char *opt);

/* Open the store for a subcommand, printing the error.  NULL on failure. */
struct store *cli_open_store(const char *opt, int create);

/* Print "chartroom CMD: msg" to stderr. */
void cli_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A document id from the command line: positive decimal only (no
 * signs, spaces or paths).  Returns 0 with *id set, or -1. */
int cli_parse_id(const char *s, int64_t *id);

/* True when argv[i] is -h or --help for any i >= 1. */
int cli_wants_help(int argc, char **argv);

int cmd_init(int argc, char **argv);
int cmd_patients(int argc, char **argv);
int cmd_ingest(int argc, char **argv);
int cmd_search(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_review(int argc, char **argv);
int cmd_refile(int argc, char **argv);
int cmd_watch(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_user(int argc, char **argv);
int cmd_audit(int argc, char **argv);

#endif /* CLI_H */
