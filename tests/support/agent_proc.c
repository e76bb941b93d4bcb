/*
 * agent_proc.c: see agent_proc.h.
 */
#include "agent_proc.h"

#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "credlog_run.h"
#include "files.h"
#include "wait.h"

unsigned agent_proc_start(const char *conf, const char *port_path, pid_t *pid)
{
    const char *args[] = {"agent",       "--config", conf,
                          "--port-file", port_path,  NULL};
    struct wait w = wait_begin(20000);
    char *text = NULL;
    unsigned port;

    unlink(port_path);
    *pid = credlog_run_spawn(args, "agent");
    while ((text = files_read(port_path, NULL)) == NULL && wait_more(&w))
        ;
    CHECK_MSG(text != NULL, "the agent did not write %s", port_path);
    if (text == NULL)
        return 0;
    port = (unsigned)atoi(text);
    free(text);
    return port;
}

int agent_proc_stop(pid_t *pid, int sig, int timeout_s)
{
    struct credlog_run r;
    int status;

    kill(*pid, sig);
    credlog_run_wait(&r, *pid, "agent", timeout_s);
    if (sig == SIGTERM)
        CHECK_MSG(r.status == 0, "agent exit %d\n%s", r.status, r.err);
    status = r.status;
    credlog_run_free(&r);
    *pid = 0;
    return status;
}
