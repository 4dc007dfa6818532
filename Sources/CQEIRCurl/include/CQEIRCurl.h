// CQEIRCurl — thin C shim over libcurl's easy API (Debian package libcurl4-openssl-dev,
// libcurl). Not API: QEIRNotify imports it with `internal import` to send mail over SMTP.
// Every symbol is prefixed `qeir_`. `curl_easy_setopt` and `curl_easy_getinfo` are variadic,
// which Swift cannot call, so each argument type gets its own non-variadic wrapper (as GRDB
// wraps the variadic `sqlite3_config`). libcurl's compile-time type checks are macros over the
// variadic call and would be bypassed by these wrappers anyway; the Swift caller keeps each
// option paired with the wrapper of its documented type.
#ifndef CQEIRCURL_H
#define CQEIRCURL_H

#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>

/// The read callback libcurl calls for upload data (`CURLOPT_READFUNCTION`).
typedef size_t (*qeir_curl_read_callback)(char *buffer, size_t size, size_t nitems, void *userdata);

/// The progress callback (`CURLOPT_XFERINFOFUNCTION`); a non-zero return aborts the transfer.
typedef int (*qeir_curl_xferinfo_callback)(
    void *clientp, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow);

/// `curl_easy_setopt` for options taking a `long`.
static inline CURLcode qeir_curl_easy_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

/// `curl_easy_setopt` for options taking a pointer (strings are copied by libcurl; `curl_slist`
/// and callback user data must outlive the transfer).
static inline CURLcode qeir_curl_easy_setopt_pointer(CURL *handle, CURLoption option, const void *value) {
    return curl_easy_setopt(handle, option, value);
}

/// `curl_easy_setopt` for options taking a `curl_off_t` (for example `CURLOPT_INFILESIZE_LARGE`).
static inline CURLcode qeir_curl_easy_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}

/// `curl_easy_setopt(handle, CURLOPT_READFUNCTION, callback)`.
static inline CURLcode qeir_curl_easy_setopt_read_callback(CURL *handle, qeir_curl_read_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_READFUNCTION, callback);
}

/// `curl_easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, callback)`.
static inline CURLcode qeir_curl_easy_setopt_xferinfo_callback(CURL *handle, qeir_curl_xferinfo_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, callback);
}

/// `curl_easy_getinfo` for information of type `long` (for example `CURLINFO_RESPONSE_CODE`).
static inline CURLcode qeir_curl_easy_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}

/// `CURL_GLOBAL_DEFAULT`, a macro Swift cannot see.
static inline long qeir_curl_global_default(void) { return CURL_GLOBAL_DEFAULT; }

/// `CURL_READFUNC_ABORT`: returned by a read callback to abort the transfer.
static inline size_t qeir_curl_readfunc_abort(void) { return CURL_READFUNC_ABORT; }

/// `CURL_ERROR_SIZE`: the size `CURLOPT_ERRORBUFFER` must have.
static inline int qeir_curl_error_size(void) { return CURL_ERROR_SIZE; }

#endif
