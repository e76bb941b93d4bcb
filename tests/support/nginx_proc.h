/*
 * nginx_proc.h: runs Debian's nginx ($NGINX_BIN, default /usr/sbin/nginx)
 * for integration tests, as an ordinary user, in a temporary directory of
 * its own: nginx.conf (written here), its pid file, error log, temporary
 * files and whatever the test's configuration puts under it (a cache, an
 * access log).
 *
 * nginx_proc_start() takes the test's http-context configuration (for
 * example contrib/nginx/credlog.conf with the test's upstreams) and puts it
 * inside a main configuration that keeps nginx in the foreground
 * (daemon off) and every path in the directory. In that text "@PORT@" is
 * replaced by a free loopback port and "@DIR@" by the directory. nginx is
 * ready when it has written its pid file, which it does only after binding
 * every listening socket: no sleep. A port another process took meanwhile
 * makes nginx exit; it is then started again on another one.
 *
 * nginx never runs as root: a test running as root starts it as "nobody"
 * (the directory is given to it; its ancestors must let it through).
 *
 * Not thread-safe; one struct per nginx. Functions return 0 or -1 and print
 * the reason to stderr (nginx's own is in n->error_path).
 */
#ifndef CREDLOG_TESTS_NGINX_PROC_H
#define CREDLOG_TESTS_NGINX_PROC_H

#include <sys/types.h>

#define NGINX_PROC_PATH_MAX 512

struct nginx_proc {
    char dir[NGINX_PROC_PATH_MAX / 2];    /* the temporary directory */
    char conf_path[NGINX_PROC_PATH_MAX];  /* dir/nginx.conf */
    char error_path[NGINX_PROC_PATH_MAX]; /* dir/error.log */
    char pid_path[NGINX_PROC_PATH_MAX];   /* dir/nginx.pid */
    char url[64]; /* "http://127.0.0.1:PORT" while running */
    unsigned port;
    pid_t pid; /* the master process, 0 when not running */
    uid_t uid; /* run as this user and group when the test is root */
    gid_t gid; /* (nobody's; 0: as the test's own) */
};

/* The nginx binary ($NGINX_BIN, or /usr/sbin/nginx), or check_skip() when
 * it is not there: the test program ends as skipped. */
const char *nginx_proc_require(void);

/* Makes the temporary directory. */
int nginx_proc_init(struct nginx_proc *n);

/* Writes nginx.conf around http_conf (see above) and starts nginx on it;
 * waits (up to 20 s) until it listens. Fails if nginx refuses the
 * configuration or exits. */
int nginx_proc_start(struct nginx_proc *n, const char *http_conf);

/* Sends SIGTERM to the master and waits (up to 20 s, then SIGKILL) for it
 * and its workers to end. Returns 0, or -1 if it had to be killed or was
 * not running. */
int nginx_proc_stop(struct nginx_proc *n);

/* Stops nginx if running and removes the directory (kept if
 * $CREDLOG_KEEP_TMP is set). */
void nginx_proc_cleanup(struct nginx_proc *n);

#endif
