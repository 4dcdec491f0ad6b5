/* CTest suite of the phala_tee shim against fake configfs-tsm / device / sysfs trees in a temp dir. */
#define _POSIX_C_SOURCE 200809L
#include "fake_tree.h"
#include "phala_tee.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define CHECK(cond)                                                                   \
    do {                                                                              \
        if (!(cond)) {                                                                \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            return 1;                                                                 \
        }                                                                             \
    } while (0)

#define CHECK_STATUS(actual, expected)                                                                  \
    do {                                                                                                \
        int actual_ = (actual);                                                                         \
        if (actual_ != (expected)) {                                                                    \
            fprintf(stderr, "%s:%d: status %d (%s), expected %d (%s)\n", __FILE__, __LINE__, actual_,   \
                    phala_tee_strerror(actual_), (expected), phala_tee_strerror(expected));             \
            return 1;                                                                                   \
        }                                                                                               \
    } while (0)

#define ENTRY "phala-test"
#define QUOTE_LEN 5006

static uint8_t report_data[PHALA_TEE_REPORT_DATA_LEN];
static uint8_t fake_quote[QUOTE_LEN];

static void fill_inputs(void)
{
    for (size_t i = 0; i < sizeof report_data; i++) {
        report_data[i] = (uint8_t)(0xa0 ^ i);
    }
    /* A quote-shaped blob: v4 header start, then a pattern. */
    for (size_t i = 0; i < sizeof fake_quote; i++) {
        fake_quote[i] = (uint8_t)(i * 7u);
    }
    fake_quote[0] = 4;
    fake_quote[1] = 0;
}

static int make_tree(fake_tree *tree)
{
    if (fake_tree_create(tree, ENTRY) != 0 || fake_tree_write(tree->entry, "outblob", fake_quote, sizeof fake_quote) != 0) {
        fprintf(stderr, "cannot build fake tree\n");
        return 1;
    }
    return 0;
}

static int get_quote(fake_tree *tree, phala_tsm_hook hook, uint8_t *quote, size_t capacity, size_t *len, char *provider, size_t provider_capacity)
{
    phala_tsm_options options = {tree->root, ENTRY, hook, NULL};
    int os_error = 0;
    return phala_tsm_get_quote(&options, report_data, sizeof report_data, quote, capacity, len, provider, provider_capacity, &os_error);
}

/* Simulated kernel: the inblob write advanced the generation by exactly one. */
static void bump_generation_by_one(void *context, const char *entry)
{
    (void)context;
    fake_tree_write_text(entry, "generation", "8\n");
}

/* Simulated race: another writer wrote the entry after us (generation 7 -> 9). */
static void bump_generation_by_two(void *context, const char *entry)
{
    (void)context;
    fake_tree_write_text(entry, "generation", "9\n");
}

static void generation_backwards(void *context, const char *entry)
{
    (void)context;
    fake_tree_write_text(entry, "generation", "3\n");
}

static int tsm_success(void)
{
    fake_tree tree;
    CHECK(make_tree(&tree) == 0);
    static uint8_t quote[8192];
    size_t len = 0;
    char provider[32];
    int status = get_quote(&tree, NULL, quote, sizeof quote, &len, provider, sizeof provider);
    fake_tree_destroy(&tree);
    CHECK_STATUS(status, PHALA_TEE_OK);
    CHECK(len == QUOTE_LEN);
    CHECK(memcmp(quote, fake_quote, QUOTE_LEN) == 0);
    CHECK(strcmp(provider, "tdx_guest") == 0);
    return 0;
}

static int tsm_success_with_kernel_generation_bump(void)
{
    fake_tree tree;
    CHECK(make_tree(&tree) == 0);
    static uint8_t quote[8192];
    size_t len = 0;
    int status = get_quote(&tree, bump_generation_by_one, quote, sizeof quote, &len, NULL, 0);
    fake_tree_destroy(&tree);
    CHECK_STATUS(status, PHALA_TEE_OK);
    CHECK(len == QUOTE_LEN);
    return 0;
}

static int tsm_inblob_receives_report_data(void)
{
    fake_tree tree;
    CHECK(make_tree(&tree) == 0);
    static uint8_t quote[8192];
    size_t len = 0;
    uint8_t inblob[128];
    int status = get_quote(&tree, NULL, quote, sizeof quote, &len, NULL, 0);
    long n = fake_tree_read(tree.entry, "inblob", inblob, sizeof inblob);
    fake_tree_destroy(&tree);
    CHECK_STATUS(status, PHALA_TEE_OK);
    CHECK(n == PHALA_TEE_REPORT_DATA_LEN);
    CHECK(memcmp(inblob, report_data, sizeof report_data) == 0);
    return 0;
}

