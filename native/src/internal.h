#ifndef PHALA_TEE_INTERNAL_H
#define PHALA_TEE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#define PHALA_PATH_MAX 4096

void phala_set_os_error(int *os_error, int value);

/* Joins a and b with '/', fails with PHALA_TEE_ERR_INVALID_ARGUMENT when it does not fit. */
int phala_path_join(char *out, size_t capacity, const char *a, const char *b);

/* Reads a whole small file; *len receives its length. Missing file -> PHALA_TEE_ERR_NO_PROVIDER if missing_is_no_provider. */
int phala_read_file(const char *path, uint8_t *buffer, size_t capacity, size_t *len, int missing_is_no_provider, int *os_error);

/* Writes all of data to path (O_WRONLY, no create). */
int phala_write_file(const char *path, const uint8_t *data, size_t len, int missing_is_no_provider, int *os_error);

#endif
