#define _POSIX_C_SOURCE 200809L
#include "phala_tee.h"
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int phala_tee_abi_version(void) { return PHALA_TEE_ABI_VERSION; }

const char *phala_tee_strerror(int status)
{
    switch (status) {
    case PHALA_TEE_OK: return "success";
    case PHALA_TEE_ERR_NO_PROVIDER: return "no TEE provider (configfs-tsm report dir or device missing, or provider is not TDX)";
    case PHALA_TEE_ERR_GENERATION_RACE: return "configfs-tsm generation race: another writer changed the report entry";
    case PHALA_TEE_ERR_SHORT_OUTBLOB: return "outblob empty or shorter than a TDX quote";
    case PHALA_TEE_ERR_IO: return "I/O error talking to the TEE";
    case PHALA_TEE_ERR_BUFFER_TOO_SMALL: return "buffer too small";
    case PHALA_TEE_ERR_INVALID_ARGUMENT: return "invalid argument";
    default: return "unknown phala_tee status";
    }
}

void phala_set_os_error(int *os_error, int value)
{
    if (os_error != NULL) {
        *os_error = value;
    }
}

int phala_path_join(char *out, size_t capacity, const char *a, const char *b)
{
    int n = snprintf(out, capacity, "%s/%s", a, b);
    if (n < 0 || (size_t)n >= capacity) {
        return PHALA_TEE_ERR_INVALID_ARGUMENT;
    }
    return PHALA_TEE_OK;
}

static int classify_open_error(int err, int missing_is_no_provider)
{
    if (missing_is_no_provider && (err == ENOENT || err == ENOTDIR)) {
        return PHALA_TEE_ERR_NO_PROVIDER;
    }
    return PHALA_TEE_ERR_IO;
}

int phala_read_file(const char *path, uint8_t *buffer, size_t capacity, size_t *len, int missing_is_no_provider, int *os_error)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int err = errno;
        phala_set_os_error(os_error, err);
        return classify_open_error(err, missing_is_no_provider);
    }
    size_t total = 0;
    int status = PHALA_TEE_OK;
    for (;;) {
        uint8_t scratch[4096];
        uint8_t *target = total < capacity ? buffer + total : scratch;
        size_t room = total < capacity ? capacity - total : sizeof scratch;
        ssize_t n = read(fd, target, room);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            phala_set_os_error(os_error, errno);
            status = PHALA_TEE_ERR_IO;
            break;
        }
        if (n == 0) {
            break;
        }
        total += (size_t)n;
    }
    close(fd);
    if (status == PHALA_TEE_OK && total > capacity) {
        status = PHALA_TEE_ERR_BUFFER_TOO_SMALL;
    }
    *len = total;
    return status;
}

int phala_write_file(const char *path, const uint8_t *data, size_t len, int missing_is_no_provider, int *os_error)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
        int err = errno;
        phala_set_os_error(os_error, err);
        return classify_open_error(err, missing_is_no_provider);
    }
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(fd, data + done, len - done);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            phala_set_os_error(os_error, errno);
            close(fd);
            return PHALA_TEE_ERR_IO;
        }
        done += (size_t)n;
    }
    if (close(fd) != 0) {
        phala_set_os_error(os_error, errno);
        return PHALA_TEE_ERR_IO;
    }
    return PHALA_TEE_OK;
}
