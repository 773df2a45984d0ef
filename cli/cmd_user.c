/*
 * cmd_user.c - "chartroom user add|passwd|disable|enable|list": the
 * accounts of the web app.  Passwords are read from standard input only
 * (never argv, which every user of the machine can see in ps), hashed
 * by the store, and never echoed.  Every change is audited as
 * "cli:<login>" by the store in the same transaction.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "../store/access.h"
#include "cli.h"

static void user_usage(FILE *f)
{
	fprintf(f,
	        "usage: chartroom user add NAME --role ROLE [--physician "
	        "\"Full Name\"] --password-stdin\n"
	        "       chartroom user passwd NAME --password-stdin\n"
	        "       chartroom user disable NAME\n"
	        "       chartroom user enable NAME\n"
	        "       chartroom user list [--json]\n\n"
	        "Accounts of the web app.  ROLE is admin (users, audit, all "
	        "records), operator\n"
	        "(the review queue), clerk (records lookup, export, refile) "
	        "or physician (their\n"
	        "own patients: --physician is their physician-of-record name "
	        "exactly as the\n"
	        "roster's physician column spells it).  NAME is lowercase "
	        "letters, digits and\n"
	        ". _ - @, starting with a letter.  The password (at least %d "
	        "characters) is\n"
	        "read from one line of standard input; it is hashed with "
	        "Argon2id and never\n"
	        "stored or shown.  Changing a password or disabling a user "
	        "ends their sessions.\n"
	        "Users are never deleted, so the audit log always names a "
	        "real account.\n\n"
	        "Exit status: 0 done, 1 refused (user exists, no such user, "
	        "weak password),\n"
	        "2 usage, 3 store error.\n",
	        ACCESS_PASSWORD_MIN);
}

/* One line from stdin into buf; with a terminal, prompt on stderr and
 * turn echo off while it is typed.  Returns 0, or -1 when there is no
 * line or it does not fit. */
static int read_password(char *buf, size_t size)
{
	struct termios old, quiet;
	int tty = isatty(STDIN_FILENO), hushed = 0;
	size_t len;
	char *r;

	if (tty) {
		fprintf(stderr, "password: ");
		if (tcgetattr(STDIN_FILENO, &old) == 0) {
			quiet = old;
			quiet.c_lflag &= ~(tcflag_t)ECHO;
			hushed =
			    tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
		}
	}
	r = fgets(buf, (int)size, stdin);
	if (hushed) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	if (r == NULL)
		return -1;
	len = strlen(buf);
	if (len > 0 && buf[len - 1] == '\n')
		buf[--len] = '\0';
	else if (len == size - 1)
		return -1; /* longer than we take */
	if (len > 0 && buf[len - 1] == '\r')
		buf[--len] = '\0';
	return 0;
}

static int status_of(int rc)
{
	switch (rc) {
	case CR_OK:
		return EXIT_OK;
	case CR_EINVAL:
	case CR_EEXIST:
	case CR_ENOTFOUND:
		return EXIT_SOME;
	default:
		return EXIT_FAILURE_;
	}
}

static int list_cb(void *ctx, const struct access_user *u)
{
	int json = *(int *)ctx;

	if (json) {
		json_t *o = json_pack(
		    "{s:s, s:s, s:s?, s:b, s:s, s:s}", "name", u->name, "role",
		    access_role_name(u->role), "physician",
		    u->physician[0] ? u->physician : NULL, "disabled",
		    u->disabled, "created_at", u->created_at, "updated_at",
		    u->updated_at);
		char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
		printf("%s\n", s ? s : "{}");
		free(s);
		json_decref(o);
		return 0;
	}
	printf("%-20s %-10s %-9s %-20s %s\n", u->name,
	       access_role_name(u->role), u->disabled ? "disabled" : "enabled",
	       u->created_at, u->physician);
	return 0;
}

