/* cmd_status.c - placeholder while the command is written. */
#include "cli.h"

int cmd_status(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	cli_error("status", "not implemented yet");
	return EXIT_FAILURE_;
}
