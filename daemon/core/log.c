#include "log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

static atomic_int current_level = LOG_LEVEL_INFO;

static const char *const level_names[] = {"error", "warn", "info", "debug"};

void log_set_level(enum log_level level)
{
    atomic_store(&current_level, (int)level);
}

enum log_level log_get_level(void)
{
    return (enum log_level)atomic_load(&current_level);
}

bool log_level_parse(const char *text, enum log_level *out)
{
    for (size_t i = 0; i < sizeof level_names / sizeof level_names[0]; i++) {
        if (strcmp(text, level_names[i]) == 0) {
            *out = (enum log_level)i;
            return true;
        }
    }
    return false;
}

const char *log_level_name(enum log_level level)
{
    return level_names[level];
}

/* Byte c as written into out: a newline as \n, other control bytes as \xNN,
 * with quoted also '"' and '\' behind a backslash, else itself. Returns the
 * length (out is NUL-terminated). */
static size_t escape_byte(unsigned char c, bool quoted, char out[5])
{
    if (c == '\n') {
        memcpy(out, "\\n", 3);
        return 2;
    }
    if (c < 0x20 || c == 0x7f) {
        snprintf(out, 5, "\\x%02x", c);
        return 4;
    }
    size_t k = 0;
    if (quoted && (c == '"' || c == '\\'))
        out[k++] = '\\';
    out[k++] = (char)c;
    out[k] = '\0';
    return k;
}

/* Copies src escaped into dst (n > 0 bytes, NUL-terminated), up to the
 * last escape that fits; returns the length written. */
static size_t escape_into(char *dst, size_t n, const char *src, bool quoted)
{
    size_t len = 0;
    char e[5];
    for (const unsigned char *p = (const unsigned char *)src; *p; p++) {
        size_t k = escape_byte(*p, quoted, e);
        if (len + k >= n)
            break;
        memcpy(dst + len, e, k);
        len += k;
    }
    dst[len] = '\0';
    return len;
}

const char *log_quote(char *buf, size_t n, const char *value)
{
    escape_into(buf, n, value ? value : "", true);
    return buf;
}

void log_write(enum log_level level, const char *fmt, ...)
{
    if ((int)level > atomic_load(&current_level))
        return;
    char raw[LOG_LINE_MAX];
    int n = snprintf(raw, sizeof raw, "level=%s ", level_names[level]);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw + n, sizeof raw - (size_t)n, fmt, ap);
    va_end(ap);
    /* room for every byte escaped as \xNN, the newline and the NUL */
    char line[4 * LOG_LINE_MAX + 2];
    size_t len = escape_into(line, sizeof line - 1, raw, false);
    line[len] = '\n';
    line[len + 1] = '\0';
    /* One fputs per line, so that lines from threads do not interleave. */
    fputs(line, stderr);
}
