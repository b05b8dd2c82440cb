// SPDX-License-Identifier: Apache-2.0
/*
 * test_str.c: slices, strict integer parsing (overflow, junk, signs), Go-ParseFloat-like double
 * parsing, FNV-1a against published vectors, and round-trip double formatting over special values
 * and 200,000 random bit patterns (compared bitwise).
 */
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/str.h"

Test(str, slices)
{
    struct fl_str a = fl_str_c("  hello\t\r\n");
    struct fl_str t = fl_str_trim(a);
    cr_assert_eq(t.len, 5);
    cr_assert(fl_str_eq_c(t, "hello"));
    cr_assert(!fl_str_eq_c(t, "hell"));
    cr_assert(fl_str_eq_ci_c(t, "HeLLo"));
    cr_assert(!fl_str_eq_ci_c(t, "HeLLp"));
    cr_assert(fl_str_has_prefix(t, "he"));
    cr_assert(fl_str_has_prefix(t, ""));
    cr_assert(!fl_str_has_prefix(t, "hello!"));
    cr_assert(fl_str_has_suffix(t, "llo"));
    cr_assert(!fl_str_has_suffix(t, "xllo"));
    cr_assert_eq(fl_str_c(NULL).len, 0);
    cr_assert_eq(fl_str_trim(fl_str_c(" \t ")).len, 0);
    cr_assert_eq(fl_str_cmp(fl_str_c("ab"), fl_str_c("abc")), -1);
    cr_assert_eq(fl_str_cmp(fl_str_c("abc"), fl_str_c("ab")), 1);
    cr_assert_eq(fl_str_cmp(fl_str_c("abd"), fl_str_c("abc")), 1);
    cr_assert_eq(fl_str_cmp(fl_str_c(""), fl_str_c("")), 0);
    cr_assert(fl_str_eq(FL_STR_LIT("x"), fl_str_c("x")));
}

Test(str, cut)
{
    struct fl_str h, t;
    cr_assert(fl_str_cut(fl_str_c("key=val=ue"), '=', &h, &t));
    cr_assert(fl_str_eq_c(h, "key"));
    cr_assert(fl_str_eq_c(t, "val=ue"));
    cr_assert(!fl_str_cut(fl_str_c("novalue"), '=', &h, &t));
    cr_assert(fl_str_eq_c(h, "novalue"));
    cr_assert_eq(t.len, 0);
    cr_assert(fl_str_cut(fl_str_c("="), '=', &h, &t));
    cr_assert_eq(h.len + t.len, 0);
}

static const struct {
    const char *in;
    bool ok;
    int64_t want;
} i64_cases[] = {
    {"0", true, 0},
    {"-0", true, 0},
    {"+17", true, 17},
    {"9223372036854775807", true, INT64_MAX},
    {"-9223372036854775808", true, INT64_MIN},
    {"9223372036854775808", false, 0},
    {"-9223372036854775809", false, 0},
    {"99999999999999999999", false, 0},
    {"", false, 0},
    {"-", false, 0},
    {"+", false, 0},
    {" 1", false, 0},
    {"1 ", false, 0},
    {"1.0", false, 0},
    {"1e3", false, 0},
    {"0x10", false, 0},
    {"--1", false, 0},
    {"007", true, 7},
};

Test(str, to_i64_table)
{
    for (size_t i = 0; i < sizeof i64_cases / sizeof i64_cases[0]; i++) {
        int64_t v = 12345;
        bool ok = fl_str_to_i64(fl_str_c(i64_cases[i].in), &v);
        cr_assert_eq(ok, i64_cases[i].ok, "\"%s\"", i64_cases[i].in);
        if (ok)
            cr_assert_eq(v, i64_cases[i].want, "\"%s\"", i64_cases[i].in);
        else
            cr_assert_eq(v, 12345, "\"%s\": output untouched on failure", i64_cases[i].in);
    }
    /* Not NUL-terminated: the slice ends before the junk. */
    int64_t v;
    cr_assert(fl_str_to_i64((struct fl_str){"123abc", 3}, &v));
    cr_assert_eq(v, 123);
}

