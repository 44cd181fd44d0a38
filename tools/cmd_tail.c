/* cmd_tail.c - `centrallog tail`: `query -f -n 10` under its own name. */
#include "cli.h"
#include "query.h"

int cmd_tail(const cli_global *g, int argc, char **argv)
{
    return cli_query_main(g, argc, argv, 1);
}
