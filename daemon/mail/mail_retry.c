#include "mail_retry.h"

#include "log.h"

#include <errno.h>
#include <time.h>

long mail_retry_delay_ms(const struct mail_retry *r, int failures)
{
    long delay = r->first_delay_ms > 0 ? r->first_delay_ms : 0;
    for (int i = 1; i < failures && delay < r->max_delay_ms; i++)
        delay = delay > r->max_delay_ms / 2 ? r->max_delay_ms : delay * 2;
    return delay < r->max_delay_ms ? delay : r->max_delay_ms;
}

void mail_retry_sleep(void *ctx, long ms)
{
    (void)ctx;
    struct timespec left = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    while (nanosleep(&left, &left) != 0 && errno == EINTR)
        ;
}

bool mail_retry_run(const struct mail_retry *r, mail_retry_fn fn, void *ctx, int *attempts)
{
    mail_retry_sleep_fn sleep = r->sleep ? r->sleep : mail_retry_sleep;
    int max = r->max_attempts > 0 ? r->max_attempts : 1;
    enum mail_retry_verdict verdict = MAIL_RETRY_GIVE_UP;
    int n = 0;
    while (n < max) {
        verdict = fn(ctx, ++n);
        if (verdict != MAIL_RETRY_AGAIN || n == max)
            break;
        long delay = mail_retry_delay_ms(r, n);
        log_info("msg=\"retrying\" attempt=%d of=%d retry_in_ms=%ld", n + 1, max, delay);
        sleep(r->sleep_ctx, delay);
        if (r->stopped && r->stopped(r->sleep_ctx))
            break;
    }
    if (attempts)
        *attempts = n;
    return verdict == MAIL_RETRY_DONE;
}
