/* Error text for the caller's buffer: every function of the chart library
 * that can fail writes one line naming the problem into (err, errlen). */
#ifndef RETENTIOND_CHART_ERR_H
#define RETENTIOND_CHART_ERR_H

#include <stddef.h>

/* printf into err (errlen bytes, always NUL-terminated); nothing when err is
 * NULL or errlen 0. */
void chart_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
