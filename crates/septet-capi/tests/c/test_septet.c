/* Exercises every function of libseptet from C. Usage:
 *   test_septet CORPUS_DIR
 * With SEPTET_FORCE_ISA=bogus in the environment it checks the
 * unusable-ISA paths instead. Prints "N passed, N failed". */
#include "septet.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int passed, failed;

#define CHECK(cond)                                                            \
    do {                                                                       \
        if (cond) {                                                            \
            passed++;                                                          \
        } else {                                                               \
            failed++;                                                          \
            fprintf(stderr, "%s:%d: FAILED: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                      \
    } while (0)

#define CHECK_STATUS(r, s) CHECK((r).status == (s))

/* A growing byte buffer, also the sink of the downgrade. */
typedef struct {
    uint8_t *data;
    size_t len, cap;
    int fail; /* make the sink refuse */
} buf_t;

static void buf_push(buf_t *b, const uint8_t *p, size_t n) {
    if (b->len + n > b->cap) {
        b->cap = (b->len + n) * 2 + 64;
        b->data = realloc(b->data, b->cap);
        if (!b->data) abort();
    }
    if (n) memcpy(b->data + b->len, p, n);
    b->len += n;
}

static int32_t sink(void *ctx, const uint8_t *data, size_t len) {
    buf_t *b = ctx;
    if (b->fail) return 1;
    buf_push(b, data, len);
    return 0;
}

static uint8_t *read_file(const char *dir, const char *name, size_t *len) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        exit(2);
    }
    buf_t b = {0};
    uint8_t chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) buf_push(&b, chunk, n);
    fclose(f);
    *len = b.len;
    return b.data;
}

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static void fill_random(uint8_t *p, size_t n) {
    for (size_t i = 0; i < n; i++) {
        rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
        p[i] = (uint8_t)rng;
    }
}

static int is_7bit(const uint8_t *p, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (p[i] >= 0x80 || p[i] == 0) return 0;
    return 1;
}

static void test_meta(void) {
    CHECK(septet_abi_version() == SEPTET_ABI_VERSION);
    CHECK(strcmp(septet_status_str(SEPTET_OK), "ok") == 0);
    CHECK(strcmp(septet_status_str(999), "unknown status") == 0);
    CHECK(septet_check_isa() == SEPTET_OK);
    const char *isa = septet_active_isa();
    CHECK(strcmp(isa, "scalar") == 0 || strcmp(isa, "avx2") == 0 || strcmp(isa, "avx512") == 0);
}

