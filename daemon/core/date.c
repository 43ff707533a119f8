#include "date.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

bool date_shaped(const char *t)
{
    if (strlen(t) != 10 || t[4] != '-' || t[7] != '-')
        return false;
    for (int i = 0; i < 10; i++) {
        if (i != 4 && i != 7 && !isdigit((unsigned char)t[i]))
            return false;
    }
    return true;
}

bool date_valid(const char *t)
{
    if (!date_shaped(t))
        return false;
    int y = atoi(t), m = atoi(t + 5), d = atoi(t + 8);
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1900 || m < 1 || m > 12 || d < 1)
        return false;
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return d <= mdays[m - 1] + (m == 2 ? leap : 0);
}

bool date_valid_month(const char *text)
{
    char day[11];
    if (strlen(text) != 7)
        return false;
    snprintf(day, sizeof day, "%.7s-01", text);
    return date_valid(day);
}

/* n digits at t, as a number no greater than max; -1 otherwise. */
static int digits(const char *t, int n, int max)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)t[i]))
            return -1;
        v = v * 10 + (t[i] - '0');
    }
    return v <= max ? v : -1;
}

/* HH:MM (hours to max_hour) at t. */
static bool hours_minutes(const char *t, int max_hour)
{
    return digits(t, 2, max_hour) >= 0 && t[2] == ':' && digits(t + 3, 2, 59) >= 0;
}

bool date_instant_valid(const char *t)
{
    char day[11];
    if (strlen(t) < 20 || t[10] != 'T')
        return false;
    snprintf(day, sizeof day, "%.10s", t);
    if (!date_valid(day) || !hours_minutes(t + 11, 23) || t[16] != ':' || digits(t + 17, 2, 59) < 0)
        return false;
    const char *z = t + 19;
    if (*z == '.') {
        size_t n = strspn(z + 1, "0123456789");
        if (n < 1 || n > 6)
            return false;
        z += 1 + n;
    }
    if (strcmp(z, "Z") == 0)
        return true;
    return (*z == '+' || *z == '-') && strlen(z) == 6 && hours_minutes(z + 1, 23);
}

void date_shift(const char *date, int months, int days, char out[11])
{
    struct tm tm = {0};
    sscanf(date, "%d-%d-%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday);
    tm.tm_year -= 1900;
    tm.tm_mon -= 1 - months;
    tm.tm_mday += days;
    tm.tm_hour = 12;
    time_t t = timegm(&tm);
    if (!gmtime_r(&t, &tm) || strftime(out, 11, "%Y-%m-%d", &tm) == 0)
        out[0] = '\0'; /* past 9999-12-31 */
}

void date_month_before(const char *date, char out[8])
{
    int y = 0, m = 0;
    sscanf(date, "%d-%d", &y, &m);
    if (--m == 0) {
        m = 12;
        y--;
    }
    /* the modulos only tell the compiler what a valid YYYY-MM date already guarantees */
    snprintf(out, 8, "%04u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u);
}
