/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mwu.h: the Mann-Whitney U (Wilcoxon rank-sum) test of two independent samples, matching
 * scipy.stats.mannwhitneyu(x, y, use_continuity, alternative, method) of SciPy 1.10: U is the
 * statistic of x (U1 = R1 - nx (nx + 1) / 2 from average ranks), the asymptotic p-value uses
 * the tie-corrected normal approximation with the optional 0.5 continuity correction, and the
 * exact p-value the null distribution of U without ties (Mann & Whitney 1947).
 *
 * Method selection is SciPy 1.10's code (not its docstring): AUTO is exact when min(nx, ny) <= 8
 * and the pooled sample has no ties, asymptotic otherwise. Unlike SciPy, the exact distribution is
 * computed only while nx * ny <= FL_MWU_EXACT_MAX_MN and min(nx, ny) <= FL_MWU_EXACT_MAX_MIN (about
 * 40 MB and 1.3 s at worst on the benchmark machine); beyond that AUTO and EXACT use the asymptotic
 * p-value and say so in fl_mwu_result.exact (SciPy would try and run out of memory or time: its
 * exact table has (nx+1)(ny+1)(nx ny/2) entries).
 */
#ifndef FL_STATS_MWU_H
#define FL_STATS_MWU_H

#include <stddef.h>

#include "core/err.h"

enum fl_mwu_alternative {
    FL_MWU_TWO_SIDED, /* distributions differ */
    FL_MWU_LESS,      /* x stochastically less than y */
    FL_MWU_GREATER,   /* x stochastically greater than y */
};

enum fl_mwu_method {
    FL_MWU_AUTO,       /* exact when min(nx, ny) <= 8 and no ties (SciPy 1.10), else asymptotic */
    FL_MWU_EXACT,      /* exact null distribution of U; ties are not corrected for (as SciPy) */
    FL_MWU_ASYMPTOTIC, /* normal approximation with tie correction */
};

#define FL_MWU_AUTO_EXACT_MAX 8      /* SciPy: asymptotic when both sizes exceed this */
#define FL_MWU_EXACT_MAX_MN 10000000 /* cap on nx * ny for the exact distribution */
#define FL_MWU_EXACT_MAX_MIN 200     /* cap on min(nx, ny) for the exact distribution */

struct fl_mwu_result {
    double u;      /* U statistic of x (SciPy's `statistic`); U of y is nx ny - u */
    double pvalue; /* in [0, 1]; NaN in one SciPy case, see fl_mwu_test */
    double z;      /* standardized statistic of the asymptotic path (NaN on the exact path) */
    int exact;     /* 1 when pvalue came from the exact distribution */
};

/*
 * Mann-Whitney U test of x[0..nx) against y[0..ny). Ranks come from sorted copies of both
 * samples (fl_binning_sorted_copy, a bucket sort) merged in one pass, so 10^6 values take tens of
 * milliseconds. Infinities are ordinary values (they rank first or last and tie with each other;
 * SciPy 1.10 answers NaN when both -inf and +inf occur, because its rankdata looks for NaN by
 * summing the data); -0.0 ties with +0.0. With `continuity` nonzero the asymptotic numerator is
 * reduced by 0.5 (SciPy's use_continuity=True, its default). Inputs are borrowed and not modified.
 *
 * As SciPy, when every value is tied the variance is 0: with continuity the p-value is 1,
 * without it 0/0 gives a NaN p-value (FL_OK). Errors: FL_EINVAL (NULL pointers, nx or ny zero,
 * nx + ny above 2^32 - 1, a NaN anywhere: SciPy would propagate it, bad alternative or method),
 * FL_ENOMEM. Thread-safe.
 */
FL_MUST_CHECK fl_err fl_mwu_test(const double *x, size_t nx, const double *y, size_t ny,
                                 enum fl_mwu_alternative alternative, enum fl_mwu_method method,
                                 int continuity, struct fl_mwu_result *out);

#endif
