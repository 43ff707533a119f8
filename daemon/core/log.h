/* Logging: one line per event, key=value fields, to stderr (journald adds
 * the time). Level-gated macros with printf format checking.
 *
 * A line stays one line whatever the values: the writer escapes control
 * bytes of the formatted line (a newline as \n, the other bytes below 0x20
 * and 0x7f as \xNN) and ends it with exactly one newline; a line longer
 * than LOG_LINE_MAX bytes is cut. A value between quotes (key="...") goes
 * through log_quote() first, so that a '"' in it cannot end the value. */
#ifndef RETENTIOND_LOG_H
#define RETENTIOND_LOG_H

#include <stdbool.h>
#include <stddef.h>

enum log_level { LOG_LEVEL_ERROR = 0, LOG_LEVEL_WARN, LOG_LEVEL_INFO, LOG_LEVEL_DEBUG };

/* The longest line written, before escaping, in bytes. */
#define LOG_LINE_MAX 2048

/* The current threshold; messages above it are dropped. Default INFO. */
void log_set_level(enum log_level level);
enum log_level log_get_level(void);

/* Parses "error", "warn", "info", "debug"; false on anything else. */
bool log_level_parse(const char *text, enum log_level *out);
const char *log_level_name(enum log_level level);

void log_write(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Writes value into buf (n bytes, n > 0) for a quoted field key="%s": '"'
 * and '\' escaped with a backslash, a newline as \n, other control bytes
 * (below 0x20, 0x7f) as \xNN. Cut to fit (never inside an escape) and
 * always NUL-terminated; NULL reads as "". Returns buf, so that it can be
 * an argument of the log call. The caller owns buf; value is not kept. */
const char *log_quote(char *buf, size_t n, const char *value);

#define log_error(...) log_write(LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warn(...)  log_write(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_info(...)  log_write(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...) log_write(LOG_LEVEL_DEBUG, __VA_ARGS__)

#endif
