/* softhsm.c: see softhsm.h. */
#include "softhsm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "files.h"

static const char *const modules[] = {
    "/usr/lib/softhsm/libsofthsm2.so",
    "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/local/lib/softhsm/libsofthsm2.so",
};

/* Runs a shell command line (the test's own fixed words and temp paths),
 * its output appended to <dir>/softhsm.log. */
static int run(const struct softhsm *h, const char *cmd)
{
    char line[8 * SOFTHSM_PATH_MAX];
    int rc;

    snprintf(line, sizeof line, "%.6000s >>'%.1000s/softhsm.log' 2>&1", cmd,
             h->dir);
    rc = system(line);
    if (rc != 0)
        fprintf(stderr, "softhsm: '%s' failed (%d); see %s/softhsm.log\n", cmd,
                rc, h->dir);
    return rc == 0 ? 0 : -1;
}

/* Under ASan, SoftHSM's own leak (tests/data/lsan-softhsm2.supp) is
 * suppressed in the children; the suppression names the module, so malloc
 * stacks must be unwound through it (fast_unwind_on_malloc=0: libcrypto
 * has no frame pointers). */
static void sanitizer_env(void)
{
    const char *data = getenv("CREDLOG_TEST_DATA"),
               *asan = getenv("ASAN_OPTIONS");
    char buf[2048];

    if (data == NULL)
        return;
    snprintf(buf, sizeof buf, "suppressions=%.1000s/lsan-softhsm2.supp", data);
    setenv("LSAN_OPTIONS", buf, 1);
    snprintf(buf, sizeof buf, "%.1000s%sfast_unwind_on_malloc=0",
             asan != NULL ? asan : "", asan != NULL && asan[0] ? ":" : "");
    setenv("ASAN_OPTIONS", buf, 1);
}

int softhsm_init(struct softhsm *h, const char *dir)
{
    char path[SOFTHSM_PATH_MAX + 32], text[3 * SOFTHSM_PATH_MAX];
    char cmd[2 * SOFTHSM_PATH_MAX];
    const char *env = getenv("CREDLOG_SOFTHSM2_MODULE");

    memset(h, 0, sizeof *h);
    snprintf(h->dir, sizeof h->dir, "%s", dir);
    if (env != NULL && env[0] != '\0')
        snprintf(h->module, sizeof h->module, "%s", env);
    for (size_t i = 0;
         h->module[0] == '\0' && i < sizeof modules / sizeof *modules; i++)
        if (access(modules[i], R_OK) == 0)
            snprintf(h->module, sizeof h->module, "%s", modules[i]);
    if (h->module[0] == '\0' ||
        system("command -v softhsm2-util >/dev/null && "
               "command -v pkcs11-tool >/dev/null") != 0) {
        fprintf(stderr, "softhsm: SoftHSM2 (libsofthsm2.so, softhsm2-util) or "
                        "pkcs11-tool not found: install the Debian packages "
                        "softhsm2 and opensc (scripts/deps.sh test), or set "
                        "CREDLOG_SOFTHSM2_MODULE\n");
        return -1;
    }
    snprintf(path, sizeof path, "%s/tokens", dir);
    if (mkdir(path, 0700) != 0)
        return -1;
    snprintf(text, sizeof text,
             "directories.tokendir = %s\nobjectstore.backend = file\n"
             "log.level = ERROR\n",
             path);
    snprintf(path, sizeof path, "%s/softhsm2.conf", dir);
    if (files_write_mode(path, text, 0600) != 0)
        return -1;
    setenv("SOFTHSM2_CONF", path, 1);
    sanitizer_env();
    snprintf(h->pin_path, sizeof h->pin_path, "%s/pin", dir);
    if (files_write_mode(h->pin_path, SOFTHSM_PIN "\n", 0600) != 0)
        return -1;
    snprintf(cmd, sizeof cmd,
             "softhsm2-util --init-token --free --label " SOFTHSM_TOKEN
             " --so-pin 1234 --pin " SOFTHSM_PIN);
    return run(h, cmd);
}

int softhsm_keygen(const struct softhsm *h, const char *label, const char *id)
{
    char cmd[3 * SOFTHSM_PATH_MAX];

    snprintf(cmd, sizeof cmd,
             "pkcs11-tool --module '%s' --token-label " SOFTHSM_TOKEN
             " --login --pin " SOFTHSM_PIN
             " --keypairgen --key-type EC:edwards25519 --label '%s' --id %s",
             h->module, label, id);
    return run(h, cmd);
}

void softhsm_uri(const struct softhsm *h, const char *label, char *buf,
                 size_t cap)
{
    char enc[3 * 256 + 1], *p = enc;

    for (const char *c = label; *c != '\0' && p < enc + sizeof enc - 4; c++) {
        if (*c == '/' || *c == ';' || *c == '?' || *c == '%' || *c == '&')
            p += sprintf(p, "%%%02X", (unsigned char)*c);
        else
            *p++ = *c;
    }
    *p = '\0';
    snprintf(buf, cap,
             "pkcs11:token=" SOFTHSM_TOKEN
             ";object=%s?module-path=%s&pin-source=%s",
             enc, h->module, h->pin_path);
}
