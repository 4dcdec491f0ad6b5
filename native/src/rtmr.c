#define _POSIX_C_SOURCE 200809L
#include "phala_tee.h"
#include "internal.h"

#include <stdio.h>

static int rtmr_path(char *out, size_t capacity, const char *dir, int index)
{
    if (index < 0 || index > 3) {
        return PHALA_TEE_ERR_INVALID_ARGUMENT;
    }
    int n = snprintf(out, capacity, "%s/rtmr%d:sha384", dir != NULL ? dir : PHALA_TDX_MEASUREMENTS_DEFAULT_DIR, index);
    return n < 0 || (size_t)n >= capacity ? PHALA_TEE_ERR_INVALID_ARGUMENT : PHALA_TEE_OK;
}

int phala_rtmr_extend(const char *measurements_dir, int index, const uint8_t *digest, size_t digest_len, int *os_error)
{
    phala_set_os_error(os_error, 0);
    char path[PHALA_PATH_MAX];
    if (digest == NULL || digest_len != PHALA_TEE_RTMR_LEN || rtmr_path(path, sizeof path, measurements_dir, index) != PHALA_TEE_OK) {
        return PHALA_TEE_ERR_INVALID_ARGUMENT;
    }
    /* The kernel extends the register with exactly one 48-byte write: RTMR = SHA-384(RTMR || digest). */
    return phala_write_file(path, digest, digest_len, 1, os_error);
}

int phala_rtmr_read(const char *measurements_dir, int index, uint8_t *value, size_t value_capacity, int *os_error)
{
    phala_set_os_error(os_error, 0);
    char path[PHALA_PATH_MAX];
    if (value == NULL || rtmr_path(path, sizeof path, measurements_dir, index) != PHALA_TEE_OK) {
        return PHALA_TEE_ERR_INVALID_ARGUMENT;
    }
    if (value_capacity < PHALA_TEE_RTMR_LEN) {
        return PHALA_TEE_ERR_BUFFER_TOO_SMALL;
    }
    size_t len = 0;
    int status = phala_read_file(path, value, value_capacity, &len, 1, os_error);
    if (status != PHALA_TEE_OK) {
        return status;
    }
    return len == PHALA_TEE_RTMR_LEN ? PHALA_TEE_OK : PHALA_TEE_ERR_SHORT_OUTBLOB;
}
