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
