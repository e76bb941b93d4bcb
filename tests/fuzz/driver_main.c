/*
 * driver_main.c: runs a fuzz target over files, without libFuzzer.
 *
 * Usage: fuzz_<target> PATH...
 * Each PATH is a file (one input) or a directory (every regular file in it,
 * in name order, not recursive). Each input is read into a buffer of exactly
 * its size and passed to LLVMFuzzerTestOneInput(), so the normal build (gcc,
 * and the ASan + UBSan build) replays every seed corpus as a regression test.
 * The name of each input is printed before it runs, so a failing input is
 * the last one named. Exits 0 after running at least one input, 1 when it
 * finds none or cannot read one; a target whose invariant fails aborts.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static unsigned long inputs;

/* Reads path whole into a malloc'd buffer of exactly its size. */
static int read_file(const char *path, uint8_t **data, size_t *size)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0;

    if (f == NULL)
        return -1;
    for (;;) {
        size_t got;
        if (len == cap) {
            uint8_t *nbuf;
            cap = cap ? cap * 2 : 4096;
            nbuf = realloc(buf, cap);
            if (nbuf == NULL)
                goto fail;
            buf = nbuf;
        }
        got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
    }
    if (ferror(f))
        goto fail;
    fclose(f);
    /* An exact-size copy, so that ASan catches a read past the input. */
    *data = malloc(len ? len : 1);
    if (*data == NULL) {
        free(buf);
        return -1;
    }
    if (len > 0)
        memcpy(*data, buf, len);
    free(buf);
    *size = len;
    return 0;
fail:
    free(buf);
    fclose(f);
    return -1;
}

static int run_file(const char *path)
{
    uint8_t *data;
    size_t size;

    if (read_file(path, &data, &size) != 0) {
        fprintf(stderr, "fuzz driver: cannot read %s: %s\n", path,
                strerror(errno));
        return -1;
    }
    printf("%s (%zu bytes)\n", path, size);
    fflush(stdout);
    LLVMFuzzerTestOneInput(data, size);
    free(data);
    inputs++;
    return 0;
}

static int run_dir(const char *dir)
{
    struct dirent **names;
    int n = scandir(dir, &names, NULL, alphasort), rc = 0;

    if (n < 0) {
        fprintf(stderr, "fuzz driver: cannot read %s: %s\n", dir,
                strerror(errno));
        return -1;
    }
    for (int i = 0; i < n; i++) {
        struct stat st;
        size_t len = strlen(dir) + 1 + strlen(names[i]->d_name) + 1;
        char *path = malloc(len);

        if (path == NULL)
            abort();
        snprintf(path, len, "%s/%s", dir, names[i]->d_name);
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && run_file(path) != 0)
            rc = -1;
        free(path);
        free(names[i]);
    }
    free(names);
    return rc;
}

int main(int argc, char **argv)
{
    int rc = 0;

    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        struct stat st;

        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "fuzz driver: %s: %s\n", argv[i], strerror(errno));
            rc = 1;
        } else if (S_ISDIR(st.st_mode) ? run_dir(argv[i]) != 0
                                       : run_file(argv[i]) != 0) {
            rc = 1;
        }
    }
    printf("fuzz driver: %lu inputs ran\n", inputs);
    if (inputs == 0) {
        fprintf(stderr, "fuzz driver: no inputs found\n");
        return 1;
    }
    return rc;
}
