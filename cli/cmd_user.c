/* cmd_user.c - placeholder while the command is written. */
#include "cli.h"

int cmd_user(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	cli_error("user", "not implemented yet");
	return EXIT_FAILURE_;
}
