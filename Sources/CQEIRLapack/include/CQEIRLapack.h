// CQEIRLapack — the one thin C shim over OpenBLAS (cblas.h) and LAPACKE.
//
// This is not API. It exists so that QEIRStats can `internal import` a prefixed,
// Swift-friendly surface: `lapack_int` is a macro Swift cannot see, so it is re-exported
// as the typedef `qeir_int`; every function is prefixed `qeir_` and column-major.
// Only the routines QEIRStats uses are wrapped.
#ifndef CQEIRLAPACK_H
#define CQEIRLAPACK_H

#include <cblas.h>
#include <lapacke.h>

typedef lapack_int qeir_int;

// MARK: - OpenBLAS threading

static inline void qeir_blas_set_threads(int n) { openblas_set_num_threads(n); }
static inline int qeir_blas_get_threads(void) { return openblas_get_num_threads(); }

// MARK: - BLAS (column-major)

static inline double qeir_ddot(int n, const double *x, int incx, const double *y, int incy) {
    return cblas_ddot(n, x, incx, y, incy);
}
static inline double qeir_dnrm2(int n, const double *x, int incx) { return cblas_dnrm2(n, x, incx); }
static inline void qeir_daxpy(int n, double a, const double *x, int incx, double *y, int incy) {
    cblas_daxpy(n, a, x, incx, y, incy);
}
static inline void qeir_dscal(int n, double a, double *x, int incx) { cblas_dscal(n, a, x, incx); }
/// y := alpha*op(A)*x + beta*y ; trans != 0 means A'.
static inline void qeir_dgemv(int trans, int m, int n, double alpha, const double *a, int lda,
                              const double *x, int incx, double beta, double *y, int incy) {
    cblas_dgemv(CblasColMajor, trans ? CblasTrans : CblasNoTrans, m, n, alpha, a, lda, x, incx, beta, y, incy);
}
/// C := alpha*op(A)*op(B) + beta*C.
static inline void qeir_dgemm(int transA, int transB, int m, int n, int k, double alpha,
                              const double *a, int lda, const double *b, int ldb, double beta,
                              double *c, int ldc) {
    cblas_dgemm(CblasColMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
/// C := alpha*A'*A + beta*C (upper triangle), A is k-by-n when trans != 0 (C is n-by-n).
static inline void qeir_dsyrk(int trans, int n, int k, double alpha, const double *a, int lda,
                              double beta, double *c, int ldc) {
    cblas_dsyrk(CblasColMajor, CblasUpper, trans ? CblasTrans : CblasNoTrans, n, k, alpha, a, lda, beta, c, ldc);
}
/// Solve op(A)*X = alpha*B with A upper triangular, in place in B (left side).
static inline void qeir_dtrsm_upper(int trans, int m, int n, double alpha, const double *a, int lda,
                                    double *b, int ldb) {
    cblas_dtrsm(CblasColMajor, CblasLeft, CblasUpper, trans ? CblasTrans : CblasNoTrans, CblasNonUnit,
                m, n, alpha, a, lda, b, ldb);
}

/// Solve X*op(A) = alpha*B with A upper triangular, in place in B (right side): B := B·A⁻¹.
static inline void qeir_dtrsm_right_upper(int trans, int m, int n, double alpha, const double *a, int lda,
                                          double *b, int ldb) {
    cblas_dtrsm(CblasColMajor, CblasRight, CblasUpper, trans ? CblasTrans : CblasNoTrans, CblasNonUnit,
                m, n, alpha, a, lda, b, ldb);
}

// MARK: - LAPACK (column-major, caller-provided workspace; lwork = -1 queries)

static inline qeir_int qeir_dgeqp3(qeir_int m, qeir_int n, double *a, qeir_int lda, qeir_int *jpvt,
                                   double *tau, double *work, qeir_int lwork) {
    return LAPACKE_dgeqp3_work(LAPACK_COL_MAJOR, m, n, a, lda, jpvt, tau, work, lwork);
}
static inline qeir_int qeir_dgeqrf(qeir_int m, qeir_int n, double *a, qeir_int lda, double *tau,
                                   double *work, qeir_int lwork) {
    return LAPACKE_dgeqrf_work(LAPACK_COL_MAJOR, m, n, a, lda, tau, work, lwork);
}
/// QR of the stacked [A; B] with A (n×n) upper triangular and B (m×n) (dtpqrt, l = 0): A is
/// overwritten by the new R; B by the reflectors. t is nb×n, work nb×n.
static inline qeir_int qeir_dtpqrt(qeir_int m, qeir_int n, qeir_int nb, double *a, qeir_int lda, double *b,
                                   qeir_int ldb, double *t, qeir_int ldt, double *work) {
    return LAPACKE_dtpqrt_work(LAPACK_COL_MAJOR, m, n, 0, nb, a, lda, b, ldb, t, ldt, work);
}
/// Apply Q' (trans != 0) or Q from a QR factorization to C (m-by-n) from the left.
/// Note: LAPACK's unblocked path writes (and restores) the diagonal of `a`: pass a private copy.
static inline qeir_int qeir_dormqr(int trans, qeir_int m, qeir_int n, qeir_int k, double *a,
                                   qeir_int lda, const double *tau, double *c, qeir_int ldc,
                                   double *work, qeir_int lwork) {
    return LAPACKE_dormqr_work(LAPACK_COL_MAJOR, 'L', trans ? 'T' : 'N', m, n, k, a, lda, tau, c, ldc,
                               work, lwork);
}
/// Explicit Q (m-by-n) from a QR factorization, in place.
static inline qeir_int qeir_dorgqr(qeir_int m, qeir_int n, qeir_int k, double *a, qeir_int lda,
                                   const double *tau, double *work, qeir_int lwork) {
    return LAPACKE_dorgqr_work(LAPACK_COL_MAJOR, m, n, k, a, lda, tau, work, lwork);
}
/// Inverse of an upper triangular matrix, in place.
static inline qeir_int qeir_dtrtri_upper(qeir_int n, double *a, qeir_int lda) {
    return LAPACKE_dtrtri_work(LAPACK_COL_MAJOR, 'U', 'N', n, a, lda);
}
static inline qeir_int qeir_dpotrf_upper(qeir_int n, double *a, qeir_int lda) {
    return LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'U', n, a, lda);
}
static inline qeir_int qeir_dpotri_upper(qeir_int n, double *a, qeir_int lda) {
    return LAPACKE_dpotri_work(LAPACK_COL_MAJOR, 'U', n, a, lda);
}
/// Eigenvalues (and vectors when wantVectors != 0) of a symmetric matrix (upper triangle used).
static inline qeir_int qeir_dsyev(int wantVectors, qeir_int n, double *a, qeir_int lda, double *w,
                                  double *work, qeir_int lwork) {
    return LAPACKE_dsyev_work(LAPACK_COL_MAJOR, wantVectors ? 'V' : 'N', 'U', n, a, lda, w, work, lwork);
}
/// Eigenvalues (wr + i·wi) of a general real matrix, no eigenvectors (dgeev, jobvl = jobvr = 'N').
static inline qeir_int qeir_dgeev_values(qeir_int n, double *a, qeir_int lda, double *wr, double *wi,
                                         double *work, qeir_int lwork) {
    double dummy = 0;
    return LAPACKE_dgeev_work(LAPACK_COL_MAJOR, 'N', 'N', n, a, lda, wr, wi, &dummy, 1, &dummy, 1, work, lwork);
}
/// Singular value decomposition; jobu/jobvt as in LAPACK ('A', 'S', 'O', 'N').
static inline qeir_int qeir_dgesvd(char jobu, char jobvt, qeir_int m, qeir_int n, double *a, qeir_int lda,
                                   double *s, double *u, qeir_int ldu, double *vt, qeir_int ldvt,
                                   double *work, qeir_int lwork) {
    return LAPACKE_dgesvd_work(LAPACK_COL_MAJOR, jobu, jobvt, m, n, a, lda, s, u, ldu, vt, ldvt, work, lwork);
}

#endif