Test(str, to_u64_table)
{
    uint64_t v;
    cr_assert(fl_str_to_u64(fl_str_c("18446744073709551615"), &v));
    cr_assert_eq(v, UINT64_MAX);
    cr_assert(!fl_str_to_u64(fl_str_c("18446744073709551616"), &v));
    cr_assert(!fl_str_to_u64(fl_str_c("-1"), &v));
    cr_assert(!fl_str_to_u64(fl_str_c(""), &v));
    cr_assert(fl_str_to_u64(fl_str_c("+5"), &v));
    cr_assert_eq(v, 5);
}

enum dkind { D_ERR, D_VAL, D_NAN };
static const struct {
    const char *in;
    enum dkind kind;
    double want;
} dbl_cases[] = {
    {"1.5", D_VAL, 1.5},
    {"-2", D_VAL, -2},
    {"+3", D_VAL, 3},
    {".5", D_VAL, 0.5},
    {"5.", D_VAL, 5},
    {"1e3", D_VAL, 1000},
    {"1E-3", D_VAL, 0.001},
    {"-0", D_VAL, -0.0},
    {"0x1p-2", D_VAL, 0.25},
    {"4.9e-324", D_VAL, 4.9e-324},
    {"1e-400", D_VAL, 0},
    {"1.7976931348623157e308", D_VAL, DBL_MAX},
    {"NaN", D_NAN, 0},
    {"nan", D_NAN, 0},
    {"Inf", D_VAL, INFINITY},
    {"+Inf", D_VAL, INFINITY},
    {"-Inf", D_VAL, -INFINITY},
    {"-inf", D_VAL, -INFINITY},
    {"infinity", D_VAL, INFINITY},
    {"-Infinity", D_VAL, -INFINITY},
    {"1e400", D_ERR, 0},
    {"-1e400", D_ERR, 0},
    {"-nan", D_ERR, 0},
    {"nan(123)", D_ERR, 0},
    {"", D_ERR, 0},
    {" 1", D_ERR, 0},
    {"1 ", D_ERR, 0},
    {"1e", D_ERR, 0},
    {"1e+", D_ERR, 0},
    {".", D_ERR, 0},
    {"-", D_ERR, 0},
    {"1_000", D_ERR, 0},
    {"0x10", D_ERR, 0},
    {"abc", D_ERR, 0},
    {"infx", D_ERR, 0},
    {"1.2.3", D_ERR, 0},
};

Test(str, to_double_table)
{
    for (size_t i = 0; i < sizeof dbl_cases / sizeof dbl_cases[0]; i++) {
        double v = 42;
        bool ok = fl_str_to_double(fl_str_c(dbl_cases[i].in), &v);
        cr_assert_eq(ok, dbl_cases[i].kind != D_ERR, "\"%s\"", dbl_cases[i].in);
        if (dbl_cases[i].kind == D_NAN)
            cr_assert(isnan(v), "\"%s\"", dbl_cases[i].in);
        if (dbl_cases[i].kind == D_VAL) {
            cr_assert_eq(memcmp(&v, &dbl_cases[i].want, sizeof v), 0, "\"%s\" gave %.17g",
                         dbl_cases[i].in, v);
        }
    }
    /* A long decimal beyond the stack buffer. */
    char longnum[600];
    memset(longnum, '0', sizeof longnum);
    longnum[0] = '1';
    memcpy(longnum + sizeof longnum - 6, "e-590", 6);
    double v;
    cr_assert(fl_str_to_double(fl_str_c(longnum), &v));
    cr_assert_eq(v, 1e3, "1 then 593 zeros, e-590: got %.17g", v);
    /* Slices need no NUL. */
    cr_assert(fl_str_to_double((struct fl_str){"2.5xyz", 3}, &v));
    cr_assert_eq(v, 2.5);
}

