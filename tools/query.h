/* query.h - what cmd_query.c shares with cmd_tail.c. */
#ifndef CLI_QUERY_H
#define CLI_QUERY_H

#include "cli.h"

/* query and tail share everything; tail only changes the defaults. */
int cli_query_main(const cli_global *g, int argc, char **argv, int tail);

#endif
