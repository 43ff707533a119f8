/* libFuzzer target: dates, months and quarters as users type them
 * (?date=, ?month=, ?from=, /reports/QUARTER, --as-of). Input: a text.
 *
 * Properties, beyond "no crash, no sanitizer report": a valid date is
 * YYYY-MM-DD of a real day that the chart library reads too; shifting it
 * by zero is itself, by a month a later valid date (or "" past 9999), and
 * its month before is valid (from 1900-02 on); a valid month is YYYY-MM; a valid quarter has
 * three months, its first day the first of one and its last day a valid
 * date after it. */
#include "chart.h"
#include "date.h"
#include "fuzz.h"
#include "report.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void check_date(const char *t)
{
    if (!date_valid(t))
        return;
    int32_t day;
    char same[11], before[8];
    if (strlen(t) != 10 || !chart_date_parse(t, &day))
        abort();
    date_shift(t, 0, 0, same);
    if (strcmp(same, t) != 0)
        abort();
    char next[11];
    date_shift(t, 1, 0, next); /* a day of the next months, or "" past 9999 */
    if (*next ? !date_valid(next) || strcmp(next, t) <= 0 : strncmp(t, "9999-", 5) != 0)
        abort();
    date_month_before(t, before); /* valid from 1900-02 (dates start in 1900) */
    if (strncmp(t, "1900-01", 7) != 0 && !date_valid_month(before))
        abort();
}

static void check_quarter(const char *t)
{
    char first[11], last[11];
    if (!view_report_quarter(t, first, last))
        return;
    if (!date_valid(first) || !date_valid(last) || strcmp(first, last) >= 0 ||
        strcmp(first + 7, "-01") != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *t = fuzz_text(data, size);
    check_date(t);
    if (date_valid_month(t) && strlen(t) != 7)
        abort();
    check_quarter(t);
    free(t);
    return 0;
}