int cmd_user(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"store", 1, NULL, 's'},     {"role", 1, NULL, 'r'},
	    {"physician", 1, NULL, 'p'}, {"password-stdin", 0, NULL, 'P'},
	    {"json", 0, NULL, 'j'},      {"help", 0, NULL, 'h'},
	    {NULL, 0, NULL, 0}};
	const char *store = NULL, *role_s = NULL, *physician = NULL, *verb;
	const char *name;
	char who[ACCESS_NAME_MAX + 8], pw[ACCESS_PASSWORD_MAX + 2];
	int c, json = 0, pw_stdin = 0, rc = CR_OK, nargs, known;
	enum access_role role = ACCESS_ROLE_NONE;
	struct cr_err err;
	struct store *st;

	optind = 1;
	while ((c = getopt_long(argc, argv, "hj", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			store = optarg;
			break;
		case 'r':
			role_s = optarg;
			break;
		case 'p':
			physician = optarg;
			break;
		case 'P':
			pw_stdin = 1;
			break;
		case 'j':
			json = 1;
			break;
		case 'h':
			user_usage(stdout);
			return EXIT_OK;
		default:
			user_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind == argc) {
		user_usage(stderr);
		return EXIT_USAGE;
	}
	verb = argv[optind];
	nargs = argc - optind - 1;
	name = nargs == 1 ? argv[optind + 1] : NULL;
	if (strcmp(verb, "list") == 0)
		known = nargs == 0;
	else
		known = nargs == 1 && (strcmp(verb, "add") == 0 ||
		                       strcmp(verb, "passwd") == 0 ||
		                       strcmp(verb, "disable") == 0 ||
		                       strcmp(verb, "enable") == 0);
	if (!known) {
		user_usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(verb, "add") == 0) {
		role = access_role_parse(role_s);
		if (role == ACCESS_ROLE_NONE) {
			cli_error("user add",
			          "--role is admin, operator, clerk "
			          "or physician");
			return EXIT_USAGE;
		}
		if ((role == ACCESS_PHYSICIAN) != (physician != NULL)) {
			cli_error("user add",
			          role == ACCESS_PHYSICIAN
			              ? "a physician needs --physician \"Full "
			                "Name\" as the roster spells it"
			              : "--physician is only for the "
			                "physician role");
			return EXIT_USAGE;
		}
	} else if (role_s != NULL || physician != NULL) {
		cli_error("user", "--role and --physician are for 'user add'");
		return EXIT_USAGE;
	}
	if (name != NULL && !access_user_name_valid(name)) {
		cli_error("user",
		          "'%s' is not a user name: lowercase letters, "
		          "digits and . _ - @, starting with a letter, "
		          "at most %d",
		          name, ACCESS_NAME_MAX);
		return EXIT_USAGE;
	}
	if (strcmp(verb, "add") == 0 || strcmp(verb, "passwd") == 0) {
		if (!pw_stdin) {
			cli_error("user", "give --password-stdin and the "
			                  "password on standard input (never "
			                  "on the command line)");
			return EXIT_USAGE;
		}
		if (read_password(pw, sizeof(pw)) != 0) {
			cli_error("user",
			          "no password line on standard input "
			          "(or longer than %d bytes)",
			          ACCESS_PASSWORD_MAX);
			return EXIT_SOME;
		}
	}

	st = cli_open_store(store, 0);
	if (st == NULL)
		return EXIT_FAILURE_;
	cr_err_clear(&err);
	access_local_actor(who);
	if (strcmp(verb, "list") == 0) {
		rc = access_user_each(st, list_cb, &json, &err);
	} else if (strcmp(verb, "add") == 0) {
		rc = access_user_add(st, who, NULL, name, role, physician, pw,
		                     &err);
		if (rc == CR_OK && role == ACCESS_PHYSICIAN) {
			int64_t n = 0;
			if (access_physician_patients(st, physician, &n,
			                              NULL) == CR_OK &&
			    n == 0)
				fprintf(stderr,
				        "chartroom user add: warning: no "
				        "patient in the roster has physician "
				        "of record \"%s\" yet; %s sees no "
				        "charts until one does\n",
				        physician, name);
		}
		if (rc == CR_OK)
			printf("user %s added as %s\n", name,
			       access_role_name(role));
	} else if (strcmp(verb, "passwd") == 0) {
		rc = access_user_passwd(st, who, NULL, name, pw, &err);
		if (rc == CR_OK)
			printf("password of %s changed; their sessions "
			       "ended\n",
			       name);
	} else if (strcmp(verb, "disable") == 0) {
		rc = access_user_disable(st, who, NULL, name, &err);
		if (rc == CR_OK)
			printf("user %s disabled; their sessions ended\n",
			       name);
	} else {
		rc = access_user_enable(st, who, NULL, name, &err);
		if (rc == CR_OK)
			printf("user %s enabled\n", name);
	}
	explicit_bzero(pw, sizeof(pw));
	store_close(st);
	if (rc != CR_OK)
		cli_error("user", "%s", err.msg);
	return status_of(rc);
}
