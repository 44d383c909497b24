/* septet-milter: downgrades 8-bit messages to 7-bit at submission, so that
 * a DKIM signer after it signs the form that relays will pass on unchanged
 * (a later 8bit-to-7bit conversion by a relay breaks DKIM signatures).
 *
 * It collects the header fields and body of each message, and at end of
 * message, if the message needs a downgrade, rewrites it with libseptet:
 * changed header fields (Content-Transfer-Encoding, RFC 2047-encoded
 * fields) through smfi_chgheader, new ones through smfi_addheader, and the
 * body through smfi_replacebody. A message with no 7-bit form (8-bit
 * addresses: an SMTPUTF8 message) passes unchanged, or is rejected with -r.
 *
 *   septet-milter -p inet:8891@127.0.0.1 [-r]
 * Postfix: smtpd_milters = inet:127.0.0.1:8891 (before the DKIM milter). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

#include "septet.h"

static int reject_refused;

typedef struct {
    char *data;
    size_t len, cap;
} buf_t;

static int buf_push(buf_t *b, const void *p, size_t n) {
    if (b->len + n > b->cap) {
        size_t cap = (b->len + n) * 2 + 256;
        char *d = realloc(b->data, cap);
        if (!d) return -1;
        b->data = d, b->cap = cap;
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
    return 0;
}

/* Per message: the header block as it came (CRLF line ends) and the body. */
typedef struct {
    buf_t head, body;
    int failed;
} msg_t;

static msg_t *msg_of(SMFICTX *ctx) { return smfi_getpriv(ctx); }

static void msg_free(SMFICTX *ctx) {
    msg_t *m = msg_of(ctx);
    if (m) {
        free(m->head.data), free(m->body.data), free(m);
        smfi_setpriv(ctx, NULL);
    }
}

/* The connect, HELO, RCPT and end-of-header steps are registered although they do nothing:
 * some milter clients (miltertest) cannot skip a step the filter declines. */
static sfsistat on_connect(SMFICTX *ctx, char *host, struct sockaddr *addr) {
    (void)ctx, (void)host, (void)addr;
    return SMFIS_CONTINUE;
}

static sfsistat on_helo(SMFICTX *ctx, char *name) {
    (void)ctx, (void)name;
    return SMFIS_CONTINUE;
}

static sfsistat on_envrcpt(SMFICTX *ctx, char **argv) {
    (void)ctx, (void)argv;
    return SMFIS_CONTINUE;
}

static sfsistat on_eoh(SMFICTX *ctx) {
    (void)ctx;
    return SMFIS_CONTINUE;
}

static sfsistat on_envfrom(SMFICTX *ctx, char **argv) {
    (void)argv;
    msg_free(ctx);
    msg_t *m = calloc(1, sizeof *m);
    if (!m) return SMFIS_TEMPFAIL;
    smfi_setpriv(ctx, m);
    return SMFIS_CONTINUE;
}

/* Appends `s` with bare LF made CRLF (libmilter hands folded values with
 * LF line breaks). */
static int push_crlf(buf_t *b, const char *s) {
    for (; *s; s++) {
        if (*s == '\n' && (b->len == 0 || b->data[b->len - 1] != '\r'))
            if (buf_push(b, "\r", 1)) return -1;
        if (buf_push(b, s, 1)) return -1;
    }
    return 0;
}

static sfsistat on_header(SMFICTX *ctx, char *name, char *value) {
    msg_t *m = msg_of(ctx);
    if (!m) return SMFIS_CONTINUE;
    if (push_crlf(&m->head, name) || buf_push(&m->head, ": ", 2) || push_crlf(&m->head, value) ||
        buf_push(&m->head, "\r\n", 2))
        m->failed = 1;
    return SMFIS_CONTINUE;
}

static sfsistat on_body(SMFICTX *ctx, unsigned char *chunk, size_t len) {
    msg_t *m = msg_of(ctx);
    if (m && buf_push(&m->body, chunk, len)) m->failed = 1;
    return SMFIS_CONTINUE;
}

static int32_t sink(void *out, const uint8_t *data, size_t len) { return buf_push(out, data, len); }

/* One header field of a header block: name and value (after ": ", with
 * CRLF inside folded values made LF, as libmilter wants them). */