static void test_rfc4648(void) {
    static const char *plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    static const char *b64[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
    for (int i = 0; i < 7; i++) {
        char out[32];
        size_t n = strlen(plain[i]);
        septet_result r = septet_base64_encode(SEPTET_BASE64_STANDARD, (const uint8_t *)plain[i], n,
                                               (uint8_t *)out, sizeof out);
        CHECK_STATUS(r, SEPTET_OK);
        CHECK(r.read == n && r.written == strlen(b64[i]) && memcmp(out, b64[i], r.written) == 0);
        CHECK(septet_base64_encoded_len(SEPTET_BASE64_STANDARD, n) == strlen(b64[i]));
        r = septet_base64_decode(SEPTET_BASE64_STANDARD, (const uint8_t *)b64[i], strlen(b64[i]),
                                 (uint8_t *)out, sizeof out);
        CHECK_STATUS(r, SEPTET_OK);
        CHECK(r.written == n && memcmp(out, plain[i], n) == 0);
    }
    /* The URL alphabet: 0xfb 0xff is "+/8=" in standard, "-_8=" in URL. */
    const uint8_t fbff[] = {0xfb, 0xff};
    char out[8];
    septet_result r = septet_base64_encode(SEPTET_BASE64_URL, fbff, 2, (uint8_t *)out, sizeof out);
    CHECK(r.status == SEPTET_OK && r.written == 4 && memcmp(out, "-_8=", 4) == 0);
    r = septet_base64_encode(SEPTET_BASE64_STANDARD, fbff, 2, (uint8_t *)out, sizeof out);
    CHECK(r.status == SEPTET_OK && memcmp(out, "+/8=", 4) == 0);
    uint8_t back[4];
    r = septet_base64_decode(SEPTET_BASE64_URL, (const uint8_t *)"-_8=", 4, back, sizeof back);
    CHECK(r.status == SEPTET_OK && r.written == 2 && memcmp(back, fbff, 2) == 0);
    /* The standard decoder rejects the URL alphabet at the first such byte. */
    r = septet_base64_decode(SEPTET_BASE64_STANDARD, (const uint8_t *)"-_8=", 4, back, sizeof back);
    CHECK(r.status == SEPTET_INVALID_INPUT && r.error_offset == 0);
}

static void test_base64_errors(void) {
    uint8_t out[64];
    /* A bad character at offset 5. */
    septet_result r = septet_base64_decode(SEPTET_BASE64_STANDARD, (const uint8_t *)"Zm9vY!Fy", 8, out, sizeof out);
    CHECK_STATUS(r, SEPTET_INVALID_INPUT);
    CHECK(r.error_offset == 5);
    r = septet_base64_decode(SEPTET_BASE64_MIME, (const uint8_t *)"Zm9v\r\nY!Fy", 10, out, sizeof out);
    CHECK(r.status == SEPTET_INVALID_INPUT && r.error_offset == 7);
    /* Missing padding is reported at the end of the input. */
    r = septet_base64_decode(SEPTET_BASE64_STANDARD, (const uint8_t *)"Zm9vYg", 6, out, sizeof out);
    CHECK(r.status == SEPTET_INVALID_INPUT && r.error_offset == 6);
    /* Short output: nothing written, the length needed reported. */
    r = septet_base64_encode(SEPTET_BASE64_STANDARD, (const uint8_t *)"foobar", 6, out, 4);
    CHECK(r.status == SEPTET_OUTPUT_TOO_SMALL && r.written == 8);
    r = septet_base64_encode(SEPTET_BASE64_STANDARD, (const uint8_t *)"foobar", 6, NULL, 0);
    CHECK(r.status == SEPTET_OUTPUT_TOO_SMALL && r.written == 8);
    r = septet_base64_decode(SEPTET_BASE64_STANDARD, (const uint8_t *)"Zm9vYmFy", 8, out, 2);
    CHECK(r.status == SEPTET_OUTPUT_TOO_SMALL && r.written == 6);
    /* NULL pointers with lengths, unknown variants. */
    r = septet_base64_encode(SEPTET_BASE64_STANDARD, NULL, 3, out, sizeof out);
    CHECK_STATUS(r, SEPTET_NULL_POINTER);
    r = septet_base64_decode(SEPTET_BASE64_STANDARD, (const uint8_t *)"Zm9v", 4, NULL, 3);
    CHECK_STATUS(r, SEPTET_NULL_POINTER);
    r = septet_base64_encode(7, (const uint8_t *)"f", 1, out, sizeof out);
    CHECK_STATUS(r, SEPTET_INVALID_ARGUMENT);
    r = septet_base64_encode(SEPTET_BASE64_STANDARD, NULL, 0, NULL, 0);
    CHECK(r.status == SEPTET_OK && r.written == 0);
    CHECK(septet_base64_encoded_len(7, 1) == SIZE_MAX);
    CHECK(septet_base64_encoded_len(SEPTET_BASE64_STANDARD, SIZE_MAX) == SIZE_MAX);
    CHECK(septet_base64_encoded_len(SEPTET_BASE64_MIME, 57) == 78);
    CHECK(septet_base64_encoded_len(SEPTET_BASE64_MIME, 58) == 78 + 6);
    CHECK(septet_base64_decoded_len_bound(8) == 6);
}

static void test_round_trips(void) {
    size_t sizes[] = {0, 1, 2, 3, 56, 57, 58, 100, 1000, 4097, 100000};
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
        size_t n = sizes[s];
        uint8_t *data = malloc(n + 1);
        fill_random(data, n);
        for (uint32_t v = 0; v <= SEPTET_BASE64_MIME; v++) {
            size_t cap = septet_base64_encoded_len(v, n);
            uint8_t *enc = malloc(cap + 1), *dec = malloc(septet_base64_decoded_len_bound(cap) + 1);
            septet_result r = septet_base64_encode(v, data, n, enc, cap);
            CHECK(r.status == SEPTET_OK && r.written == cap);
            r = septet_base64_decode(v, enc, cap, dec, septet_base64_decoded_len_bound(cap));
            CHECK(r.status == SEPTET_OK && r.written == n && memcmp(dec, data, n) == 0);
            free(enc), free(dec);
        }
        for (uint32_t mode = SEPTET_QP_TEXT; mode <= SEPTET_QP_BINARY; mode++) {
            size_t cap = septet_qp_encoded_len_bound(n);
            uint8_t *enc = malloc(cap + 1), *dec = malloc(cap + 1);
            septet_result r = septet_qp_encode(mode, data, n, enc, cap);
            CHECK(r.status == SEPTET_OK && r.written <= cap && is_7bit(enc, r.written));
            size_t elen = r.written;
            r = septet_qp_decode(0, enc, elen, dec, septet_qp_decoded_len_bound(elen));
            /* Random bytes hold CR/LF: text mode keeps them as line breaks
             * only when paired, so compare exactly in binary mode. */
            if (mode == SEPTET_QP_BINARY)
                CHECK(r.status == SEPTET_OK && r.written == n && memcmp(dec, data, n) == 0);
            else
                CHECK(r.status == SEPTET_OK);
            r = septet_qp_decode(SEPTET_QP_STRICT, enc, elen, dec, cap);
            CHECK_STATUS(r, SEPTET_OK);
            free(enc), free(dec);
        }
        free(data);
    }
}

