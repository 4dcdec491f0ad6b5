/*
 * libfake_nvidia_ml: a stand-in for NVIDIA's libnvidia-ml.so.1 that exports the NVML symbols PhalaWorker calls and
 * serves confidential-computing evidence from files, so the real H100 report and certificate chain travel the whole
 * P/Invoke path on a machine without a GPU. It also simulates the field failure modes (CC off, DevTools on, a GPU that
 * cannot attest, a report call that hangs). Built twice: with the CC API, and with -DFAKE_NVML_NO_CC, where the
 * nvmlSystem*ConfCompute* / nvmlDevice*ConfCompute* symbols do not exist at all (an NVML older than r535).
 *
 * The fake cannot sign: it returns the report file whatever nonce the caller asks for (the nonce is only recorded,
 * see fake_nvml_last_nonce), so a verifier's nonce check is what rejects a report for the wrong nonce.
 *
 * Configuration: a "key=value" file (one per line, '#' comments) named by fake_nvml_configure(path) or, when that was
 * never called, by $FAKE_NVML_CONFIG at nvmlInit_v2. Keys: gpus, name, driver, vbios, report, cert_chain, cc
 * (on|off), arch (nvmlDeviceArchitecture_t number, 9 = Hopper), devtools (on|off), environment (prod|sim|unavailable), multigpu (none|ppcie), ready (0|1), init_error,
 * report_error, cert_error (NVML return codes), report_delay_ms. Without configuration: one GPU, CC on, no evidence.
 */
#define _POSIX_C_SOURCE 200809L
#include "nvml_abi.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FAKE_MAX_GPUS 8
#define FAKE_TEXT 256

struct nvmlDevice_st {
    unsigned int index;
};

typedef struct {
    unsigned int gpus;
    unsigned int arch;
    char name[FAKE_TEXT];
    char driver[FAKE_TEXT];
    char vbios[FAKE_TEXT];
    char report[FAKE_TEXT * 4];
    char cert_chain[FAKE_TEXT * 4];
    unsigned int cc;
    unsigned int devtools;
    unsigned int environment;
    unsigned int multigpu;
    unsigned int ready;
    int init_error;
    int report_error;
    int cert_error;
    long report_delay_ms;
} fake_config;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static fake_config config;
static int configured;
static int init_count;
static struct nvmlDevice_st devices[FAKE_MAX_GPUS];
static unsigned char last_nonce[NVML_CC_GPU_CEC_NONCE_SIZE];

static void set_defaults(fake_config *c)
{
    memset(c, 0, sizeof *c);
    c->gpus = 1;
    c->arch = NVML_DEVICE_ARCH_HOPPER;
    strcpy(c->name, "NVIDIA H100 PCIe");
    strcpy(c->driver, "550.90.07");
    strcpy(c->vbios, "96.00.9F.00.01");
    c->cc = NVML_CC_SYSTEM_FEATURE_ENABLED;
    c->devtools = NVML_CC_SYSTEM_DEVTOOLS_MODE_OFF;
    c->environment = NVML_CC_SYSTEM_ENVIRONMENT_PROD;
    c->multigpu = NVML_CC_SYSTEM_MULTIGPU_NONE;
    c->ready = NVML_CC_ACCEPTING_CLIENT_REQUESTS_FALSE;
}

