/* cmd_watch.c - placeholder while the command is written. */
#include "cli.h"

int cmd_watch(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	cli_error("watch", "not implemented yet");
	return EXIT_FAILURE_;
}