static void test_qp(void) {
    uint8_t out[128];
    const char *cafe = "caf\xc3\xa9\r\n.line\r\n";
    septet_result r = septet_qp_encode(SEPTET_QP_TEXT, (const uint8_t *)cafe, strlen(cafe), out, sizeof out);
    const char *want = "caf=C3=A9\r\n=2Eline\r\n";
    CHECK(r.status == SEPTET_OK && r.written == strlen(want) && memcmp(out, want, r.written) == 0);
    r = septet_qp_encode(SEPTET_QP_TEXT, (const uint8_t *)cafe, strlen(cafe), out, 3);
    CHECK(r.status == SEPTET_OUTPUT_TOO_SMALL && r.written == strlen(want));
    r = septet_qp_decode(0, (const uint8_t *)want, strlen(want), out, sizeof out);
    CHECK(r.status == SEPTET_OK && r.written == strlen(cafe) && memcmp(out, cafe, r.written) == 0);
    /* Lenient keeps a bad escape; strict reports it where it is. */
    r = septet_qp_decode(0, (const uint8_t *)"abcd=zz", 7, out, sizeof out);
    CHECK(r.status == SEPTET_OK && r.written == 7);
    r = septet_qp_decode(SEPTET_QP_STRICT, (const uint8_t *)"abcd=zz", 7, out, sizeof out);
    CHECK(r.status == SEPTET_INVALID_INPUT && r.error_offset == 4);
    r = septet_qp_decode(8, (const uint8_t *)"a", 1, out, sizeof out);
    CHECK_STATUS(r, SEPTET_INVALID_ARGUMENT);
    r = septet_qp_encode(2, (const uint8_t *)"a", 1, out, sizeof out);
    CHECK_STATUS(r, SEPTET_INVALID_ARGUMENT);
    r = septet_qp_encode(SEPTET_QP_TEXT, NULL, 1, out, sizeof out);
    CHECK_STATUS(r, SEPTET_NULL_POINTER);
    CHECK(septet_qp_encoded_len_bound(SIZE_MAX) == SIZE_MAX);
    CHECK(septet_qp_decoded_len_bound(10) == 10);
}

