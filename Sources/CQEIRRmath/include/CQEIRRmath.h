// CQEIRRmath — thin C shim over R's standalone math library (Debian package r-mathlib,
// libRmath). Not API: QEIRStats imports it with `internal import` and wraps the functions
// in Sendable distribution types. Every function is prefixed `qeir_`.
#ifndef CQEIRRMATH_H
#define CQEIRRMATH_H

#define MATHLIB_STANDALONE 1
#include <Rmath.h>

static inline double qeir_pnorm(double x, double mu, double sigma, int lower, int logp) { return pnorm(x, mu, sigma, lower, logp); }
static inline double qeir_qnorm(double p, double mu, double sigma, int lower, int logp) { return qnorm(p, mu, sigma, lower, logp); }
static inline double qeir_dnorm(double x, double mu, double sigma, int logd) { return dnorm(x, mu, sigma, logd); }
static inline double qeir_pt(double x, double df, int lower, int logp) { return pt(x, df, lower, logp); }
static inline double qeir_qt(double p, double df, int lower, int logp) { return qt(p, df, lower, logp); }
static inline double qeir_dt(double x, double df, int logd) { return dt(x, df, logd); }
static inline double qeir_pf(double x, double df1, double df2, int lower, int logp) { return pf(x, df1, df2, lower, logp); }
static inline double qeir_qf(double p, double df1, double df2, int lower, int logp) { return qf(p, df1, df2, lower, logp); }
static inline double qeir_df(double x, double df1, double df2, int logd) { return df(x, df1, df2, logd); }
static inline double qeir_pchisq(double x, double df, int lower, int logp) { return pchisq(x, df, lower, logp); }
static inline double qeir_qchisq(double p, double df, int lower, int logp) { return qchisq(p, df, lower, logp); }
static inline double qeir_dchisq(double x, double df, int logd) { return dchisq(x, df, logd); }
static inline double qeir_pnchisq(double x, double df, double ncp, int lower, int logp) { return pnchisq(x, df, ncp, lower, logp); }
static inline double qeir_qnchisq(double p, double df, double ncp, int lower, int logp) { return qnchisq(p, df, ncp, lower, logp); }

#endif
