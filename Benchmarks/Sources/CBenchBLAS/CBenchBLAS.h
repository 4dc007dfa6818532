// CBenchBLAS — the system OpenBLAS (cblas.h) and LAPACKE headers, for the ols_large floor of
// the comparison harness only (normal equations: dsyrk, dgemv, dpotrf, dpotrs). Not API.
// QEIR's own shim is CQEIRLapack; this links the same libraries.
#ifndef CBENCHBLAS_H
#define CBENCHBLAS_H

#include <cblas.h>
#include <lapacke.h>

#endif