typedef struct {
    char *name, *value;
} field_t;

/* Splits a header block (ending at its empty line) into fields. Returns
 * the count, or -1 on allocation failure; *fields must be freed with
 * fields_free. */
static int split_fields(const char *p, size_t len, field_t **fields) {
    int n = 0, cap = 0;
    *fields = NULL;
    size_t i = 0;
    while (i < len && !(p[i] == '\r' || p[i] == '\n')) {
        size_t start = i;
        /* The field runs to a line break not followed by white space. */
        while (i < len) {
            if (p[i] == '\n' && !(i + 1 < len && (p[i + 1] == ' ' || p[i + 1] == '\t'))) break;
            i++;
        }
        size_t end = i; /* at the final LF */
        i++;
        if (end > start && p[end - 1] == '\r') end--;
        const char *colon = memchr(p + start, ':', end - start);
        if (!colon) continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            field_t *f = realloc(*fields, cap * sizeof **fields);
            if (!f) return -1;
            *fields = f;
        }
        field_t *f = &(*fields)[n++];
        f->name = strndup(p + start, colon - (p + start));
        const char *v = colon + 1;
        while (v < p + end && (*v == ' ' || *v == '\t')) v++;
        f->value = malloc(p + end - v + 1);
        if (!f->name || !f->value) return -1;
        size_t k = 0;
        for (const char *q = v; q < p + end; q++)
            if (*q != '\r') f->value[k++] = *q;
        f->value[k] = 0;
    }
    return n;
}

static void fields_free(field_t *f, int n) {
    for (int i = 0; i < n; i++) free(f[i].name), free(f[i].value);
    free(f);
}

/* The 1-based occurrence of fields[i]'s name among fields[0..=i]. */
static int occurrence(field_t *f, int i) {
    int k = 0;
    for (int j = 0; j <= i; j++) k += strcasecmp(f[j].name, f[i].name) == 0;
    return k;
}

/* Applies the header changes from `old` to `new`: fields that changed in
 * place, fields added. The downgrade only rewrites or adds fields. */
static int apply_headers(SMFICTX *ctx, field_t *old, int n_old, field_t *new, int n_new) {
    for (int i = 0; i < n_new; i++) {
        int occ = occurrence(new, i), seen = 0, found = -1;
        for (int j = 0; j < n_old && found < 0; j++)
            if (strcasecmp(old[j].name, new[i].name) == 0 && ++seen == occ) found = j;
        if (found < 0) {
            if (smfi_addheader(ctx, new[i].name, new[i].value) != MI_SUCCESS) return -1;
        } else if (strcmp(old[found].value, new[i].value) != 0) {
            if (smfi_chgheader(ctx, new[i].name, occ, new[i].value) != MI_SUCCESS) return -1;
        }
    }
    return 0;
}

/* smfi_replacebody takes an int length; successive calls append. */
static int replace_body(SMFICTX *ctx, char *body, size_t len) {
    const size_t chunk = 1 << 20;
    if (len == 0) return smfi_replacebody(ctx, (unsigned char *)body, 0) == MI_SUCCESS ? 0 : -1;
    for (size_t at = 0; at < len; at += chunk) {
        size_t n = len - at < chunk ? len - at : chunk;
        if (smfi_replacebody(ctx, (unsigned char *)body + at, (int)n) != MI_SUCCESS) return -1;
    }
    return 0;
}