/* Runs a stream over data in pieces of `piece` with an output buffer of
 * `cap` bytes, collecting everything; returns the last status. */
static septet_status run_stream(septet_stream *s, const uint8_t *data, size_t n, size_t piece, size_t cap,
                                buf_t *out, uint64_t *err_off) {
    uint8_t *tmp = malloc(cap);
    septet_result r;
    for (size_t at = 0; at < n; at += piece) {
        size_t len = n - at < piece ? n - at : piece;
        r = septet_stream_feed(s, data + at, len, tmp, cap);
        if (r.status != SEPTET_OK && r.status != SEPTET_OUTPUT_TOO_SMALL) goto done;
        CHECK(r.read == len);
        buf_push(out, tmp, r.written);
        while (r.status == SEPTET_OUTPUT_TOO_SMALL) {
            r = septet_stream_feed(s, NULL, 0, tmp, cap);
            buf_push(out, tmp, r.written);
        }
    }
    do {
        r = septet_stream_finish(s, tmp, cap);
        buf_push(out, tmp, r.written);
    } while (r.status == SEPTET_OUTPUT_TOO_SMALL);
done:
    free(tmp);
    *err_off = r.error_offset;
    return r.status;
}

static void test_streams(void) {
    size_t n = 70001;
    uint8_t *data = malloc(n);
    fill_random(data, n);
    uint64_t off;
    for (uint32_t v = 0; v <= SEPTET_BASE64_MIME; v++) {
        size_t elen = septet_base64_encoded_len(v, n);
        uint8_t *oneshot = malloc(elen);
        septet_base64_encode(v, data, n, oneshot, elen);
        /* Small output buffers leave output pending; big ones never do. */
        size_t caps[] = {5, 1 << 16};
        for (int c = 0; c < 2; c++) {
            buf_t enc = {0}, dec = {0};
            septet_stream *e = septet_base64_encoder_new(v);
            CHECK(e != NULL);
            CHECK(septet_stream_feed_bound(e, 7) >= septet_base64_encoded_len(v, 9));
            CHECK(run_stream(e, data, n, 7, caps[c], &enc, &off) == SEPTET_OK);
            CHECK(enc.len == elen && memcmp(enc.data, oneshot, elen) == 0);
            /* After finish: more input is an error, collecting is fine. */
            CHECK_STATUS(septet_stream_feed(e, data, 1, NULL, 0), SEPTET_INVALID_STATE);
            CHECK_STATUS(septet_stream_finish(e, NULL, 0), SEPTET_OK);
            septet_stream_free(e);
            septet_stream *d = septet_base64_decoder_new(v);
            CHECK(run_stream(d, enc.data, enc.len, 13, caps[c], &dec, &off) == SEPTET_OK);
            CHECK(dec.len == n && memcmp(dec.data, data, n) == 0);
            septet_stream_free(d);
            free(enc.data), free(dec.data);
        }
        free(oneshot);
    }
    /* Decode errors carry offsets from the first byte ever fed, and stick. */
    septet_stream *d = septet_base64_decoder_new(SEPTET_BASE64_STANDARD);
    uint8_t out[16];
    CHECK_STATUS(septet_stream_feed(d, (const uint8_t *)"Zm9v", 4, out, sizeof out), SEPTET_OK);
    septet_result r = septet_stream_feed(d, (const uint8_t *)"Y!Fy", 4, out, sizeof out);
    CHECK(r.status == SEPTET_INVALID_INPUT && r.error_offset == 5);
    CHECK_STATUS(septet_stream_feed(d, (const uint8_t *)"Zm9v", 4, out, sizeof out), SEPTET_INVALID_STATE);
    septet_stream_free(d);
    /* Quoted-printable streams equal the one-shot calls. */
    for (uint32_t mode = SEPTET_QP_TEXT; mode <= SEPTET_QP_BINARY; mode++) {
        size_t cap = septet_qp_encoded_len_bound(n);
        uint8_t *oneshot = malloc(cap);
        septet_result o = septet_qp_encode(mode, data, n, oneshot, cap);
        buf_t enc = {0}, dec = {0};
        septet_stream *e = septet_qp_encoder_new(mode);
        CHECK(run_stream(e, data, n, 11, 7, &enc, &off) == SEPTET_OK);
        CHECK(enc.len == o.written && memcmp(enc.data, oneshot, enc.len) == 0);
        septet_stream_free(e);
        septet_stream *q = septet_qp_decoder_new(0);
        CHECK(run_stream(q, enc.data, enc.len, 5, 3, &dec, &off) == SEPTET_OK);
        if (mode == SEPTET_QP_BINARY) CHECK(dec.len == n && memcmp(dec.data, data, n) == 0);
        septet_stream_free(q);
        free(enc.data), free(dec.data), free(oneshot);
    }
    septet_stream *q = septet_qp_decoder_new(SEPTET_QP_STRICT);
    buf_t junk = {0};
    CHECK(run_stream(q, (const uint8_t *)"abcd=zz", 7, 2, 16, &junk, &off) == SEPTET_INVALID_INPUT);
    CHECK(off == 4);
    septet_stream_free(q), free(junk.data);
    CHECK(septet_base64_encoder_new(9) == NULL && septet_base64_decoder_new(9) == NULL);
    CHECK(septet_qp_encoder_new(9) == NULL && septet_qp_decoder_new(9) == NULL);
    CHECK_STATUS(septet_stream_feed(NULL, NULL, 0, NULL, 0), SEPTET_NULL_POINTER);
    CHECK(septet_stream_feed_bound(NULL, 1) == SIZE_MAX);
    septet_stream_free(NULL);
    free(data);
}

