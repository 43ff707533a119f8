/* `retentiond serve`: loads the configuration, starts the HTTP server and
 * runs the signal loop (SIGTERM/SIGINT stop, SIGHUP reloads the config). */
#ifndef RETENTIOND_SERVE_H
#define RETENTIOND_SERVE_H

/* config_path: the --config value or NULL (then CFG_DEFAULT_PATH, which may
 * be absent); db_override: --db or RETENTIOND_DB, or NULL. Returns the
 * process exit code. Neither string is retained beyond the call. */
int serve_main(const char *config_path, const char *db_override, const char *log_level);

#endif
