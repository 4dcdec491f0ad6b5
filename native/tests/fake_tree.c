#define _XOPEN_SOURCE 700
#include "fake_tree.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ftw.h>

int fake_tree_write(const char *dir, const char *name, const void *data, size_t len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) {
        return -1;
    }
    ssize_t n = len == 0 ? 0 : write(fd, data, len);
    close(fd);
    return n == (ssize_t)len ? 0 : -1;
}

int fake_tree_write_text(const char *dir, const char *name, const char *text)
{
    return fake_tree_write(dir, name, text, strlen(text));
}

long fake_tree_read(const char *dir, const char *name, void *data, size_t capacity)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        return -1;
    }
    ssize_t n = read(fd, data, capacity);
    close(fd);
    return (long)n;
}

int fake_tree_create(fake_tree *tree, const char *entry_name)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(tree->base, sizeof tree->base, "%s/phala-tee-test-XXXXXX", tmp != NULL ? tmp : "/tmp");
    if (mkdtemp(tree->base) == NULL) {
        return -1;
    }
    snprintf(tree->root, sizeof tree->root, "%s/tsm", tree->base);
    char report[600];
    snprintf(report, sizeof report, "%s/report", tree->root);
    snprintf(tree->entry, sizeof tree->entry, "%s/%s", report, entry_name);
    if (mkdir(tree->root, 0700) != 0 || mkdir(report, 0700) != 0 || mkdir(tree->entry, 0700) != 0) {
        return -1;
    }
    return fake_tree_write(tree->entry, "inblob", "", 0) | fake_tree_write_text(tree->entry, "provider", "tdx_guest\n") |
           fake_tree_write_text(tree->entry, "generation", "7\n");
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void fake_tree_destroy(fake_tree *tree)
{
    nftw(tree->base, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}