static void copy_text(char *dst, size_t capacity, const char *src)
{
    size_t n = strlen(src);
    if (n >= capacity) {
        n = capacity - 1;
    }
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static int parse_switch(const char *value, const char *on, unsigned int *out)
{
    *out = strcmp(value, on) == 0 ? 1u : 0u;
    return 0;
}

static int parse_config(const char *path, fake_config *c)
{
    FILE *file = fopen(path, "r");
    if (file == NULL) {
        return -1;
    }
    set_defaults(c);
    char line[FAKE_TEXT * 4 + 32];
    while (fgets(line, sizeof line, file) != NULL) {
        line[strcspn(line, "\r\n")] = '\0';
        char *eq = strchr(line, '=');
        if (line[0] == '#' || eq == NULL) {
            continue;
        }
        *eq = '\0';
        const char *key = line;
        const char *value = eq + 1;
        if (strcmp(key, "gpus") == 0) {
            unsigned long n = strtoul(value, NULL, 10);
            c->gpus = n > FAKE_MAX_GPUS ? FAKE_MAX_GPUS : (unsigned int)n;
        } else if (strcmp(key, "arch") == 0) {
            c->arch = (unsigned int)strtoul(value, NULL, 10);
        } else if (strcmp(key, "name") == 0) {
            copy_text(c->name, sizeof c->name, value);
        } else if (strcmp(key, "driver") == 0) {
            copy_text(c->driver, sizeof c->driver, value);
        } else if (strcmp(key, "vbios") == 0) {
            copy_text(c->vbios, sizeof c->vbios, value);
        } else if (strcmp(key, "report") == 0) {
            copy_text(c->report, sizeof c->report, value);
        } else if (strcmp(key, "cert_chain") == 0) {
            copy_text(c->cert_chain, sizeof c->cert_chain, value);
        } else if (strcmp(key, "cc") == 0) {
            parse_switch(value, "on", &c->cc);
        } else if (strcmp(key, "devtools") == 0) {
            parse_switch(value, "on", &c->devtools);
        } else if (strcmp(key, "multigpu") == 0) {
            parse_switch(value, "ppcie", &c->multigpu);
        } else if (strcmp(key, "environment") == 0) {
            c->environment = strcmp(value, "prod") == 0  ? NVML_CC_SYSTEM_ENVIRONMENT_PROD
                             : strcmp(value, "sim") == 0 ? NVML_CC_SYSTEM_ENVIRONMENT_SIM
                                                         : NVML_CC_SYSTEM_ENVIRONMENT_UNAVAILABLE;
        } else if (strcmp(key, "ready") == 0) {
            c->ready = strcmp(value, "1") == 0 ? 1u : 0u;
        } else if (strcmp(key, "init_error") == 0) {
            c->init_error = (int)strtol(value, NULL, 10);
        } else if (strcmp(key, "report_error") == 0) {
            c->report_error = (int)strtol(value, NULL, 10);
        } else if (strcmp(key, "cert_error") == 0) {
            c->cert_error = (int)strtol(value, NULL, 10);
        } else if (strcmp(key, "report_delay_ms") == 0) {
            c->report_delay_ms = strtol(value, NULL, 10);
        }
    }
    fclose(file);
    return 0;
}

/* Fake-only control export: (re)load the configuration from path (NULL: back to defaults). 0 or -1. */
NVML_FAKE_API int fake_nvml_configure(const char *path)
{
    fake_config parsed;
    if (path == NULL) {
        set_defaults(&parsed);
    } else if (parse_config(path, &parsed) != 0) {
        return -1;
    }
    pthread_mutex_lock(&lock);
    config = parsed;
    configured = 1;
    pthread_mutex_unlock(&lock);
    return 0;
}

/* Fake-only control export: the nonce of the last attestation report request. */
NVML_FAKE_API void fake_nvml_last_nonce(unsigned char *out)
{
    pthread_mutex_lock(&lock);
    memcpy(out, last_nonce, sizeof last_nonce);
    pthread_mutex_unlock(&lock);
}

static int put_text(char *out, unsigned int length, const char *text)
{
    if (out == NULL) {
        return NVML_ERROR_INVALID_ARGUMENT;
    }
    size_t n = strlen(text);
    if (n + 1 > length) {
        return NVML_ERROR_INSUFFICIENT_SIZE;
    }
    memcpy(out, text, n + 1);
    return NVML_SUCCESS;
}

static int device_index(nvmlDevice_t device, unsigned int *index)
{
    if (init_count == 0) {
        return NVML_ERROR_UNINITIALIZED;
    }
    if (device < &devices[0] || device >= &devices[FAKE_MAX_GPUS] || device->index >= config.gpus) {
        return NVML_ERROR_INVALID_ARGUMENT;
    }
    *index = device->index;
    return NVML_SUCCESS;
}

NVML_FAKE_API nvmlReturn_t nvmlInit_v2(void)
{
    pthread_mutex_lock(&lock);
    if (!configured) {
        const char *path = getenv("FAKE_NVML_CONFIG");
        if (path == NULL || parse_config(path, &config) != 0) {
            set_defaults(&config);
        }
        configured = 1;
    }
    nvmlReturn_t result = config.init_error;
    if (result == NVML_SUCCESS) {
        init_count++;
        for (unsigned int i = 0; i < FAKE_MAX_GPUS; i++) {
            devices[i].index = i;
        }
    }
    pthread_mutex_unlock(&lock);
    return result;
}

NVML_FAKE_API nvmlReturn_t nvmlShutdown(void)
{
    pthread_mutex_lock(&lock);
    nvmlReturn_t result = init_count == 0 ? NVML_ERROR_UNINITIALIZED : NVML_SUCCESS;
    if (init_count > 0) {
        init_count--;
    }
    pthread_mutex_unlock(&lock);
    return result;
}

NVML_FAKE_API const char *nvmlErrorString(nvmlReturn_t result)
{
    switch (result) {
    case NVML_SUCCESS: return "Success";
    case NVML_ERROR_UNINITIALIZED: return "Uninitialized";
    case NVML_ERROR_INVALID_ARGUMENT: return "Invalid Argument";
    case NVML_ERROR_NOT_SUPPORTED: return "Not Supported";
    case NVML_ERROR_INSUFFICIENT_SIZE: return "Insufficient Size";
    case NVML_ERROR_DRIVER_NOT_LOADED: return "Driver Not Loaded";
    case NVML_ERROR_TIMEOUT: return "Timeout";
    case NVML_ERROR_GPU_IS_LOST: return "GPU is lost";
    case NVML_ERROR_ARGUMENT_VERSION_MISMATCH: return "Argument version mismatch";
    default: return "Unknown Error";
    }
}

NVML_FAKE_API nvmlReturn_t nvmlDeviceGetCount_v2(unsigned int *count)
{
    if (count == NULL) {
        return NVML_ERROR_INVALID_ARGUMENT;
    }
    if (init_count == 0) {
        return NVML_ERROR_UNINITIALIZED;
    }
    *count = config.gpus;
    return NVML_SUCCESS;
}

NVML_FAKE_API nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned int index, nvmlDevice_t *device)
{
    if (device == NULL) {
        return NVML_ERROR_INVALID_ARGUMENT;
    }
    if (init_count == 0) {
        return NVML_ERROR_UNINITIALIZED;
    }
    if (index >= config.gpus) {
        return NVML_ERROR_INVALID_ARGUMENT;
    }
    *device = &devices[index];
    return NVML_SUCCESS;
}

