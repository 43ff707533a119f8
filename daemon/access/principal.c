#include "principal.h"

#include <string.h>

static const char *const names[ROLE_COUNT] = {"executive", "branch_manager", "auditor", "admin"};

const char *role_name(enum role r)
{
    return names[r];
}

int role_parse(const char *name)
{
    for (int r = 0; r < ROLE_COUNT; r++)
        if (name && strcmp(names[r], name) == 0)
            return r;
    return -1;
}

const char *principal_scope(const struct principal *p)
{
    return p->role == ROLE_BRANCH_MANAGER ? p->branch : NULL;
}

bool principal_name_ok(const char *name)
{
    size_t n = strlen(name);
    return n >= 1 && n <= 64 &&
           strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                        "0123456789_.@-") == n;
}
