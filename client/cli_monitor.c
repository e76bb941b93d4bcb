/* cli_monitor.c: credlog monitor (placeholder until monitor.c lands). */
#include <stdio.h>

#include "client/cli.h"

int cli_monitor(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cli_error("monitor: not built yet");
    return CLI_ERROR;
}
