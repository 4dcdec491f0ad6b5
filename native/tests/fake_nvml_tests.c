/*
 * CTest suite of the fake NVML (both builds) and the stub libcuda.so.1. The libraries are dlopen'ed by path, the way
 * the .NET binding loads them, so a missing export is a real missing symbol.
 * Usage: fake_nvml_tests <test> <libfake_nvidia_ml.so> <libfake_nvidia_ml_nocc.so> <libcuda.so.1> <gpu-attestation dir>
 */
#define _POSIX_C_SOURCE 200809L
#include "nvml_abi.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CHECK(cond)                                                                   \
    do {                                                                              \
        if (!(cond)) {                                                                \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            return 1;                                                                 \
        }                                                                             \
    } while (0)

#define CHECK_NVML(actual, expected)                                                                       \
    do {                                                                                                   \
        int actual_ = (actual);                                                                            \
        if (actual_ != (expected)) {                                                                       \
            fprintf(stderr, "%s:%d: NVML %d, expected %d\n", __FILE__, __LINE__, actual_, (int)(expected)); \
            return 1;                                                                                      \
        }                                                                                                  \
    } while (0)

typedef struct {
    void *handle;
    int (*configure)(const char *);
    void (*last_nonce)(unsigned char *);
    nvmlReturn_t (*init)(void);
    nvmlReturn_t (*shutdown)(void);
    const char *(*error_string)(nvmlReturn_t);
    nvmlReturn_t (*count)(unsigned int *);
    nvmlReturn_t (*by_index)(unsigned int, nvmlDevice_t *);
    nvmlReturn_t (*uuid)(nvmlDevice_t, char *, unsigned int);
    nvmlReturn_t (*vbios)(nvmlDevice_t, char *, unsigned int);
    nvmlReturn_t (*arch)(nvmlDevice_t, unsigned int *);
    nvmlReturn_t (*driver)(char *, unsigned int);
    nvmlReturn_t (*cc_state)(nvmlConfComputeSystemState_t *);
    nvmlReturn_t (*cc_settings)(nvmlSystemConfComputeSettings_v1_t *);
    nvmlReturn_t (*ready_get)(unsigned int *);
    nvmlReturn_t (*ready_set)(unsigned int);
    nvmlReturn_t (*certificate)(nvmlDevice_t, nvmlConfComputeGpuCertificate_t *);
    nvmlReturn_t (*report)(nvmlDevice_t, nvmlConfComputeGpuAttestationReport_t *);
} nvml_api;

static const char *fake_path, *nocc_path, *cuda_path, *data_dir;
static char config_path[512];

/* POSIX dlsym returns void*; converting it to a function pointer is the documented idiom. */
#define BIND(api, field, symbol) memcpy(&(api)->field, &(void *){dlsym((api)->handle, symbol)}, sizeof(void *))

static int load(nvml_api *api, const char *path)
{
    memset(api, 0, sizeof *api);
    api->handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (api->handle == NULL) {
        fprintf(stderr, "dlopen %s: %s\n", path, dlerror());
        return 1;
    }
    BIND(api, configure, "fake_nvml_configure");
    BIND(api, last_nonce, "fake_nvml_last_nonce");
    BIND(api, init, "nvmlInit_v2");
    BIND(api, shutdown, "nvmlShutdown");
    BIND(api, error_string, "nvmlErrorString");
    BIND(api, count, "nvmlDeviceGetCount_v2");
    BIND(api, by_index, "nvmlDeviceGetHandleByIndex_v2");
    BIND(api, uuid, "nvmlDeviceGetUUID");
    BIND(api, vbios, "nvmlDeviceGetVbiosVersion");
    BIND(api, driver, "nvmlSystemGetDriverVersion");
    BIND(api, arch, "nvmlDeviceGetArchitecture");
    BIND(api, cc_state, "nvmlSystemGetConfComputeState");
    BIND(api, cc_settings, "nvmlSystemGetConfComputeSettings");
    BIND(api, ready_get, "nvmlSystemGetConfComputeGpusReadyState");
    BIND(api, ready_set, "nvmlSystemSetConfComputeGpusReadyState");
    BIND(api, certificate, "nvmlDeviceGetConfComputeGpuCertificate");
    BIND(api, report, "nvmlDeviceGetConfComputeGpuAttestationReport");
    return api->configure == NULL || api->init == NULL ? 1 : 0;
}

