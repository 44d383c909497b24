/* One-shot libseptet calls on 1 MiB, timed from C (best of N runs), to
 * compare with examples/bench_rust.rs (the same calls in Rust):
 *   cc -O2 -Iinclude bench_septet.c libseptet.a -lpthread -ldl -lm
 * Prints one line per function: name and MiB/s of input. */
#include "septet.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define N (1u << 20)
#define RUNS 200

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

typedef septet_result (*call_t)(uint32_t, const uint8_t *, size_t, uint8_t *, size_t);

static void bench(const char *name, call_t f, uint32_t arg, const uint8_t *in, size_t len, uint8_t *out,
                  size_t cap) {
    double best = 1e9;
    for (int i = 0; i < RUNS; i++) {
        double t = now();
        septet_result r = f(arg, in, len, out, cap);
        t = now() - t;
        if (r.status != SEPTET_OK) {
            fprintf(stderr, "%s: %s\n", name, septet_status_str(r.status));
            exit(1);
        }
        if (t < best) best = t;
    }
    printf("%-20s %8.0f MiB/s\n", name, len / best / (1 << 20));
}

int main(void) {
    uint8_t *data = malloc(N), *enc = malloc(4 * N), *dec = malloc(4 * N);
    uint64_t x = 88172645463325252ull;
    for (size_t i = 0; i < N; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        /* Text-like for QP: mostly ASCII letters, some 8-bit bytes. */
        data[i] = (uint8_t)x;
    }
    printf("kernels: %s\n", septet_active_isa());
    bench("base64_encode", septet_base64_encode, SEPTET_BASE64_STANDARD, data, N, enc, 4 * N);
    size_t elen = septet_base64_encoded_len(SEPTET_BASE64_STANDARD, N);
    bench("base64_decode", septet_base64_decode, SEPTET_BASE64_STANDARD, enc, elen, dec, 4 * N);
    bench("base64_mime_encode", septet_base64_encode, SEPTET_BASE64_MIME, data, N, enc, 4 * N);
    elen = septet_base64_encoded_len(SEPTET_BASE64_MIME, N);
    bench("base64_mime_decode", septet_base64_decode, SEPTET_BASE64_MIME, enc, elen, dec, 4 * N);
    for (size_t i = 0; i < N; i++) data[i] = (i % 61 == 60) ? '\n' : (i % 97 == 0) ? 0xE9 : 'a' + i % 26;
    bench("qp_encode", septet_qp_encode, SEPTET_QP_TEXT, data, N, enc, 4 * N);
    septet_result r = septet_qp_encode(SEPTET_QP_TEXT, data, N, enc, 4 * N);
    bench("qp_decode", septet_qp_decode, 0, enc, r.written, dec, 4 * N);
    free(data), free(enc), free(dec);
    return 0;
}