static void test_downgrade(const char *corpus) {
    size_t n;
    uint8_t *msg = read_file(corpus, "digest.eml", &n);
    CHECK(septet_needs_downgrade(msg, n) == 1);
    /* Streaming, in pieces of 100 bytes. */
    septet_downgrade_options opts = septet_downgrade_options_default();
    CHECK(opts.flags == 0 && opts.window == 262144); /* septet::downgrade::DEFAULT_WINDOW */
    septet_downgrade *h = septet_downgrade_new(&opts);
    CHECK(h != NULL);
    buf_t out = {0};
    for (size_t at = 0; at < n; at += 100) {
        size_t len = n - at < 100 ? n - at : 100;
        septet_result r = septet_downgrade_feed(h, msg + at, len, sink, &out);
        CHECK(r.status == SEPTET_OK && r.read == len);
    }
    septet_downgrade_report rep;
    memset(&rep, 0xff, sizeof rep);
    septet_result r = septet_downgrade_finish(h, sink, &out, &rep);
    CHECK_STATUS(r, SEPTET_OK);
    CHECK(rep.input_bytes == n && rep.output_bytes == out.len);
    CHECK(rep.parts == 6 && rep.parts_reencoded == 1 && rep.unchanged == 0);
    CHECK(rep.signed_modified == 0 && rep.envelope_line == 0 && rep.repaired == 0);
    CHECK(is_7bit(out.data, out.len));
    CHECK(septet_needs_downgrade(out.data, out.len) == 0);
    CHECK(septet_downgrade_error_kind(h) == SEPTET_DOWNGRADE_ERR_NONE);
    CHECK(septet_downgrade_error_message(h, NULL, 0) == 0);
    /* Finished: no more input. */
    CHECK_STATUS(septet_downgrade_feed(h, msg, 1, sink, &out), SEPTET_INVALID_STATE);
    CHECK_STATUS(septet_downgrade_finish(h, sink, &out, NULL), SEPTET_INVALID_STATE);
    septet_downgrade_free(h);

    /* The whole-buffer call gives the same bytes. */
    buf_t whole = {0};
    septet_downgrade_report rep2;
    uint32_t kind = 99;
    r = septet_downgrade_buffer(msg, n, NULL, sink, &whole, &rep2, &kind);
    CHECK(r.status == SEPTET_OK && r.read == n && r.written == whole.len);
    CHECK(whole.len == out.len && memcmp(whole.data, out.data, out.len) == 0);
    CHECK(rep2.parts == 6 && kind == 99);

    /* The downgraded message parses to the same tree, text now encoded. */
    free(whole.data);
    whole = (buf_t){0};
    opts.flags = SEPTET_DOWNGRADE_LF;
    r = septet_downgrade_buffer(msg, n, &opts, sink, &whole, NULL, NULL);
    CHECK(r.status == SEPTET_OK && memchr(whole.data, '\r', whole.len) == NULL);
    opts.flags = 1u << 20;
    CHECK(septet_downgrade_new(&opts) == NULL);
    CHECK_STATUS(septet_downgrade_buffer(msg, n, &opts, sink, &whole, NULL, NULL), SEPTET_INVALID_ARGUMENT);

    /* A sink that refuses stops the call. */
    buf_t refusing = {.fail = 1};
    CHECK_STATUS(septet_downgrade_buffer(msg, n, NULL, sink, &refusing, NULL, NULL), SEPTET_CALLBACK_FAILED);
    h = septet_downgrade_new(NULL);
    CHECK_STATUS(septet_downgrade_feed(h, msg, n, NULL, NULL), SEPTET_NULL_POINTER);
    CHECK_STATUS(septet_downgrade_feed(h, msg, n, sink, &refusing), SEPTET_CALLBACK_FAILED);
    CHECK_STATUS(septet_downgrade_feed(h, msg, n, sink, &out), SEPTET_INVALID_STATE);
    septet_downgrade_free(h);
    CHECK(septet_needs_downgrade(NULL, 5) == -1);
    CHECK(septet_needs_downgrade(NULL, 0) != -1); /* an empty buffer is a message */
    CHECK_STATUS(septet_downgrade_feed(NULL, msg, n, sink, &out), SEPTET_NULL_POINTER);
    septet_downgrade_free(NULL);
    free(msg), free(out.data), free(whole.data);

    /* utf8-8bit.eml has 8-bit addresses: no 7-bit form (RFC 6531 3.7.5). */
    msg = read_file(corpus, "utf8-8bit.eml", &n);
    h = septet_downgrade_new(NULL);
    out = (buf_t){0};
    r = septet_downgrade_feed(h, msg, n, sink, &out);
    if (r.status == SEPTET_OK) r = septet_downgrade_finish(h, sink, &out, NULL);
    CHECK_STATUS(r, SEPTET_DOWNGRADE_REFUSED);
    CHECK(r.error_offset == 0); /* the From field is the first line */
    CHECK(septet_downgrade_error_kind(h) == SEPTET_DOWNGRADE_ERR_EIGHT_BIT_ADDRESS);
    char text[256];
    size_t len = septet_downgrade_error_message(h, (uint8_t *)text, sizeof text);
    CHECK(len > 0 && len == strlen(text) && strstr(text, "8-bit address") != NULL);
    CHECK(septet_downgrade_error_message(h, (uint8_t *)text, 4) == len && strlen(text) == 3);
    CHECK_STATUS(septet_downgrade_feed(h, msg, n, sink, &out), SEPTET_INVALID_STATE);
    septet_downgrade_free(h);
    kind = 0;
    r = septet_downgrade_buffer(msg, n, NULL, sink, &out, NULL, &kind);
    CHECK(r.status == SEPTET_DOWNGRADE_REFUSED && kind == SEPTET_DOWNGRADE_ERR_EIGHT_BIT_ADDRESS);
    free(msg), free(out.data);
}

