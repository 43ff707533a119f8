/* `retentiond user ...` and `retentiond token ...`: who may sign in. */
#include "cmd.h"

#include "buf.h"
#include "db.h"
#include "users.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

/* The first line of standard input, without its line end; false (one line
 * on stderr) when there is none. On a terminal it asks for it on stderr
 * and does not echo it. */
static bool read_password(char *out, size_t len)
{
    struct termios was, quiet;
    bool tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &was) == 0;
    if (tty) {
        fputs("Password: ", stderr);
        quiet = was;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    bool got = fgets(out, (int)len, stdin) != NULL;
    if (tty) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &was);
        fputc('\n', stderr);
    }
    if (!got) {
        fprintf(stderr, "retentiond: no password on standard input\n");
        return false;
    }
    out[strcspn(out, "\r\n")] = '\0';
    return true;
}

/* 0 done, 2 refused (a bad argument: err says which), 1 a database error
 * (logged). */
static int finish(bool ok, const char *err, const char *done)
{
    if (!ok && *err)
        fprintf(stderr, "retentiond: %s\n", err);
    if (ok && done)
        printf("%s\n", done);
    return ok ? 0 : *err ? 2 : 1;
}

/* user set: what changed, into done. */
static bool user_set(struct db *db, const struct users_by *by, const struct cli_args *args,
                     char *done, size_t donelen, char *err, size_t errlen)
{
    const char *name = args->positional[1];
    struct user_change c = {.role = args->role,
                            .branch = args->user_branch,
                            .email = args->email,
                            .no_email = args->no_email};
    bool ended = false, unchanged = false;
    if (!users_set(db, by, name, &c, &ended, &unchanged, err, errlen))
        return false;
    snprintf(done, donelen, "user %s: %s", name,
             unchanged ? "unchanged (it had these already)"
             : ended   ? "changed, sessions ended"
                       : "changed");
    return true;
}

int cmd_user(const struct cli_args *args)
{
    const char *verb = args->positional[0],
               *name = args->npositional > 1 ? args->positional[1] : "";
    char password[1100] = "", err[300] = "", done[200];
    struct db *db = NULL;
    struct buf out = BUF_INIT;
    bool ok = false, already = false;
    bool with_password = strcmp(verb, "add") == 0 || strcmp(verb, "passwd") == 0;
    if (with_password && !read_password(password, sizeof password))
        return 2;
    if (!cmd_db(args, &db))
        goto done; /* logged */
    /* who the audit rows name, and from where */
    const struct users_by by = {cmd_system_user(), cmd_client(db)};
    snprintf(done, sizeof done, "user %s: %s", name,
             strcmp(verb, "add") == 0
                 ? (args->temporary ? "added, to change the password first" : "added")
             : strcmp(verb, "passwd") == 0
                 ? (args->temporary ? "password changed, sessions ended, to change it first"
                                    : "password changed, sessions ended")
             : strcmp(verb, "enable") == 0 ? "enabled"
                                           : "disabled, sessions ended");
    if (strcmp(verb, "add") == 0)
        ok = users_add(db, &by, name, args->role, args->user_branch, args->email, password,
                       args->temporary, err, sizeof err);
    else if (strcmp(verb, "passwd") == 0)
        ok = users_passwd(db, &by, name, password, args->temporary, err, sizeof err);
    else if (strcmp(verb, "disable") == 0)
        ok = users_disable(db, &by, name, err, sizeof err);
    else if (strcmp(verb, "enable") == 0) {
        ok = users_enable(db, &by, name, &already, err, sizeof err);
        if (ok && already)
            snprintf(done, sizeof done, "user %s: enabled already", name);
    } else if (strcmp(verb, "set") == 0) {
        ok = user_set(db, &by, args, done, sizeof done, err, sizeof err);
    } else if ((ok = users_list(db, &out)))
        fwrite(out.data, 1, out.len, stdout);
done:
    memset(password, 0, sizeof password);
    buf_release(&out);
    db_close(db);
    return finish(ok, err, strcmp(verb, "list") == 0 ? NULL : done);
}

/* token revoke's ID: a whole number from 1 (at most 18 digits: no
 * overflow); false after one line on stderr. */
static bool token_id(const char *text, long long *id)
{
    char *end = NULL;
    *id = strtoll(text, &end, 10);
    if (end != text && !*end && *id > 0 && strlen(text) <= 18)
        return true;
    fprintf(stderr, "retentiond: token revoke takes a token id (a whole number from 1)\n");
    return false;
}

int cmd_token(const struct cli_args *args)
{
    char err[300] = "", token[TOKEN_LEN + 1], done[200];
    struct db *db = NULL;
    bool ok = false;
    long long id = 0;
    /* a bad argument is refused before the database is asked */
    if (strcmp(args->positional[0], "revoke") == 0 && !token_id(args->positional[1], &id))
        return 2;
    if (!cmd_db(args, &db))
        return 1; /* logged */
    /* who the audit rows name, and from where */
    const struct users_by by = {cmd_system_user(), cmd_client(db)};
    if (strcmp(args->positional[0], "list") == 0) {
        struct buf out = BUF_INIT;
        if ((ok = tokens_list(db, args->user, &out, err, sizeof err)))
            fwrite(out.data, 1, out.len, stdout);
        buf_release(&out);
        db_close(db);
        return finish(ok, err, NULL);
    }
    if (strcmp(args->positional[0], "add") == 0) {
        ok = tokens_add(db, &by, args->user, token, &id, err, sizeof err);
        /* shown once: only its hash is kept */
        snprintf(done, sizeof done, "token %lld for %s: %s", id, args->user, ok ? token : "");
        memset(token, 0, sizeof token);
    } else {
        ok = tokens_revoke(db, &by, id, NULL, err, sizeof err);
        snprintf(done, sizeof done, "token %lld revoked", id);
    }
    db_close(db);
    return finish(ok, err, done);
}
