/* The daemon's scheduler: a thread of its own that runs the daily
 * bulletin's job (bulletin_job.h) over the refresher's snapshot, at start
 * whenever the refresher publishes a new snapshot, and at least every
 * SCHEDULER_INTERVAL seconds, with a database connection of
 * its own (reconnected when lost). bulletin.schedule = 0 pauses the
 * bulletins. After the bulletins, once per newest date of the snapshot, it
 * prunes the stored runs (run_prune.h; runs.keep_days 0: never). A stop
 * interrupts the waits between mail retries; a message being sent
 * finishes first (its time-outs bound it).
 *
 * Ownership: scheduler_start() gives the caller a struct scheduler to
 * scheduler_stop(); the configuration is copied (scheduler_reconfigure()
 * copies a new one); the refresher is borrowed and must outlive it. */
#ifndef RETENTIOND_SCHEDULER_H
#define RETENTIOND_SCHEDULER_H

#include "cfg.h"
#include "refresh.h"

#include <stdbool.h>

#define SCHEDULER_INTERVAL 30

struct scheduler;

/* False (logged) when the thread or the fonts cannot start. */
bool scheduler_start(const struct cfg *cfg, struct refresh *refresh, struct scheduler **out);
void scheduler_reconfigure(struct scheduler *s, const struct cfg *cfg);
/* Runs the job now (SIGUSR1, a new snapshot). */
void scheduler_wake(struct scheduler *s);
/* Stops and joins the thread; NULL ok. */
void scheduler_stop(struct scheduler *s);

#endif