typedef struct {
    const uint8_t *msg;
    int count;
    char types[8][64];
    char sections[8][16];
    char filename[64];
    size_t parents[8];
    int ranges_ok;
} parts_t;

static int32_t on_part(void *ctx, const septet_part *p) {
    parts_t *ps = ctx;
    if (ps->count >= 8) return 1;
    snprintf(ps->types[ps->count], 64, "%s", p->content_type);
    snprintf(ps->sections[ps->count], 16, "%s", p->section);
    ps->parents[ps->count] = p->parent;
    if (p->filename) snprintf(ps->filename, sizeof ps->filename, "%.*s", (int)p->filename_len, p->filename);
    if (!(p->start == p->header_start && p->header_end <= p->body_start && p->body_end <= p->end &&
          p->header_start <= p->header_end && strlen(p->content_type) == p->content_type_len &&
          (int)p->index == ps->count))
        ps->ranges_ok = 0;
    ps->count++;
    return 0;
}

static void test_parse(const char *corpus) {
    size_t n;
    uint8_t *msg = read_file(corpus, "forwarded.eml", &n);
    parts_t ps = {.msg = msg, .ranges_ok = 1};
    septet_result r = septet_parse(msg, n, on_part, &ps);
    CHECK(r.status == SEPTET_OK && r.read == n && r.written == (size_t)ps.count);
    CHECK(ps.count == 7 && ps.ranges_ok);
    CHECK(strcmp(ps.types[0], "multipart/mixed") == 0 && strcmp(ps.sections[0], "") == 0);
    CHECK(ps.parents[0] == SIZE_MAX && ps.parents[1] == 0);
    CHECK(strcmp(ps.types[2], "message/rfc822") == 0 && strcmp(ps.sections[2], "2") == 0);
    CHECK(strcmp(ps.types[6], "application/pdf") == 0 && strcmp(ps.sections[6], "3") == 0);
    CHECK(strcmp(ps.filename, "q3.pdf") == 0);
    /* The callback can stop the walk. */
    parts_t few = {.msg = msg, .count = 7, .ranges_ok = 1};
    CHECK_STATUS(septet_parse(msg, n, on_part, &few), SEPTET_CALLBACK_FAILED);
    CHECK_STATUS(septet_parse(msg, n, NULL, NULL), SEPTET_NULL_POINTER);
    CHECK_STATUS(septet_parse(NULL, 5, on_part, &ps), SEPTET_NULL_POINTER);
    free(msg);
}

