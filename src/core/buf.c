/* SPDX-License-Identifier: Apache-2.0 */
/*
 * buf.c: the capped, sticky-error byte buffer, plus the JSON string escaper used by every JSON
 * writer (RFC 8259 section 7). Invalid UTF-8 in the input is replaced by U+FFFD so that whatever
 * bytes arrive, the output stays valid JSON.
 */
#include "buf.h"

#include <stdio.h>
#include <string.h>

#include "alloc.h"

void fl_buf_init(struct fl_buf *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
    b->err = FL_OK;
}

void fl_buf_cleanup(struct fl_buf *b)
{
    if (!b)
        return;
    fl_free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->err = FL_OK;
}

void fl_buf_reset(struct fl_buf *b)
{
    b->len = 0;
    b->err = FL_OK;
    if (b->data)
        b->data[0] = '\0';
}

fl_err fl_buf_reserve(struct fl_buf *b, size_t extra)
{
    if (b->err)
        return b->err;
    if (extra > b->max || b->len > b->max - extra) {
        b->err = FL_ELIMIT;
        return b->err;
    }
    size_t need = b->len + extra + 1; /* + NUL */
    if (need <= b->cap)
        return FL_OK;
    size_t ncap = b->cap ? b->cap : 64;
    while (ncap < need)
        ncap = ncap > SIZE_MAX / 2 ? need : ncap * 2;
    if (ncap > b->max + 1)
        ncap = b->max + 1;
    if (ncap < need)
        ncap = need;
    char *nd = fl_realloc(b->data, ncap);
    if (!nd) {
        b->err = FL_ENOMEM;
        return b->err;
    }
    if (!b->data)
        nd[0] = '\0';
    b->data = nd;
    b->cap = ncap;
    return FL_OK;
}

void fl_buf_append(struct fl_buf *b, const void *p, size_t len)
{
    if (b->err || fl_buf_reserve(b, len) != FL_OK)
        return;
    if (len)
        memcpy(b->data + b->len, p, len);
    b->len += len;
    b->data[b->len] = '\0';
}

void fl_buf_puts(struct fl_buf *b, const char *s)
{
    fl_buf_append(b, s, strlen(s));
}

void fl_buf_putc(struct fl_buf *b, char c)
{
    if (b->err)
        return;
    if (b->len + 1 < b->cap) {
        b->data[b->len++] = c;
        b->data[b->len] = '\0';
        return;
    }
    fl_buf_append(b, &c, 1);
}

void fl_buf_vprintf(struct fl_buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    if (b->err)
        return;
    va_copy(ap2, ap);
    size_t room = b->cap > b->len ? b->cap - b->len : 0;
    int n = vsnprintf(room ? b->data + b->len : NULL, room, fmt, ap2);
    va_end(ap2);
    if (n < 0) {
        b->err = FL_EINVAL;
        return;
    }
    if ((size_t)n < room) {
        if (b->len + (size_t)n > b->max) {
            b->data[b->len] = '\0';
            b->err = FL_ELIMIT;
            return;
        }
        b->len += (size_t)n;
        return;
    }
    if (fl_buf_reserve(b, (size_t)n) != FL_OK) {
        if (b->data)
            b->data[b->len] = '\0';
        return;
    }
    va_copy(ap2, ap);
    vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap2);
    va_end(ap2);
    b->len += (size_t)n;
}

void fl_buf_printf(struct fl_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fl_buf_vprintf(b, fmt, ap);
    va_end(ap);
}

void fl_buf_put_double(struct fl_buf *b, double v)
{
    char tmp[40];
    size_t n = fl_fmt_double(v, tmp, sizeof tmp);
    fl_buf_append(b, tmp, n);
}

/* Length of the valid UTF-8 sequence at s[0..len), or 0 if invalid (RFC 3629). */
static size_t utf8_seq_len(const unsigned char *s, size_t len)
{
    unsigned char c = s[0];
    size_t n;
    unsigned cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
        cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (len < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

void fl_buf_put_json_str(struct fl_buf *b, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, run = 0;

    fl_buf_putc(b, '"');
    while (i < len && !b->err) {
        unsigned char c = p[i];
        if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
            run = i + 1;
            while (run < len && p[run] >= 0x20 && p[run] < 0x80 && p[run] != '"' &&
                   p[run] != '\\')
                run++;
            fl_buf_append(b, p + i, run - i);
            i = run;
            continue;
        }
        if (c >= 0x80) {
            size_t n = utf8_seq_len(p + i, len - i);
            if (n == 0) {
                fl_buf_append(b, "\\ufffd", 6);
                i++;
            } else {
                fl_buf_append(b, p + i, n);
                i += n;
            }
            continue;
        }
        char esc[7] = {'\\', 0, 0, 0, 0, 0, 0};
        size_t n = 2;
        switch (c) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        default:
            esc[1] = 'u';
            esc[2] = '0';
            esc[3] = '0';
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            n = 6;
        }
        fl_buf_append(b, esc, n);
        i++;
    }
    fl_buf_putc(b, '"');
}

fl_err fl_buf_err(const struct fl_buf *b)
{
    return b->err;
}

struct fl_str fl_buf_str(const struct fl_buf *b)
{
    struct fl_str s = {b->data ? b->data : "", b->len};
    return s;
}

char *fl_buf_take(struct fl_buf *b)
{
    char *d = b->data;
    if (!d)
        d = fl_strndup("", 0); /* NULL only when even one byte cannot be allocated */
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->err = FL_OK;
    return d;
}