static int tsm_no_provider_missing_root(void)
{
    phala_tsm_options options = {"/nonexistent/phala-tee-test/tsm", NULL, NULL, NULL};
    uint8_t quote[16];
    size_t len = 99;
    int os_error = 0;
    CHECK_STATUS(phala_tsm_get_quote(&options, report_data, sizeof report_data, quote, sizeof quote, &len, NULL, 0, &os_error),
                 PHALA_TEE_ERR_NO_PROVIDER);
    CHECK(len == 0);
    CHECK(os_error == ENOENT);
    CHECK_STATUS(phala_tsm_probe("/nonexistent/phala-tee-test/tsm", NULL), PHALA_TEE_ERR_NO_PROVIDER);
    return 0;
}

static int tsm_no_provider_missing_report_dir(void)
{
    fake_tree tree;
    CHECK(make_tree(&tree) == 0);
    char report[600];
    snprintf(report, sizeof report, "%s/report", tree.root);
    /* tsm mounted but no provider registered: no report/ directory. */
    fake_tree_destroy(&tree);
    CHECK(mkdir(tree.base, 0700) == 0 && mkdir(tree.root, 0700) == 0);
    int probe = phala_tsm_probe(tree.root, NULL);
    static uint8_t quote[64];
    size_t len = 0;
    int status = get_quote(&tree, NULL, quote, sizeof quote, &len, NULL, 0);
    fake_tree_destroy(&tree);
    CHECK_STATUS(probe, PHALA_TEE_ERR_NO_PROVIDER);
    CHECK_STATUS(status, PHALA_TEE_ERR_NO_PROVIDER);
    return 0;
}

static int tsm_no_provider_not_tdx(void)
{
    fake_tree tree;
    CHECK(make_tree(&tree) == 0);
    fake_tree_write_text(tree.entry, "provider", "sev_guest\n");
    static uint8_t quote[8192];
    size_t len = 0;
    char provider[32];
    int status = get_quote(&tree, NULL, quote, sizeof quote, &len, provider, sizeof provider);
    fake_tree_destroy(&tree);
    CHECK_STATUS(status, PHALA_TEE_ERR_NO_PROVIDER);
    CHECK(strcmp(provider, "sev_guest") == 0);
    return 0;
}

static int tsm_fresh_entry_without_attributes_no_provider(void)
{
    fake_tree tree;
    CHECK(make_tree(&tree) == 0);
    /* A plain directory is not configfs: mkdir of a new entry creates no attributes. */
    phala_tsm_options options = {tree.root, NULL, NULL, NULL};
    static uint8_t quote[64];
    size_t len = 0;
    int status = phala_tsm_get_quote(&options, report_data, sizeof report_data, quote, sizeof quote, &len, NULL, 0, NULL);
    char fresh[1024];
    snprintf(fresh, sizeof fresh, "%s/report", tree.root);
    int entries = 0;
    /* The shim removed the entry it created: only ENTRY remains. */
    struct stat st;
    char probe[1100];
    snprintf(probe, sizeof probe, "%s/%s", fresh, ENTRY);
    entries = stat(probe, &st) == 0 ? 1 : 0;
    fake_tree_destroy(&tree);
    CHECK_STATUS(status, PHALA_TEE_ERR_NO_PROVIDER);
    CHECK(entries == 1);
    return 0;
}

static int tsm_generation_race(void)
{
    fake_tree tree;
    CHECK(make_tree(&tree) == 0);
    static uint8_t quote[8192];
    size_t len = 0;
    int status = get_quote(&tree, bump_generation_by_two, quote, sizeof quote, &len, NULL, 0);
    fake_tree_destroy(&tree);
    CHECK_STATUS(status, PHALA_TEE_ERR_GENERATION_RACE);
    CHECK(len == 0);
    return 0;
}

static int tsm_generation_backwards_race(void)
{
    fake_tree tree;
    CHECK(make_tree(&tree) == 0);
    static uint8_t quote[8192];
    size_t len = 0;
    int status = get_quote(&tree, generation_backwards, quote, sizeof quote, &len, NULL, 0);
    fake_tree_destroy(&tree);
    CHECK_STATUS(status, PHALA_TEE_ERR_GENERATION_RACE);
    return 0;
}

static int tsm_short_outblob(void)
{
    fake_tree tree;
    CHECK(make_tree(&tree) == 0);
    fake_tree_write(tree.entry, "outblob", fake_quote, 100);
    static uint8_t quote[8192];
    size_t len = 0;
    int status = get_quote(&tree, NULL, quote, sizeof quote, &len, NULL, 0);
    fake_tree_destroy(&tree);
    CHECK_STATUS(status, PHALA_TEE_ERR_SHORT_OUTBLOB);
    CHECK(len == 100);
    return 0;
}