/* SEPTET_FORCE_ISA names no usable ISA: the fallible calls say so, the
 * infallible ones (QP encode, streaming encoders) run scalar. */
static void test_bad_isa(void) {
    uint8_t out[64];
    CHECK(septet_check_isa() == SEPTET_UNSUPPORTED_ISA);
    CHECK(strcmp(septet_active_isa(), "scalar") == 0);
    CHECK_STATUS(septet_base64_encode(SEPTET_BASE64_STANDARD, (const uint8_t *)"foo", 3, out, sizeof out),
                 SEPTET_UNSUPPORTED_ISA);
    CHECK_STATUS(septet_base64_decode(SEPTET_BASE64_MIME, (const uint8_t *)"Zm9v", 4, out, sizeof out),
                 SEPTET_UNSUPPORTED_ISA);
    CHECK_STATUS(septet_qp_decode(0, (const uint8_t *)"abc", 3, out, sizeof out), SEPTET_UNSUPPORTED_ISA);
    septet_result r = septet_qp_encode(SEPTET_QP_TEXT, (const uint8_t *)"caf\xc3\xa9", 5, out, sizeof out);
    CHECK(r.status == SEPTET_OK && r.written == 9 && memcmp(out, "caf=C3=A9", 9) == 0);
    septet_stream *d = septet_base64_decoder_new(SEPTET_BASE64_STANDARD);
    CHECK_STATUS(septet_stream_feed(d, (const uint8_t *)"Zm9v", 4, out, sizeof out), SEPTET_UNSUPPORTED_ISA);
    septet_stream_free(d);
}

int main(int argc, char **argv) {
    const char *force = getenv("SEPTET_FORCE_ISA");
    if (force && strcmp(force, "bogus") == 0) {
        test_bad_isa();
    } else {
        if (argc < 2) {
            fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
            return 2;
        }
        test_meta();
        test_rfc4648();
        test_base64_errors();
        test_round_trips();
        test_qp();
        test_streams();
        test_downgrade(argv[1]);
        test_parse(argv[1]);
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed != 0;
}
