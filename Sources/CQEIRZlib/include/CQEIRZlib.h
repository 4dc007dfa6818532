// CQEIRZlib — thin C shim over zlib's gzip file API (Debian package zlib1g-dev, libz).
// Not API: QEIRBatch imports it with `internal import` to compress result files. Every
// symbol is prefixed `qeir_`; the gzip handle is passed to Swift as an opaque pointer.
#ifndef CQEIRZLIB_H
#define CQEIRZLIB_H

#include <zlib.h>

/// An open gzip stream (zlib's `gzFile`), opaque to Swift.
typedef void *qeir_gzfile;

static inline qeir_gzfile qeir_gzopen(const char *path, const char *mode) { return (qeir_gzfile)gzopen(path, mode); }
static inline int qeir_gzwrite(qeir_gzfile file, const void *buffer, unsigned length) { return gzwrite((gzFile)file, buffer, length); }
static inline int qeir_gzread(qeir_gzfile file, void *buffer, unsigned length) { return gzread((gzFile)file, buffer, length); }
static inline int qeir_gzclose(qeir_gzfile file) { return gzclose((gzFile)file); }
static inline const char *qeir_gzerror(qeir_gzfile file, int *errnum) { return gzerror((gzFile)file, errnum); }
static inline int qeir_z_ok(void) { return Z_OK; }

#endif
