#define _POSIX_C_SOURCE 200809L
#include "phala_tee.h"
#include "internal.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

static atomic_uint entry_counter;

int phala_tsm_probe(const char *root, int *os_error)
{
    char report_dir[PHALA_PATH_MAX];
    if (phala_path_join(report_dir, sizeof report_dir, root != NULL ? root : PHALA_TSM_DEFAULT_ROOT, "report") != PHALA_TEE_OK) {
        return PHALA_TEE_ERR_INVALID_ARGUMENT;
    }
    struct stat st;
    if (stat(report_dir, &st) != 0) {
        phala_set_os_error(os_error, errno);
        return PHALA_TEE_ERR_NO_PROVIDER;
    }
    if (!S_ISDIR(st.st_mode)) {
        phala_set_os_error(os_error, ENOTDIR);
        return PHALA_TEE_ERR_NO_PROVIDER;
    }
    return PHALA_TEE_OK;
}

/* Reads the decimal generation counter of a report entry. */
static int read_generation(const char *entry, unsigned long long *generation, int *os_error)
{
    char path[PHALA_PATH_MAX];
    uint8_t text[32];
    size_t len = 0;
    if (phala_path_join(path, sizeof path, entry, "generation") != PHALA_TEE_OK) {
        return PHALA_TEE_ERR_INVALID_ARGUMENT;
    }
    int status = phala_read_file(path, text, sizeof text - 1, &len, 1, os_error);
    if (status == PHALA_TEE_ERR_BUFFER_TOO_SMALL) {
        return PHALA_TEE_ERR_IO;
    }
    if (status != PHALA_TEE_OK) {
        return status;
    }
    text[len] = 0;
    char *end = NULL;
    errno = 0;
    unsigned long long value = strtoull((const char *)text, &end, 10);
    if (errno != 0 || end == (char *)text || (*end != 0 && *end != '\n')) {
        phala_set_os_error(os_error, EINVAL);
        return PHALA_TEE_ERR_IO;
    }
    *generation = value;
    return PHALA_TEE_OK;
}

static int read_provider(const char *entry, char *provider, size_t capacity, int *os_error)
{
    char path[PHALA_PATH_MAX];
    uint8_t text[64];
    size_t len = 0;
    if (phala_path_join(path, sizeof path, entry, "provider") != PHALA_TEE_OK) {
        return PHALA_TEE_ERR_INVALID_ARGUMENT;
    }
    int status = phala_read_file(path, text, sizeof text - 1, &len, 1, os_error);
    if (status == PHALA_TEE_ERR_BUFFER_TOO_SMALL) {
        len = sizeof text - 1;
    } else if (status != PHALA_TEE_OK) {
        return status;
    }
    while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == 0)) {
        len--;
    }
    text[len] = 0;
    if (provider != NULL && capacity > 0) {
        snprintf(provider, capacity, "%s", (const char *)text);
    }
    /* The TDX provider registers as "tdx_guest"; anything else (sev_guest, arm-cca-guest) is not a TDX quote. */
    if (strncmp((const char *)text, "tdx_guest", 9) != 0) {
        return PHALA_TEE_ERR_NO_PROVIDER;
    }
    return PHALA_TEE_OK;
}

int phala_tsm_get_quote(const phala_tsm_options *options,
                        const uint8_t *report_data, size_t report_data_len,
                        uint8_t *quote, size_t quote_capacity, size_t *quote_len,
                        char *provider, size_t provider_capacity,
                        int *os_error)
{
    phala_set_os_error(os_error, 0);
    if (report_data == NULL || report_data_len != PHALA_TEE_REPORT_DATA_LEN || quote_len == NULL || (quote == NULL && quote_capacity != 0)) {
        return PHALA_TEE_ERR_INVALID_ARGUMENT;
    }
    *quote_len = 0;
    if (provider != NULL && provider_capacity > 0) {
        provider[0] = 0;
    }

    const char *root = options != NULL && options->root != NULL ? options->root : PHALA_TSM_DEFAULT_ROOT;
    int status = phala_tsm_probe(root, os_error);
    if (status != PHALA_TEE_OK) {
        return status;
    }

    char report_dir[PHALA_PATH_MAX];
    char entry[PHALA_PATH_MAX];
    char name[64];
    const char *entry_name = options != NULL ? options->entry_name : NULL;
    if (entry_name == NULL) {
        snprintf(name, sizeof name, "phala-%ld-%u", (long)getpid(), atomic_fetch_add(&entry_counter, 1u));
        entry_name = name;
    }
    if (phala_path_join(report_dir, sizeof report_dir, root, "report") != PHALA_TEE_OK ||
        phala_path_join(entry, sizeof entry, report_dir, entry_name) != PHALA_TEE_OK) {
        return PHALA_TEE_ERR_INVALID_ARGUMENT;
    }

    /* An existing entry is reused: the generation check below detects anyone else writing to it. */
    int created = 0;
    if (mkdir(entry, 0700) == 0) {
        created = 1;
    } else if (errno != EEXIST) {
        int err = errno;
        phala_set_os_error(os_error, err);
        return err == ENOENT ? PHALA_TEE_ERR_NO_PROVIDER : PHALA_TEE_ERR_IO;
    }

    char path[PHALA_PATH_MAX];
    unsigned long long before = 0;
    unsigned long long after = 0;
    size_t len = 0;

    status = read_generation(entry, &before, os_error);
    if (status != PHALA_TEE_OK) {
        goto done;
    }

    if (phala_path_join(path, sizeof path, entry, "inblob") != PHALA_TEE_OK) {
        status = PHALA_TEE_ERR_INVALID_ARGUMENT;
        goto done;
    }
    status = phala_write_file(path, report_data, report_data_len, 1, os_error);
    if (status != PHALA_TEE_OK) {
        goto done;
    }

    if (options != NULL && options->after_inblob_write != NULL) {
        options->after_inblob_write(options->hook_context, entry);
    }

    status = read_provider(entry, provider, provider_capacity, os_error);
    if (status != PHALA_TEE_OK) {
        goto done;
    }

    if (phala_path_join(path, sizeof path, entry, "outblob") != PHALA_TEE_OK) {
        status = PHALA_TEE_ERR_INVALID_ARGUMENT;
        goto done;
    }
    status = phala_read_file(path, quote, quote_capacity, &len, 1, os_error);
    if (status == PHALA_TEE_ERR_BUFFER_TOO_SMALL) {
        *quote_len = len;
        goto done;
    }
    if (status != PHALA_TEE_OK) {
        goto done;
    }

    status = read_generation(entry, &after, os_error);
    if (status != PHALA_TEE_OK) {
        goto done;
    }
    /*
     * Our own inblob write advances the generation by exactly one. More than one (or going backwards) means
     * another writer touched the entry between our write and our read: the outblob may not carry our report data.
     */
    if (after < before || after - before > 1) {
        status = PHALA_TEE_ERR_GENERATION_RACE;
        goto done;
    }
    if (len < PHALA_TEE_MIN_QUOTE_LEN) {
        status = PHALA_TEE_ERR_SHORT_OUTBLOB;
        *quote_len = len;
        goto done;
    }
    *quote_len = len;

done:
    if (created) {
        /* Best effort: configfs removes the entry with its attributes. */
        (void)rmdir(entry);
    }
    if (status != PHALA_TEE_OK && status != PHALA_TEE_ERR_BUFFER_TOO_SMALL && status != PHALA_TEE_ERR_SHORT_OUTBLOB) {
        *quote_len = 0;
    }
    return status;
}
