/* server.c - placeholder; the server is being written (issue 5). */
#include "web.h"

int web_placeholder(void);
int web_placeholder(void)
{
	return CR_OK;
}