/* Writes the config file (report and chain from the real testdata) plus extra lines, loads it and initializes. */
static int start(nvml_api *api, const char *extra)
{
    FILE *file = fopen(config_path, "w");
    CHECK(file != NULL);
    fprintf(file, "report=%s/attestation_report.bin\ncert_chain=%s/cert_chain.pem\n%s\n", data_dir, data_dir, extra);
    fclose(file);
    CHECK(api->configure(config_path) == 0);
    CHECK_NVML(api->init(), NVML_SUCCESS);
    return 0;
}

static long read_all(const char *name, unsigned char *buffer, size_t capacity)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", data_dir, name);
    FILE *file = fopen(path, "rb");
    if (file == NULL) {
        return -1;
    }
    size_t n = fread(buffer, 1, capacity, file);
    fclose(file);
    return (long)n;
}

static nvmlConfComputeGpuAttestationReport_t report;
static nvmlConfComputeGpuCertificate_t certificate;
static unsigned char expected[NVML_CC_GPU_ATTESTATION_REPORT_SIZE];

static int test_report_and_chain_from_files(nvml_api *api)
{
    CHECK(start(api, "") == 0);
    nvmlDevice_t device;
    CHECK_NVML(api->by_index(0, &device), NVML_SUCCESS);
    for (unsigned char i = 0; i < NVML_CC_GPU_CEC_NONCE_SIZE; i++) {
        report.nonce[i] = (unsigned char)(0x40u + i);
    }
    CHECK_NVML(api->report(device, &report), NVML_SUCCESS);
    long n = read_all("attestation_report.bin", expected, sizeof expected);
    CHECK(n == 4117);
    CHECK(report.attestationReportSize == (unsigned int)n);
    CHECK(memcmp(report.attestationReport, expected, (size_t)n) == 0);
    CHECK(report.isCecAttestationReportPresent == 0);
    unsigned char nonce[NVML_CC_GPU_CEC_NONCE_SIZE];
    api->last_nonce(nonce);
    CHECK(memcmp(nonce, report.nonce, sizeof nonce) == 0);

    CHECK_NVML(api->certificate(device, &certificate), NVML_SUCCESS);
    n = read_all("cert_chain.pem", expected, sizeof expected);
    CHECK(n == 4825);
    CHECK(certificate.attestationCertChainSize == (unsigned int)n);
    CHECK(memcmp(certificate.attestationCertChain, expected, (size_t)n) == 0);
    CHECK_NVML(api->shutdown(), NVML_SUCCESS);
    return 0;
}

static int test_identity_strings(nvml_api *api)
{
    CHECK(start(api, "gpus=2\ndriver=550.90.07\nvbios=96.00.9F.00.01") == 0);
    unsigned int count = 0;
    CHECK_NVML(api->count(&count), NVML_SUCCESS);
    CHECK(count == 2);
    nvmlDevice_t first, second;
    CHECK_NVML(api->by_index(0, &first), NVML_SUCCESS);
    CHECK_NVML(api->by_index(1, &second), NVML_SUCCESS);
    CHECK_NVML(api->by_index(2, &second), NVML_ERROR_INVALID_ARGUMENT);
    CHECK_NVML(api->by_index(1, &second), NVML_SUCCESS);
    char a[96], b[96];
    CHECK_NVML(api->uuid(first, a, sizeof a), NVML_SUCCESS);
    CHECK_NVML(api->uuid(second, b, sizeof b), NVML_SUCCESS);
    CHECK(strncmp(a, "GPU-", 4) == 0 && strcmp(a, b) != 0);
    CHECK_NVML(api->uuid(first, a, 8), NVML_ERROR_INSUFFICIENT_SIZE);
    CHECK_NVML(api->driver(a, sizeof a), NVML_SUCCESS);
    CHECK(strcmp(a, "550.90.07") == 0);
    CHECK_NVML(api->vbios(first, a, sizeof a), NVML_SUCCESS);
    CHECK(strcmp(a, "96.00.9F.00.01") == 0);
    unsigned int arch = 0;
    CHECK_NVML(api->arch(first, &arch), NVML_SUCCESS);
    CHECK(arch == NVML_DEVICE_ARCH_HOPPER);
    CHECK_NVML(api->shutdown(), NVML_SUCCESS);
    CHECK_NVML(api->shutdown(), NVML_ERROR_UNINITIALIZED);
    CHECK_NVML(api->count(&count), NVML_ERROR_UNINITIALIZED);
    return 0;
}

