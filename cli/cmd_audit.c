/* cmd_audit.c - placeholder while the command is written. */
#include "cli.h"

int cmd_audit(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	cli_error("audit", "not implemented yet");
	return EXIT_FAILURE_;
}