static sfsistat rewrite(SMFICTX *ctx, msg_t *m) {
    buf_t whole = {0}, out = {0};
    sfsistat rc = SMFIS_CONTINUE;
    if (buf_push(&whole, m->head.data, m->head.len) || buf_push(&whole, "\r\n", 2) ||
        buf_push(&whole, m->body.data, m->body.len))
        return SMFIS_TEMPFAIL;
    if (septet_needs_downgrade((const uint8_t *)whole.data, whole.len) == 0) goto done;

    uint32_t kind = 0;
    septet_result r = septet_downgrade_buffer((const uint8_t *)whole.data, whole.len, NULL, sink, &out,
                                              NULL, &kind);
    if (r.status == SEPTET_DOWNGRADE_REFUSED) {
        fprintf(stderr, "septet-milter: no 7-bit form (kind %u at byte %llu): %s\n", kind,
                (unsigned long long)r.error_offset, reject_refused ? "rejected" : "passed unchanged");
        if (reject_refused) {
            smfi_setreply(ctx, kind == SEPTET_DOWNGRADE_ERR_EIGHT_BIT_ADDRESS ? "550" : "554",
                          kind == SEPTET_DOWNGRADE_ERR_EIGHT_BIT_ADDRESS ? "5.6.7" : "5.6.0",
                          "message has no 7-bit form");
            rc = SMFIS_REJECT;
        }
        goto done;
    }
    if (r.status != SEPTET_OK) {
        fprintf(stderr, "septet-milter: downgrade failed: %s\n", septet_status_str(r.status));
        rc = SMFIS_TEMPFAIL;
        goto done;
    }
    /* Split the output at its first empty line: header block, body. */
    size_t head_len = out.len, body_at = out.len;
    if (out.len >= 2 && out.data[0] == '\r' && out.data[1] == '\n') {
        head_len = 0, body_at = 2; /* no header fields at all */
    } else {
        for (size_t i = 0; i + 2 < out.len; i++) {
            if (out.data[i] == '\n' && out.data[i + 1] == '\r' && out.data[i + 2] == '\n') {
                head_len = i + 1, body_at = i + 3;
                break;
            }
        }
    }
    field_t *old = NULL, *new = NULL;
    int n_old = split_fields(m->head.data, m->head.len, &old);
    int n_new = split_fields(out.data, head_len, &new);
    if (n_old < 0 || n_new < 0 || apply_headers(ctx, old, n_old, new, n_new) ||
        replace_body(ctx, out.data + body_at, out.len - body_at))
        rc = SMFIS_TEMPFAIL;
    if (old) fields_free(old, n_old < 0 ? 0 : n_old);
    if (new) fields_free(new, n_new < 0 ? 0 : n_new);
done:
    free(whole.data), free(out.data);
    return rc;
}

static sfsistat on_eom(SMFICTX *ctx) {
    msg_t *m = msg_of(ctx);
    sfsistat rc = SMFIS_CONTINUE;
    if (m) rc = m->failed ? SMFIS_TEMPFAIL : rewrite(ctx, m);
    msg_free(ctx);
    return rc;
}

static sfsistat on_abort(SMFICTX *ctx) {
    msg_free(ctx);
    return SMFIS_CONTINUE;
}

static sfsistat on_close(SMFICTX *ctx) {
    msg_free(ctx);
    return SMFIS_CONTINUE;
}

static struct smfiDesc desc = {
    .xxfi_name = "septet-milter",
    .xxfi_version = SMFI_VERSION,
    .xxfi_flags = SMFIF_CHGHDRS | SMFIF_ADDHDRS | SMFIF_CHGBODY,
    .xxfi_connect = on_connect,
    .xxfi_helo = on_helo,
    .xxfi_envfrom = on_envfrom,
    .xxfi_envrcpt = on_envrcpt,
    .xxfi_header = on_header,
    .xxfi_eoh = on_eoh,
    .xxfi_body = on_body,
    .xxfi_eom = on_eom,
    .xxfi_abort = on_abort,
    .xxfi_close = on_close,
};

int main(int argc, char **argv) {
    const char *conn = NULL;
    int c;
    while ((c = getopt(argc, argv, "p:r")) != -1) {
        if (c == 'p') conn = optarg;
        else if (c == 'r') reject_refused = 1;
        else {
            fprintf(stderr, "usage: %s -p SOCKET [-r]\n", argv[0]);
            return 2;
        }
    }
    if (!conn) {
        fprintf(stderr, "usage: %s -p SOCKET [-r]\n", argv[0]);
        return 2;
    }
    if (septet_check_isa() != SEPTET_OK) {
        fprintf(stderr, "septet-milter: SEPTET_FORCE_ISA is not usable on this CPU\n");
        return 2;
    }
    if (smfi_setconn((char *)conn) == MI_FAILURE || smfi_register(desc) == MI_FAILURE) {
        fprintf(stderr, "septet-milter: cannot set up %s\n", conn);
        return 1;
    }
    return smfi_main() == MI_SUCCESS ? 0 : 1;
}
