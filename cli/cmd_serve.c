/* cmd_serve.c - placeholder while the command is written. */
#include "cli.h"

int cmd_serve(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	cli_error("serve", "not implemented yet");
	return EXIT_FAILURE_;
}