static int tsm_empty_outblob(void)
{
    fake_tree tree;
    CHECK(make_tree(&tree) == 0);
    fake_tree_write(tree.entry, "outblob", "", 0);
    static uint8_t quote[8192];
    size_t len = 0;
    int status = get_quote(&tree, NULL, quote, sizeof quote, &len, NULL, 0);
    fake_tree_destroy(&tree);
    CHECK_STATUS(status, PHALA_TEE_ERR_SHORT_OUTBLOB);
    CHECK(len == 0);
    return 0;
}

static int tsm_buffer_too_small(void)
{
    fake_tree tree;
    CHECK(make_tree(&tree) == 0);
    static uint8_t quote[1024];
    size_t len = 0;
    int status = get_quote(&tree, NULL, quote, sizeof quote, &len, NULL, 0);
    fake_tree_destroy(&tree);
    CHECK_STATUS(status, PHALA_TEE_ERR_BUFFER_TOO_SMALL);
    CHECK(len == QUOTE_LEN);
    return 0;
}

static int tsm_invalid_argument(void)
{
    uint8_t quote[16];
    size_t len = 0;
    CHECK_STATUS(phala_tsm_get_quote(NULL, report_data, 63, quote, sizeof quote, &len, NULL, 0, NULL), PHALA_TEE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(phala_tsm_get_quote(NULL, NULL, 64, quote, sizeof quote, &len, NULL, 0, NULL), PHALA_TEE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(phala_tsm_get_quote(NULL, report_data, 64, quote, sizeof quote, NULL, NULL, 0, NULL), PHALA_TEE_ERR_INVALID_ARGUMENT);
    return 0;
}

static int tdx_guest_missing_device_no_provider(void)
{
    int fd = 12345;
    int os_error = 0;
    CHECK_STATUS(phala_tdx_open("/nonexistent/phala-tee-test/tdx_guest", &fd, &os_error), PHALA_TEE_ERR_NO_PROVIDER);
    CHECK(fd == -1);
    CHECK(os_error == ENOENT);
    return 0;
}

static int tdx_guest_not_a_device_io_error(void)
{
    fake_tree tree;
    CHECK(make_tree(&tree) == 0);
    char device[1024];
    snprintf(device, sizeof device, "%s/tdx_guest", tree.base);
    fake_tree_write(tree.base, "tdx_guest", "", 0);
    int fd = -1;
    int os_error = 0;
    int open_status = phala_tdx_open(device, &fd, &os_error);
    uint8_t tdreport[PHALA_TEE_TDREPORT_LEN];
    int status = open_status == PHALA_TEE_OK ? phala_tdx_get_report(fd, report_data, sizeof report_data, tdreport, sizeof tdreport, &os_error) : open_status;
    if (fd >= 0) {
        phala_tdx_close(fd);
    }
    fake_tree_destroy(&tree);
    CHECK_STATUS(open_status, PHALA_TEE_OK);
    CHECK_STATUS(status, PHALA_TEE_ERR_IO);
    CHECK(os_error == ENOTTY);
    return 0;
}

static int tdx_guest_buffer_too_small(void)
{
    uint8_t tdreport[512];
    CHECK_STATUS(phala_tdx_get_report(0, report_data, sizeof report_data, tdreport, sizeof tdreport, NULL), PHALA_TEE_ERR_BUFFER_TOO_SMALL);
    return 0;
}

static int tdx_guest_invalid_argument(void)
{
    uint8_t tdreport[PHALA_TEE_TDREPORT_LEN];
    uint8_t digest[PHALA_TEE_RTMR_LEN] = {0};
    CHECK_STATUS(phala_tdx_get_report(-1, report_data, sizeof report_data, tdreport, sizeof tdreport, NULL), PHALA_TEE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(phala_tdx_get_report(0, report_data, 32, tdreport, sizeof tdreport, NULL), PHALA_TEE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(phala_tdx_extend_rtmr(0, 4, digest, sizeof digest, NULL), PHALA_TEE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(phala_tdx_open(NULL, NULL, NULL), PHALA_TEE_ERR_INVALID_ARGUMENT);
    return 0;
}

static int rtmr_extend_writes_digest(void)
{
    fake_tree tree;
    CHECK(make_tree(&tree) == 0);
    fake_tree_write(tree.base, "rtmr3:sha384", "", 0);
    uint8_t digest[PHALA_TEE_RTMR_LEN];
    for (size_t i = 0; i < sizeof digest; i++) {
        digest[i] = (uint8_t)(i + 1);
    }
    int status = phala_rtmr_extend(tree.base, 3, digest, sizeof digest, NULL);
    uint8_t written[128];
    long n = fake_tree_read(tree.base, "rtmr3:sha384", written, sizeof written);
    fake_tree_destroy(&tree);
    CHECK_STATUS(status, PHALA_TEE_OK);
    CHECK(n == PHALA_TEE_RTMR_LEN);
    CHECK(memcmp(written, digest, sizeof digest) == 0);
    return 0;
}

static int rtmr_extend_missing_dir_no_provider(void)
{
    uint8_t digest[PHALA_TEE_RTMR_LEN] = {0};
    CHECK_STATUS(phala_rtmr_extend("/nonexistent/phala-tee-test/measurements", 3, digest, sizeof digest, NULL), PHALA_TEE_ERR_NO_PROVIDER);
    return 0;
}

static int rtmr_extend_bad_index(void)
{
    uint8_t digest[PHALA_TEE_RTMR_LEN] = {0};
    CHECK_STATUS(phala_rtmr_extend("/tmp", 4, digest, sizeof digest, NULL), PHALA_TEE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(phala_rtmr_extend("/tmp", -1, digest, sizeof digest, NULL), PHALA_TEE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(phala_rtmr_extend("/tmp", 3, digest, 32, NULL), PHALA_TEE_ERR_INVALID_ARGUMENT);
    return 0;
}

static int rtmr_read_value(void)
{
    fake_tree tree;
    CHECK(make_tree(&tree) == 0);
    uint8_t value[PHALA_TEE_RTMR_LEN];
    memset(value, 0x5a, sizeof value);
    fake_tree_write(tree.base, "rtmr2:sha384", value, sizeof value);
    uint8_t read_back[PHALA_TEE_RTMR_LEN];
    int status = phala_rtmr_read(tree.base, 2, read_back, sizeof read_back, NULL);
    uint8_t small[8];
    int small_status = phala_rtmr_read(tree.base, 2, small, sizeof small, NULL);
    fake_tree_destroy(&tree);
    CHECK_STATUS(status, PHALA_TEE_OK);
    CHECK(memcmp(read_back, value, sizeof value) == 0);
    CHECK_STATUS(small_status, PHALA_TEE_ERR_BUFFER_TOO_SMALL);
    return 0;
}

static int strerror_distinct(void)
{
    for (int a = 0; a >= -6; a--) {
        CHECK(phala_tee_strerror(a) != NULL);
        for (int b = a - 1; b >= -6; b--) {
            CHECK(strcmp(phala_tee_strerror(a), phala_tee_strerror(b)) != 0);
        }
    }
    CHECK(strcmp(phala_tee_strerror(-1000), "unknown phala_tee status") == 0);
    CHECK(phala_tee_abi_version() == PHALA_TEE_ABI_VERSION);
    return 0;
}

typedef struct test_case {
    const char *name;
    int (*run)(void);
} test_case;

#define TEST(name) {#name, name}

static const test_case tests[] = {
    TEST(tsm_success),
    TEST(tsm_success_with_kernel_generation_bump),
    TEST(tsm_inblob_receives_report_data),
    TEST(tsm_no_provider_missing_root),
    TEST(tsm_no_provider_missing_report_dir),
    TEST(tsm_no_provider_not_tdx),
    TEST(tsm_fresh_entry_without_attributes_no_provider),
    TEST(tsm_generation_race),
    TEST(tsm_generation_backwards_race),
    TEST(tsm_short_outblob),
    TEST(tsm_empty_outblob),
    TEST(tsm_buffer_too_small),
    TEST(tsm_invalid_argument),
    TEST(tdx_guest_missing_device_no_provider),
    TEST(tdx_guest_not_a_device_io_error),
    TEST(tdx_guest_buffer_too_small),
    TEST(tdx_guest_invalid_argument),
    TEST(rtmr_extend_writes_digest),
    TEST(rtmr_extend_missing_dir_no_provider),
    TEST(rtmr_extend_bad_index),
    TEST(rtmr_read_value),
    TEST(strerror_distinct),
};

int main(int argc, char **argv)
{
    fill_inputs();
    int failures = 0;
    int ran = 0;
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) {
        if (argc > 1 && strcmp(argv[1], tests[i].name) != 0) {
            continue;
        }
        ran++;
        int result = tests[i].run();
        printf("%s: %s\n", tests[i].name, result == 0 ? "ok" : "FAILED");
        failures += result != 0;
    }
    if (ran == 0) {
        fprintf(stderr, "no test named %s\n", argc > 1 ? argv[1] : "(none)");
        return 2;
    }
    return failures == 0 ? 0 : 1;
}
