/* Calendar dates as the daemon writes them: "YYYY-MM-DD" and months
 * "YYYY-MM" (proleptic Gregorian, no time zone: a date is a day).
 *
 * Ownership: results go into the caller's buffers. */
#ifndef RETENTIOND_DATE_H
#define RETENTIOND_DATE_H

#include <stdbool.h>

/* True when text is written YYYY-MM-DD, digits and dashes, whatever the
 * calendar says of it (2026-13-01 is). */
bool date_shaped(const char *text);
/* True when text is a valid calendar date written YYYY-MM-DD (year >= 1900). */
bool date_valid(const char *text);
/* True when text is a valid month written YYYY-MM. */
bool date_valid_month(const char *text);
/* True when text is an instant as RFC 3339 writes it: a valid date, 'T',
 * HH:MM:SS, an optional fraction of 1-6 digits, then 'Z' or +HH:MM / -HH:MM
 * (2026-11-29T16:00:00.000Z, 2026-11-30T00:00:00+08:00). */
bool date_instant_valid(const char *text);

/* The date `months` months and `days` days from `date` (YYYY-MM-DD, valid),
 * normalised as mktime does (2026-01-31 + 1 month = 2026-03-03); "" past
 * the year 9999. */
void date_shift(const char *date, int months, int days, char out[11]);

/* "YYYY-MM" of the month before the month of `date` ("YYYY-MM" or
 * "YYYY-MM-DD"). */
void date_month_before(const char *date, char out[8]);

#endif