Test(str, fnv1a_vectors)
{
    /* Published FNV-1a 64-bit test vectors (seed 0 keeps the standard offset basis). */
    cr_assert_eq(fl_hash_bytes("", 0, 0), 0xcbf29ce484222325ULL);
    cr_assert_eq(fl_hash_bytes("a", 1, 0), 0xaf63dc4c8601ec8cULL);
    cr_assert_eq(fl_hash_bytes("foobar", 6, 0), 0x85944171f73967e8ULL);
    cr_assert_neq(fl_hash_bytes("foobar", 6, 1), fl_hash_bytes("foobar", 6, 0));
}

static const struct {
    double v;
    const char *want;
} fmt_cases[] = {
    {0.1, "0.1"},
    {1.0, "1"},
    {-0.0, "-0"},
    {0.0, "0"},
    {1e300, "1e+300"},
    {1.5, "1.5"},
    {123456789.0, "123456789"},
    {0.30000000000000004, "0.30000000000000004"},
    {1.0 / 3.0, "0.3333333333333333"},
    {5e-324, "4.94065645841247e-324"},
    {DBL_MAX, "1.7976931348623157e+308"},
    {NAN, "NaN"},
    {INFINITY, "+Inf"},
    {-INFINITY, "-Inf"},
};

Test(str, fmt_double_table)
{
    for (size_t i = 0; i < sizeof fmt_cases / sizeof fmt_cases[0]; i++) {
        char out[32];
        size_t n = fl_fmt_double(fmt_cases[i].v, out, sizeof out);
        cr_assert_str_eq(out, fmt_cases[i].want);
        cr_assert_eq(n, strlen(fmt_cases[i].want));
    }
    char tiny[4];
    size_t n = fl_fmt_double(0.30000000000000004, tiny, sizeof tiny);
    cr_assert_eq(n, strlen("0.30000000000000004"));
    cr_assert_str_eq(tiny, "0.3");
}

static uint64_t rng = 0x243f6a8885a308d3ULL;
static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void check_round_trip(double v)
{
    char out[32];
    double back;
    size_t n = fl_fmt_double(v, out, sizeof out);
    cr_assert_lt(n, sizeof out);
    cr_assert(fl_str_to_double((struct fl_str){out, n}, &back), "\"%s\" must parse", out);
    if (isnan(v)) {
        cr_assert(isnan(back));
        return;
    }
    cr_assert_eq(memcmp(&v, &back, sizeof v), 0, "%a printed as %s read back as %a", v, out, back);
}

Test(str, fmt_double_round_trips_random_bits)
{
    for (int i = 0; i < 200000; i++) {
        uint64_t bits = next_rand();
        double v;
        memcpy(&v, &bits, sizeof v);
        check_round_trip(v);
    }
    /* Subnormals, boundaries and decimal favourites. */
    static const double special[] = {DBL_MIN,  DBL_TRUE_MIN, -DBL_TRUE_MIN, DBL_MIN / 3,
                                     DBL_MAX,  -DBL_MAX,     DBL_EPSILON,   1 + DBL_EPSILON,
                                     0.1,      0.2,          0.7,           1e21,
                                     1e22,     1e23,         9007199254740993.0, 2.5e-8,
                                     -0.0,     123e-20};
    for (size_t i = 0; i < sizeof special / sizeof special[0]; i++)
        check_round_trip(special[i]);
    for (int i = 0; i < 20000; i++) {
        uint64_t bits = next_rand() & 0x000fffffffffffffULL; /* subnormal */
        double v;
        memcpy(&v, &bits, sizeof v);
        check_round_trip(v);
    }
}

Test(str, fmt_double_is_shortest_of_15_to_17_digits)
{
    /* 0.1 would be "0.10000000000000001" at 17 digits; shortest is 15. */
    char out[32];
    fl_fmt_double(0.1 + 0.2, out, sizeof out);
    cr_assert_str_eq(out, "0.30000000000000004");
    fl_fmt_double(100.0, out, sizeof out);
    cr_assert_str_eq(out, "100");
}
