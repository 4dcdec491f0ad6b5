#ifndef PHALA_FAKE_TREE_H
#define PHALA_FAKE_TREE_H

#include <stddef.h>
#include <stdint.h>

/* A fake configfs-tsm tree in a temp dir: <root>/report/<entry>/{inblob,outblob,provider,generation}. */
typedef struct fake_tree {
    char base[256];
    char root[512];
    char entry[768];
} fake_tree;

int fake_tree_create(fake_tree *tree, const char *entry_name);
int fake_tree_write(const char *dir, const char *name, const void *data, size_t len);
int fake_tree_write_text(const char *dir, const char *name, const char *text);
long fake_tree_read(const char *dir, const char *name, void *data, size_t capacity);
void fake_tree_destroy(fake_tree *tree);

#endif