NVML_FAKE_API nvmlReturn_t nvmlDeviceGetUUID(nvmlDevice_t device, char *uuid, unsigned int length)
{
    unsigned int index;
    int status = device_index(device, &index);
    if (status != NVML_SUCCESS) {
        return status;
    }
    char text[64];
    snprintf(text, sizeof text, "GPU-fa4e0000-0000-4000-8000-%012u", index);
    return put_text(uuid, length, text);
}

NVML_FAKE_API nvmlReturn_t nvmlDeviceGetName(nvmlDevice_t device, char *name, unsigned int length)
{
    unsigned int index;
    int status = device_index(device, &index);
    return status != NVML_SUCCESS ? status : put_text(name, length, config.name);
}

NVML_FAKE_API nvmlReturn_t nvmlDeviceGetVbiosVersion(nvmlDevice_t device, char *version, unsigned int length)
{
    unsigned int index;
    int status = device_index(device, &index);
    return status != NVML_SUCCESS ? status : put_text(version, length, config.vbios);
}

NVML_FAKE_API nvmlReturn_t nvmlDeviceGetArchitecture(nvmlDevice_t device, unsigned int *arch)
{
    unsigned int index;
    int status = device_index(device, &index);
    if (status != NVML_SUCCESS) {
        return status;
    }
    if (arch == NULL) {
        return NVML_ERROR_INVALID_ARGUMENT;
    }
    *arch = config.arch;
    return NVML_SUCCESS;
}

NVML_FAKE_API nvmlReturn_t nvmlSystemGetDriverVersion(char *version, unsigned int length)
{
    if (init_count == 0) {
        return NVML_ERROR_UNINITIALIZED;
    }
    return put_text(version, length, config.driver);
}

#ifndef FAKE_NVML_NO_CC

/* Reads a whole file of at most capacity bytes; -1 when missing or larger. */
static long read_file(const char *path, unsigned char *buffer, size_t capacity)
{
    FILE *file = fopen(path, "rb");
    if (file == NULL) {
        return -1;
    }
    size_t n = fread(buffer, 1, capacity, file);
    int more = fgetc(file) != EOF;
    fclose(file);
    return more ? -1 : (long)n;
}


NVML_FAKE_API nvmlReturn_t nvmlSystemGetConfComputeState(nvmlConfComputeSystemState_t *state)
{
    if (state == NULL) {
        return NVML_ERROR_INVALID_ARGUMENT;
    }
    if (init_count == 0) {
        return NVML_ERROR_UNINITIALIZED;
    }
    state->environment = config.environment;
    state->ccFeature = config.cc;
    state->devToolsMode = config.devtools;
    return NVML_SUCCESS;
}

