// Typed wrappers for libcurl's variadic calls, which Swift cannot call directly.
// Each wrapper maps 1-to-1 onto one argument type of curl_easy_setopt / curl_easy_getinfo.
#ifndef ACTIVITY_CCURL_SHIM_H
#define ACTIVITY_CCURL_SHIM_H
#include <curl/curl.h>
#include <poll.h>

static inline CURLcode activity_curl_setopt_long(CURL *h, CURLoption o, long v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode activity_curl_setopt_string(CURL *h, CURLoption o, const char *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode activity_curl_setopt_pointer(CURL *h, CURLoption o, void *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode activity_curl_setopt_slist(CURL *h, CURLoption o, struct curl_slist *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode activity_curl_setopt_off(CURL *h, CURLoption o, curl_off_t v) { return curl_easy_setopt(h, o, v); }

typedef size_t (*activity_curl_data_callback)(char *ptr, size_t size, size_t nmemb, void *userdata);
static inline CURLcode activity_curl_setopt_data_callback(CURL *h, CURLoption o, activity_curl_data_callback v) { return curl_easy_setopt(h, o, v); }

typedef int (*activity_curl_debug_callback)(CURL *h, curl_infotype type, char *data, size_t size, void *userdata);
static inline CURLcode activity_curl_setopt_debug_callback(CURL *h, CURLoption o, activity_curl_debug_callback v) { return curl_easy_setopt(h, o, v); }

static inline CURLcode activity_curl_getinfo_long(CURL *h, CURLINFO i, long *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode activity_curl_getinfo_socket(CURL *h, CURLINFO i, curl_socket_t *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode activity_curl_getinfo_string(CURL *h, CURLINFO i, const char **v) { return curl_easy_getinfo(h, i, v); }
#endif
