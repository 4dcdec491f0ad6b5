/*
 * A stub CUDA driver library, built as stub-driver/libcuda.so.1 (the versioned name a driver-only host has), so the
 * .NET native-library resolver and the GPU probe are tested without a GPU. It exports cuInit, cuDriverGetVersion,
 * cuDeviceGetCount and cuGetErrorName, answering what stub_cuda_configure() chose (default: cuInit succeeds, driver
 * 12.4, zero devices), or at load time $STUB_CUDA_INIT_RESULT / $STUB_CUDA_DRIVER_VERSION / $STUB_CUDA_DEVICES.
 */
#include <stddef.h>
#include <stdlib.h>

#if defined(__GNUC__)
#define STUB_CUDA_API __attribute__((visibility("default")))
#else
#define STUB_CUDA_API
#endif

static int init_result;
static int driver_version = 12040;
static int device_count;

static int env_or(const char *name, int fallback)
{
    const char *value = getenv(name);
    return value != NULL && value[0] != '\0' ? (int)strtol(value, NULL, 10) : fallback;
}

__attribute__((constructor)) static void stub_cuda_load(void)
{
    init_result = env_or("STUB_CUDA_INIT_RESULT", init_result);
    driver_version = env_or("STUB_CUDA_DRIVER_VERSION", driver_version);
    device_count = env_or("STUB_CUDA_DEVICES", device_count);
}

/* Stub-only control export. */
STUB_CUDA_API void stub_cuda_configure(int init_status, int version, int devices)
{
    init_result = init_status;
    driver_version = version;
    device_count = devices;
}

STUB_CUDA_API int cuInit(unsigned int flags)
{
    return flags != 0 ? 1 /* CUDA_ERROR_INVALID_VALUE */ : init_result;
}

STUB_CUDA_API int cuDriverGetVersion(int *version)
{
    if (version == NULL) {
        return 1;
    }
    *version = driver_version;
    return 0;
}

STUB_CUDA_API int cuDeviceGetCount(int *count)
{
    if (count == NULL) {
        return 1;
    }
    if (init_result != 0) {
        return 3; /* CUDA_ERROR_NOT_INITIALIZED */
    }
    *count = device_count;
    return 0;
}

STUB_CUDA_API int cuGetErrorName(int error, const char **name)
{
    if (name == NULL) {
        return 1;
    }
    switch (error) {
    case 0: *name = "CUDA_SUCCESS"; return 0;
    case 1: *name = "CUDA_ERROR_INVALID_VALUE"; return 0;
    case 3: *name = "CUDA_ERROR_NOT_INITIALIZED"; return 0;
    case 100: *name = "CUDA_ERROR_NO_DEVICE"; return 0;
    case 999: *name = "CUDA_ERROR_UNKNOWN"; return 0;
    default: *name = NULL; return 1;
    }
}