static int test_cc_state_and_settings(nvml_api *api)
{
    CHECK(start(api, "multigpu=ppcie") == 0);
    nvmlConfComputeSystemState_t state;
    CHECK_NVML(api->cc_state(&state), NVML_SUCCESS);
    CHECK(state.ccFeature == NVML_CC_SYSTEM_FEATURE_ENABLED && state.devToolsMode == NVML_CC_SYSTEM_DEVTOOLS_MODE_OFF);
    CHECK(state.environment == NVML_CC_SYSTEM_ENVIRONMENT_PROD);
    nvmlSystemConfComputeSettings_v1_t settings = {0};
    CHECK_NVML(api->cc_settings(&settings), NVML_ERROR_ARGUMENT_VERSION_MISMATCH);
    settings.version = NVML_SYSTEM_CONF_COMPUTE_SETTINGS_V1;
    CHECK(settings.version == 0x01000014u);
    CHECK_NVML(api->cc_settings(&settings), NVML_SUCCESS);
    CHECK(settings.multiGpuMode == NVML_CC_SYSTEM_MULTIGPU_PROTECTED_PCIE && settings.ccFeature == 1);
    CHECK_NVML(api->shutdown(), NVML_SUCCESS);
    return 0;
}

static int test_ready_state(nvml_api *api)
{
    CHECK(start(api, "") == 0);
    unsigned int ready = 7;
    CHECK_NVML(api->ready_get(&ready), NVML_SUCCESS);
    CHECK(ready == NVML_CC_ACCEPTING_CLIENT_REQUESTS_FALSE);
    CHECK_NVML(api->ready_set(2), NVML_ERROR_INVALID_ARGUMENT);
    CHECK_NVML(api->ready_set(NVML_CC_ACCEPTING_CLIENT_REQUESTS_TRUE), NVML_SUCCESS);
    CHECK_NVML(api->ready_get(&ready), NVML_SUCCESS);
    CHECK(ready == NVML_CC_ACCEPTING_CLIENT_REQUESTS_TRUE);
    CHECK_NVML(api->shutdown(), NVML_SUCCESS);
    return 0;
}

static int test_cc_off(nvml_api *api)
{
    CHECK(start(api, "cc=off") == 0);
    nvmlConfComputeSystemState_t state;
    CHECK_NVML(api->cc_state(&state), NVML_SUCCESS);
    CHECK(state.ccFeature == NVML_CC_SYSTEM_FEATURE_DISABLED);
    nvmlDevice_t device;
    CHECK_NVML(api->by_index(0, &device), NVML_SUCCESS);
    CHECK_NVML(api->report(device, &report), NVML_ERROR_NOT_SUPPORTED);
    CHECK_NVML(api->certificate(device, &certificate), NVML_ERROR_NOT_SUPPORTED);
    CHECK_NVML(api->ready_set(1), NVML_ERROR_NOT_SUPPORTED);
    CHECK_NVML(api->shutdown(), NVML_SUCCESS);
    return 0;
}

static int test_devtools_on(nvml_api *api)
{
    CHECK(start(api, "devtools=on") == 0);
    nvmlConfComputeSystemState_t state;
    CHECK_NVML(api->cc_state(&state), NVML_SUCCESS);
    CHECK(state.ccFeature == NVML_CC_SYSTEM_FEATURE_ENABLED && state.devToolsMode == NVML_CC_SYSTEM_DEVTOOLS_MODE_ON);
    CHECK_NVML(api->shutdown(), NVML_SUCCESS);
    return 0;
}

static int test_attestation_error(nvml_api *api)
{
    CHECK(start(api, "report_error=999") == 0);
    nvmlDevice_t device;
    CHECK_NVML(api->by_index(0, &device), NVML_SUCCESS);
    CHECK_NVML(api->report(device, &report), NVML_ERROR_UNKNOWN);
    CHECK(strcmp(api->error_string(NVML_ERROR_UNKNOWN), "Unknown Error") == 0);
    CHECK_NVML(api->shutdown(), NVML_SUCCESS);
    return 0;
}

