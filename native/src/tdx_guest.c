#define _POSIX_C_SOURCE 200809L
#include "phala_tee.h"
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* The Linux UAPI of the TDX guest driver (include/uapi/linux/tdx-guest.h), declared here so no kernel headers are needed. */
struct phala_tdx_report_req {
    uint8_t reportdata[PHALA_TEE_REPORT_DATA_LEN];
    uint8_t tdreport[PHALA_TEE_TDREPORT_LEN];
};

/* TDX_CMD_EXTEND_RTMR from the tdx-guest RTMR extend patch series (not in every kernel). */
struct phala_tdx_extend_rtmr_req {
    uint8_t data[PHALA_TEE_RTMR_LEN];
    uint8_t index;
};

#define PHALA_TDX_CMD_GET_REPORT0 _IOWR('T', 1, struct phala_tdx_report_req)
#define PHALA_TDX_CMD_EXTEND_RTMR _IOW('T', 3, struct phala_tdx_extend_rtmr_req)

int phala_tdx_open(const char *device_path, int *fd, int *os_error)
{
    phala_set_os_error(os_error, 0);
    if (fd == NULL) {
        return PHALA_TEE_ERR_INVALID_ARGUMENT;
    }
    *fd = -1;
    int handle = open(device_path != NULL ? device_path : PHALA_TDX_GUEST_DEFAULT_DEVICE, O_RDWR | O_CLOEXEC);
    if (handle < 0) {
        int err = errno;
        phala_set_os_error(os_error, err);
        return err == ENOENT || err == ENODEV || err == ENXIO ? PHALA_TEE_ERR_NO_PROVIDER : PHALA_TEE_ERR_IO;
    }
    *fd = handle;
    return PHALA_TEE_OK;
}

int phala_tdx_close(int fd)
{
    if (fd < 0) {
        return PHALA_TEE_ERR_INVALID_ARGUMENT;
    }
    return close(fd) == 0 ? PHALA_TEE_OK : PHALA_TEE_ERR_IO;
}

int phala_tdx_get_report(int fd, const uint8_t *report_data, size_t report_data_len,
                         uint8_t *tdreport, size_t tdreport_capacity, int *os_error)
{
    phala_set_os_error(os_error, 0);
    if (fd < 0 || report_data == NULL || report_data_len != PHALA_TEE_REPORT_DATA_LEN || tdreport == NULL) {
        return PHALA_TEE_ERR_INVALID_ARGUMENT;
    }
    if (tdreport_capacity < PHALA_TEE_TDREPORT_LEN) {
        return PHALA_TEE_ERR_BUFFER_TOO_SMALL;
    }
    struct phala_tdx_report_req request;
    memset(&request, 0, sizeof request);
    memcpy(request.reportdata, report_data, PHALA_TEE_REPORT_DATA_LEN);
    if (ioctl(fd, PHALA_TDX_CMD_GET_REPORT0, &request) != 0) {
        phala_set_os_error(os_error, errno);
        return PHALA_TEE_ERR_IO;
    }
    memcpy(tdreport, request.tdreport, PHALA_TEE_TDREPORT_LEN);
    return PHALA_TEE_OK;
}

int phala_tdx_extend_rtmr(int fd, int index, const uint8_t *digest, size_t digest_len, int *os_error)
{
    phala_set_os_error(os_error, 0);
    if (fd < 0 || index < 0 || index > 3 || digest == NULL || digest_len != PHALA_TEE_RTMR_LEN) {
        return PHALA_TEE_ERR_INVALID_ARGUMENT;
    }
    struct phala_tdx_extend_rtmr_req request;
    memset(&request, 0, sizeof request);
    memcpy(request.data, digest, PHALA_TEE_RTMR_LEN);
    request.index = (uint8_t)index;
    if (ioctl(fd, PHALA_TDX_CMD_EXTEND_RTMR, &request) != 0) {
        int err = errno;
        phala_set_os_error(os_error, err);
        return err == ENOTTY ? PHALA_TEE_ERR_NO_PROVIDER : PHALA_TEE_ERR_IO;
    }
    return PHALA_TEE_OK;
}
