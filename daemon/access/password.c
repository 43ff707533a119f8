#include "password.h"

#include "clock.h"
#include "log.h"
#include "mem.h"
#include "random.h"

#include <argon2.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SALT_LEN 16
#define HASH_LEN 32

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t freed = PTHREAD_COND_INITIALIZER;
static int running, limit = 2, wait_ms = 2000;
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;
static char *dummy;

void password_set_limit(int new_limit, int new_wait_ms)
{
    pthread_mutex_lock(&mu);
    limit = new_limit > 0 ? new_limit : 1;
    wait_ms = new_wait_ms >= 0 ? new_wait_ms : 0;
    pthread_cond_broadcast(&freed);
    pthread_mutex_unlock(&mu);
}

/* A place among the hashes running at once, waiting up to wait_ms. */
static bool enter(void)
{
    struct timespec until = clock_in_ms(CLOCK_REALTIME, wait_ms);
    pthread_mutex_lock(&mu);
    int rc = 0;
    while (running >= limit && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&freed, &mu, &until);
    bool ok = running < limit;
    running += ok;
    pthread_mutex_unlock(&mu);
    return ok;
}

static void leave(void)
{
    pthread_mutex_lock(&mu);
    running--;
    pthread_cond_signal(&freed);
    pthread_mutex_unlock(&mu);
}

enum password_result password_hash(const char *password, char **phc)
{
    unsigned char salt[SALT_LEN];
    size_t len = argon2_encodedlen(PASSWORD_T_COST, PASSWORD_M_COST_KIB, PASSWORD_LANES, SALT_LEN,
                                   HASH_LEN, Argon2_id);
    *phc = NULL;
    if (!random_bytes(salt, sizeof salt))
        return PASSWORD_ERROR;
    if (!enter())
        return PASSWORD_BUSY;
    char *out = xmalloc(len);
    int rc = argon2id_hash_encoded(PASSWORD_T_COST, PASSWORD_M_COST_KIB, PASSWORD_LANES, password,
                                   strlen(password), salt, sizeof salt, HASH_LEN, out, len);
    leave();
    if (rc != ARGON2_OK) {
        log_error("msg=\"password hash failed\" reason=\"%s\"", argon2_error_message(rc));
        free(out);
        return PASSWORD_ERROR;
    }
    *phc = out;
    return PASSWORD_OK;
}

enum password_result password_verify(const char *phc, const char *password)
{
    if (!enter())
        return PASSWORD_BUSY;
    int rc = argon2id_verify(phc, password, strlen(password));
    leave();
    if (rc == ARGON2_OK)
        return PASSWORD_OK;
    if (rc == ARGON2_VERIFY_MISMATCH)
        return PASSWORD_MISMATCH;
    log_error("msg=\"password check failed\" reason=\"%s\"", argon2_error_message(rc));
    return PASSWORD_ERROR;
}

static void make_dummy(void)
{
    char secret[33];
    if (random_hex(16, secret) && password_hash(secret, &dummy) != PASSWORD_OK)
        dummy = NULL;
}

const char *password_dummy(void)
{
    pthread_once(&dummy_once, make_dummy);
    return dummy;
}
