/*
 * The subset of NVIDIA's NVML C ABI (nvml.h, driver r550+) that PhalaWorker uses, declared here from the
 * documented layouts so the fake library and its tests need no CUDA toolkit. Sizes and constants must stay
 * identical to nvml.h: the .NET binding (src/PhalaWorker.Attestation/Native/NvmlNative.cs) marshals the same
 * structs against the real libnvidia-ml.so.1.
 */
#ifndef PHALA_NVML_ABI_H
#define PHALA_NVML_ABI_H

#if defined(__GNUC__)
#define NVML_FAKE_API __attribute__((visibility("default")))
#else
#define NVML_FAKE_API
#endif

typedef int nvmlReturn_t;
typedef struct nvmlDevice_st *nvmlDevice_t;

enum {
    NVML_SUCCESS = 0,
    NVML_ERROR_UNINITIALIZED = 1,
    NVML_ERROR_INVALID_ARGUMENT = 2,
    NVML_ERROR_NOT_SUPPORTED = 3,
    NVML_ERROR_NO_PERMISSION = 4,
    NVML_ERROR_ALREADY_INITIALIZED = 5,
    NVML_ERROR_NOT_FOUND = 6,
    NVML_ERROR_INSUFFICIENT_SIZE = 7,
    NVML_ERROR_DRIVER_NOT_LOADED = 9,
    NVML_ERROR_TIMEOUT = 10,
    NVML_ERROR_GPU_IS_LOST = 15,
    NVML_ERROR_ARGUMENT_VERSION_MISMATCH = 25,
    NVML_ERROR_UNKNOWN = 999
};

#define NVML_CC_SYSTEM_FEATURE_DISABLED 0u
#define NVML_CC_SYSTEM_FEATURE_ENABLED 1u
#define NVML_CC_SYSTEM_DEVTOOLS_MODE_OFF 0u
#define NVML_CC_SYSTEM_DEVTOOLS_MODE_ON 1u
#define NVML_CC_SYSTEM_ENVIRONMENT_UNAVAILABLE 0u
#define NVML_CC_SYSTEM_ENVIRONMENT_SIM 1u
#define NVML_CC_SYSTEM_ENVIRONMENT_PROD 2u
#define NVML_CC_SYSTEM_MULTIGPU_NONE 0u
#define NVML_CC_SYSTEM_MULTIGPU_PROTECTED_PCIE 1u
#define NVML_CC_ACCEPTING_CLIENT_REQUESTS_FALSE 0u
#define NVML_CC_ACCEPTING_CLIENT_REQUESTS_TRUE 1u

/* nvmlDeviceArchitecture_t */
#define NVML_DEVICE_ARCH_AMPERE 7u
#define NVML_DEVICE_ARCH_HOPPER 9u
#define NVML_DEVICE_ARCH_BLACKWELL 10u

#define NVML_GPU_CERT_CHAIN_SIZE 0x1000
#define NVML_GPU_ATTESTATION_CERT_CHAIN_SIZE 0x1400
#define NVML_CC_GPU_CEC_NONCE_SIZE 0x20
#define NVML_CC_GPU_ATTESTATION_REPORT_SIZE 0x2000
#define NVML_CC_GPU_CEC_ATTESTATION_REPORT_SIZE 0x1000

typedef struct {
    unsigned int environment;
    unsigned int ccFeature;
    unsigned int devToolsMode;
} nvmlConfComputeSystemState_t;

typedef struct {
    unsigned int version;
    unsigned int environment;
    unsigned int ccFeature;
    unsigned int devToolsMode;
    unsigned int multiGpuMode;
} nvmlSystemConfComputeSettings_v1_t;

/* NVML_STRUCT_VERSION(SystemConfComputeSettings, 1) = sizeof | (1 << 24) = 0x01000014. */
#define NVML_SYSTEM_CONF_COMPUTE_SETTINGS_V1 ((unsigned int)(sizeof(nvmlSystemConfComputeSettings_v1_t) | (1u << 24)))

typedef struct {
    unsigned int certChainSize;
    unsigned int attestationCertChainSize;
    unsigned char certChain[NVML_GPU_CERT_CHAIN_SIZE];
    unsigned char attestationCertChain[NVML_GPU_ATTESTATION_CERT_CHAIN_SIZE];
} nvmlConfComputeGpuCertificate_t;

typedef struct {
    unsigned int isCecAttestationReportPresent;
    unsigned int attestationReportSize;
    unsigned int cecAttestationReportSize;
    unsigned char nonce[NVML_CC_GPU_CEC_NONCE_SIZE];
    unsigned char attestationReport[NVML_CC_GPU_ATTESTATION_REPORT_SIZE];
    unsigned char cecAttestationReport[NVML_CC_GPU_CEC_ATTESTATION_REPORT_SIZE];
} nvmlConfComputeGpuAttestationReport_t;

#endif
