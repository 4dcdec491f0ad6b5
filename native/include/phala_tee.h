/*
 * phala_tee: a small C shim over the Linux TDX guest interfaces used by PhalaWorker.
 *
 *  - configfs-tsm reports (/sys/kernel/config/tsm/report/<entry>/{inblob,outblob,provider,generation}),
 *    with the generation race check;
 *  - the legacy /dev/tdx_guest TDX_CMD_GET_REPORT0 ioctl (64-byte report data -> 1024-byte TDREPORT);
 *  - RTMR extension: the sysfs measurement registers (Linux >= 6.16,
 *    /sys/class/misc/tdx_guest/measurements/rtmr<N>:sha384) or the TDX_CMD_EXTEND_RTMR ioctl.
 *
 * Every path can be overridden so tests run against a fake tree. All functions return PHALA_TEE_OK (0)
 * or a negative phala_tee_status; phala_tee_strerror() describes it. Where an OS call failed, *os_error
 * (if non-NULL) receives errno. No function keeps global state; all are thread-safe.
 */
#ifndef PHALA_TEE_H
#define PHALA_TEE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define PHALA_TEE_API __attribute__((visibility("default")))
#else
#define PHALA_TEE_API
#endif

#define PHALA_TEE_ABI_VERSION 1

#define PHALA_TEE_REPORT_DATA_LEN 64
#define PHALA_TEE_TDREPORT_LEN 1024
#define PHALA_TEE_RTMR_LEN 48
/* A TDX quote is at least header (48) + TD report body (584) + signature data length (4). */
#define PHALA_TEE_MIN_QUOTE_LEN 636

#define PHALA_TSM_DEFAULT_ROOT "/sys/kernel/config/tsm"
#define PHALA_TDX_GUEST_DEFAULT_DEVICE "/dev/tdx_guest"
#define PHALA_TDX_MEASUREMENTS_DEFAULT_DIR "/sys/class/misc/tdx_guest/measurements"

typedef enum phala_tee_status {
    PHALA_TEE_OK = 0,
    /* No TEE: the configfs-tsm report directory or the device is missing, or the provider is not TDX. */
    PHALA_TEE_ERR_NO_PROVIDER = -1,
    /* The configfs-tsm generation moved by more than our own write: the outblob may belong to another writer. */
    PHALA_TEE_ERR_GENERATION_RACE = -2,
    /* The outblob was empty or shorter than PHALA_TEE_MIN_QUOTE_LEN. */
    PHALA_TEE_ERR_SHORT_OUTBLOB = -3,
    /* An OS call (open, read, write, mkdir, ioctl) failed; see *os_error. */
    PHALA_TEE_ERR_IO = -4,
    /* The caller's buffer is too small; the required size is returned where the API says so. */
    PHALA_TEE_ERR_BUFFER_TOO_SMALL = -5,
    /* A NULL pointer, a wrong report-data/digest length or an RTMR index outside 0..3. */
    PHALA_TEE_ERR_INVALID_ARGUMENT = -6
} phala_tee_status;

/* Test hook: runs after inblob was written and before outblob is read (a fake tree uses it to act as the kernel). */
typedef void (*phala_tsm_hook)(void *context, const char *entry_path);

typedef struct phala_tsm_options {
    /* The configfs-tsm root; NULL means PHALA_TSM_DEFAULT_ROOT. Reports live in <root>/report/. */
    const char *root;
    /* The report entry name; NULL means a fresh "phala-<pid>-<n>". An existing entry is reused. */
    const char *entry_name;
    /* Optional hook, see phala_tsm_hook. */
    phala_tsm_hook after_inblob_write;
    void *hook_context;
} phala_tsm_options;

/* The ABI version of the loaded library (PHALA_TEE_ABI_VERSION). */
PHALA_TEE_API int phala_tee_abi_version(void);

/* A static, human-readable description of a phala_tee_status. Never NULL. */
PHALA_TEE_API const char *phala_tee_strerror(int status);

/*
 * Checks that <root>/report exists (configfs-tsm is mounted and a TSM provider is registered).
 * Returns PHALA_TEE_OK or PHALA_TEE_ERR_NO_PROVIDER.
 */
PHALA_TEE_API int phala_tsm_probe(const char *root, int *os_error);

/*
 * Generates a quote through configfs-tsm: mkdir <root>/report/<entry>, read generation, write the 64-byte
 * report data to inblob, read provider (must start with "tdx_guest"), read outblob, re-read generation
 * (must not have advanced by more than one since before the write), rmdir the entry.
 * On success *quote_len is the quote length. On PHALA_TEE_ERR_BUFFER_TOO_SMALL *quote_len is the size needed.
 * provider (optional, may be NULL) receives the provider name, NUL-terminated and truncated to provider_capacity.
 */
PHALA_TEE_API int phala_tsm_get_quote(const phala_tsm_options *options,
                                      const uint8_t *report_data, size_t report_data_len,
                                      uint8_t *quote, size_t quote_capacity, size_t *quote_len,
                                      char *provider, size_t provider_capacity,
                                      int *os_error);

/* Opens the TDX guest device (NULL means PHALA_TDX_GUEST_DEFAULT_DEVICE). *fd receives the descriptor. */
PHALA_TEE_API int phala_tdx_open(const char *device_path, int *fd, int *os_error);

/* Closes a descriptor from phala_tdx_open. */
PHALA_TEE_API int phala_tdx_close(int fd);

/* TDX_CMD_GET_REPORT0: 64 bytes of report data in, the 1024-byte TDREPORT out (tdreport_capacity >= 1024). */
PHALA_TEE_API int phala_tdx_get_report(int fd, const uint8_t *report_data, size_t report_data_len,
                                       uint8_t *tdreport, size_t tdreport_capacity, int *os_error);

/* TDX_CMD_EXTEND_RTMR ioctl (kernels carrying the tdx-guest RTMR extend patches): extends RTMR index by a 48-byte digest. */
PHALA_TEE_API int phala_tdx_extend_rtmr(int fd, int index, const uint8_t *digest, size_t digest_len, int *os_error);

/*
 * Extends RTMR index (0..3) through sysfs: writes the 48-byte SHA-384 digest to <dir>/rtmr<index>:sha384
 * (NULL dir means PHALA_TDX_MEASUREMENTS_DEFAULT_DIR). Missing dir or file -> PHALA_TEE_ERR_NO_PROVIDER.
 */
PHALA_TEE_API int phala_rtmr_extend(const char *measurements_dir, int index, const uint8_t *digest, size_t digest_len, int *os_error);

/* Reads the current 48-byte value of RTMR index through sysfs. */
PHALA_TEE_API int phala_rtmr_read(const char *measurements_dir, int index, uint8_t *value, size_t value_capacity, int *os_error);

#ifdef __cplusplus
}
#endif

#endif /* PHALA_TEE_H */