static int test_report_delay(nvml_api *api)
{
    CHECK(start(api, "report_delay_ms=300") == 0);
    nvmlDevice_t device;
    CHECK_NVML(api->by_index(0, &device), NVML_SUCCESS);
    struct timespec before, after;
    clock_gettime(CLOCK_MONOTONIC, &before);
    CHECK_NVML(api->report(device, &report), NVML_SUCCESS);
    clock_gettime(CLOCK_MONOTONIC, &after);
    long elapsed_ms = (after.tv_sec - before.tv_sec) * 1000L + (after.tv_nsec - before.tv_nsec) / 1000000L;
    CHECK(elapsed_ms >= 300);
    CHECK_NVML(api->shutdown(), NVML_SUCCESS);
    return 0;
}

static int test_init_error(nvml_api *api)
{
    FILE *file = fopen(config_path, "w");
    CHECK(file != NULL);
    fputs("init_error=9\n", file);
    fclose(file);
    CHECK(api->configure(config_path) == 0);
    CHECK_NVML(api->init(), NVML_ERROR_DRIVER_NOT_LOADED);
    CHECK(api->configure("/nonexistent/fake-nvml.conf") == -1);
    return 0;
}

static int test_no_cc_api(void)
{
    nvml_api api;
    CHECK(load(&api, nocc_path) == 0);
    CHECK(api.cc_state == NULL && api.cc_settings == NULL && api.ready_get == NULL && api.ready_set == NULL);
    CHECK(api.certificate == NULL && api.report == NULL);
    CHECK(api.driver != NULL && api.uuid != NULL && api.vbios != NULL);
    CHECK(start(&api, "") == 0);
    char version[96];
    CHECK_NVML(api.driver(version, sizeof version), NVML_SUCCESS);
    CHECK_NVML(api.shutdown(), NVML_SUCCESS);
    return 0;
}

static int test_stub_cuda(void)
{
    void *handle = dlopen(cuda_path, RTLD_NOW | RTLD_LOCAL);
    CHECK(handle != NULL);
    void (*configure)(int, int, int);
    int (*init)(unsigned int);
    int (*version)(int *);
    int (*count)(int *);
    memcpy(&configure, &(void *){dlsym(handle, "stub_cuda_configure")}, sizeof(void *));
    memcpy(&init, &(void *){dlsym(handle, "cuInit")}, sizeof(void *));
    memcpy(&version, &(void *){dlsym(handle, "cuDriverGetVersion")}, sizeof(void *));
    memcpy(&count, &(void *){dlsym(handle, "cuDeviceGetCount")}, sizeof(void *));
    CHECK(configure != NULL && init != NULL && version != NULL && count != NULL);
    configure(100, 11080, 0);
    CHECK(init(0) == 100);
    int v = 0, n = -1;
    CHECK(version(&v) == 0 && v == 11080);
    CHECK(count(&n) == 3);
    configure(0, 12040, 2);
    CHECK(init(0) == 0 && count(&n) == 0 && n == 2);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: %s <test> <fake> <fake-nocc> <stub-cuda> <testdata-dir>\n", argv[0]);
        return 2;
    }
    fake_path = argv[2];
    nocc_path = argv[3];
    cuda_path = argv[4];
    data_dir = argv[5];
    char directory[] = "/tmp/fake-nvml-test-XXXXXX";
    if (mkdtemp(directory) == NULL) {
        return 2;
    }
    snprintf(config_path, sizeof config_path, "%s/fake-nvml.conf", directory);
    const char *name = argv[1];
    int result;
    if (strcmp(name, "nvml_no_cc_api") == 0) {
        result = test_no_cc_api();
    } else if (strcmp(name, "cuda_stub") == 0) {
        result = test_stub_cuda();
    } else {
        nvml_api api;
        if (load(&api, fake_path) != 0) {
            return 1;
        }
        static const struct {
            const char *name;
            int (*run)(nvml_api *);
        } tests[] = {
            {"nvml_report_and_chain_from_files", test_report_and_chain_from_files},
            {"nvml_identity_strings", test_identity_strings},
            {"nvml_cc_state_and_settings", test_cc_state_and_settings},
            {"nvml_ready_state", test_ready_state},
            {"nvml_cc_off", test_cc_off},
            {"nvml_devtools_on", test_devtools_on},
            {"nvml_attestation_error", test_attestation_error},
            {"nvml_report_delay", test_report_delay},
            {"nvml_init_error", test_init_error},
        };
        result = 2;
        for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) {
            if (strcmp(tests[i].name, name) == 0) {
                result = tests[i].run(&api);
            }
        }
        if (result == 2) {
            fprintf(stderr, "unknown test %s\n", name);
        }
    }
    unlink(config_path);
    rmdir(directory);
    return result;
}