NVML_FAKE_API nvmlReturn_t nvmlSystemGetConfComputeSettings(nvmlSystemConfComputeSettings_v1_t *settings)
{
    if (settings == NULL) {
        return NVML_ERROR_INVALID_ARGUMENT;
    }
    if (init_count == 0) {
        return NVML_ERROR_UNINITIALIZED;
    }
    if (settings->version != NVML_SYSTEM_CONF_COMPUTE_SETTINGS_V1) {
        return NVML_ERROR_ARGUMENT_VERSION_MISMATCH;
    }
    settings->environment = config.environment;
    settings->ccFeature = config.cc;
    settings->devToolsMode = config.devtools;
    settings->multiGpuMode = config.multigpu;
    return NVML_SUCCESS;
}

NVML_FAKE_API nvmlReturn_t nvmlSystemGetConfComputeGpusReadyState(unsigned int *isAcceptingWork)
{
    if (isAcceptingWork == NULL) {
        return NVML_ERROR_INVALID_ARGUMENT;
    }
    if (init_count == 0) {
        return NVML_ERROR_UNINITIALIZED;
    }
    pthread_mutex_lock(&lock);
    *isAcceptingWork = config.ready;
    pthread_mutex_unlock(&lock);
    return NVML_SUCCESS;
}

NVML_FAKE_API nvmlReturn_t nvmlSystemSetConfComputeGpusReadyState(unsigned int isAcceptingWork)
{
    if (init_count == 0) {
        return NVML_ERROR_UNINITIALIZED;
    }
    if (isAcceptingWork > NVML_CC_ACCEPTING_CLIENT_REQUESTS_TRUE) {
        return NVML_ERROR_INVALID_ARGUMENT;
    }
    if (config.cc != NVML_CC_SYSTEM_FEATURE_ENABLED) {
        return NVML_ERROR_NOT_SUPPORTED;
    }
    pthread_mutex_lock(&lock);
    config.ready = isAcceptingWork;
    pthread_mutex_unlock(&lock);
    return NVML_SUCCESS;
}

NVML_FAKE_API nvmlReturn_t nvmlDeviceGetConfComputeGpuCertificate(nvmlDevice_t device, nvmlConfComputeGpuCertificate_t *certificate)
{
    unsigned int index;
    int status = device_index(device, &index);
    if (status != NVML_SUCCESS) {
        return status;
    }
    if (certificate == NULL) {
        return NVML_ERROR_INVALID_ARGUMENT;
    }
    if (config.cc != NVML_CC_SYSTEM_FEATURE_ENABLED) {
        return NVML_ERROR_NOT_SUPPORTED;
    }
    if (config.cert_error != NVML_SUCCESS) {
        return config.cert_error;
    }
    if (config.cert_chain[0] == '\0') {
        return NVML_ERROR_NOT_FOUND;
    }
    long n = read_file(config.cert_chain, certificate->attestationCertChain, sizeof certificate->attestationCertChain);
    if (n < 0) {
        return NVML_ERROR_UNKNOWN;
    }
    certificate->attestationCertChainSize = (unsigned int)n;
    certificate->certChainSize = 0;
    return NVML_SUCCESS;
}

static void sleep_ms(long ms)
{
    struct timespec remaining = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&remaining, &remaining) != 0 && errno == EINTR) {
    }
}

NVML_FAKE_API nvmlReturn_t nvmlDeviceGetConfComputeGpuAttestationReport(nvmlDevice_t device, nvmlConfComputeGpuAttestationReport_t *report)
{
    unsigned int index;
    int status = device_index(device, &index);
    if (status != NVML_SUCCESS) {
        return status;
    }
    if (report == NULL) {
        return NVML_ERROR_INVALID_ARGUMENT;
    }
    pthread_mutex_lock(&lock);
    memcpy(last_nonce, report->nonce, sizeof last_nonce);
    fake_config c = config;
    pthread_mutex_unlock(&lock);
    if (c.report_delay_ms > 0) {
        sleep_ms(c.report_delay_ms);
    }
    if (c.cc != NVML_CC_SYSTEM_FEATURE_ENABLED) {
        return NVML_ERROR_NOT_SUPPORTED;
    }
    if (c.report_error != NVML_SUCCESS) {
        return c.report_error;
    }
    if (c.report[0] == '\0') {
        return NVML_ERROR_NOT_FOUND;
    }
    long n = read_file(c.report, report->attestationReport, sizeof report->attestationReport);
    if (n < 0) {
        return NVML_ERROR_UNKNOWN;
    }
    report->attestationReportSize = (unsigned int)n;
    report->isCecAttestationReportPresent = 0;
    report->cecAttestationReportSize = 0;
    return NVML_SUCCESS;
}

#endif
