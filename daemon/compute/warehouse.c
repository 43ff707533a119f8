#include "warehouse.h"

#include "log.h"

#include <string.h>

enum col_family { F_INT, F_TEXT, F_DATE, F_NUM, F_BOOL, F_TEXTARR };

struct contract_col {
    const char *table;
    const char *column;
    enum col_family family;
};

static const struct contract_col contract[] = {
    {"branch", "branch_id", F_INT},
    {"branch", "code", F_TEXT},
    {"branch", "name", F_TEXT},
    {"branch", "parent_id", F_INT},
    {"branch", "level", F_INT},
    {"subscriber", "sub_id", F_INT},
    {"subscriber", "branch_id", F_INT},
    {"subscriber", "brand", F_TEXT},
    {"subscriber", "activated_on", F_DATE},
    {"subscriber", "cancelled_on", F_DATE},
    {"vip_membership", "sub_id", F_INT},
    {"vip_membership", "tier", F_TEXT},
    {"vip_membership", "valid_from", F_DATE},
    {"vip_membership", "valid_to", F_DATE},
    {"billing_month", "month", F_DATE},
    {"billing_month", "closed_on", F_DATE},
    {"monthly_usage", "sub_id", F_INT},
    {"monthly_usage", "month", F_DATE},
    {"monthly_usage", "bill_amount", F_NUM},
    {"monthly_usage", "calling_mou", F_INT},
    {"monthly_usage", "min_commit", F_BOOL},
    {"monthly_usage", "status", F_TEXT},
    {"bundle_campaign", "campaign_id", F_INT},
    {"bundle_campaign", "name", F_TEXT},
    {"bundle_campaign", "starts_on", F_DATE},
    {"bundle_campaign", "ends_on", F_DATE},
    {"bundle_campaign", "policies", F_TEXTARR},
    {"bundle_target", "campaign_id", F_INT},
    {"bundle_target", "sub_id", F_INT},
    {"bundle_target", "branch_id", F_INT},
    {"bundle_contract", "contract_id", F_INT},
    {"bundle_contract", "sub_id", F_INT},
    {"bundle_contract", "policy", F_TEXT},
    {"bundle_contract", "signed_on", F_DATE},
    {"bundle_contract", "ended_on", F_DATE},
    {"satisfaction_indicator", "code", F_TEXT},
    {"satisfaction_indicator", "parent_code", F_TEXT},
    {"satisfaction_indicator", "weight", F_NUM},
    {"satisfaction_indicator", "name", F_TEXT},
    {"survey_response", "response_id", F_INT},
    {"survey_response", "branch_id", F_INT},
    {"survey_response", "brand", F_TEXT},
    {"survey_response", "surveyed_on", F_DATE},
    {"survey_response", "indicator", F_TEXT},
    {"survey_response", "score", F_NUM},
};

static const char *const family_names[] = {"an integer", "text",      "a date",
                                           "a number",   "a boolean", "a text array"};

static bool type_fits(enum col_family f, const char *type)
{
    switch (f) {
    case F_INT:
        return !strcmp(type, "integer") || !strcmp(type, "bigint") || !strcmp(type, "smallint");
    case F_TEXT:
        return !strcmp(type, "text") || !strncmp(type, "character", 9);
    case F_DATE:
        return !strcmp(type, "date");
    case F_NUM:
        return !strncmp(type, "numeric", 7) || !strcmp(type, "double precision") ||
               !strcmp(type, "real");
    case F_BOOL:
        return !strcmp(type, "boolean");
    case F_TEXTARR:
        return !strcmp(type, "text[]") || !strcmp(type, "character varying[]");
    }
    return false;
}

static int find_column(const struct db_result *res, const char *table, const char *column,
                       bool *table_seen)
{
    for (int i = 0; i < db_rows(res); i++) {
        if (strcmp(db_value(res, i, 0), table) != 0)
            continue;
        *table_seen = true;
        if (strcmp(db_value(res, i, 1), column) == 0)
            return i;
    }
    return -1;
}

bool warehouse_check(struct db *db)
{
    struct db_result *res = NULL;
    bool ok = false;
    if (!db_query(db,
                  "SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod)"
                  " FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid"
                  " JOIN pg_namespace n ON n.oid = c.relnamespace"
                  " WHERE n.nspname = 'dw' AND a.attnum > 0 AND NOT a.attisdropped"
                  " AND c.relkind IN ('r', 'p', 'v', 'm', 'f')",
                  0, NULL, &res))
        goto done;
    for (size_t i = 0; i < sizeof contract / sizeof contract[0]; i++) {
        const struct contract_col *c = &contract[i];
        bool table_seen = false;
        int row = find_column(res, c->table, c->column, &table_seen);
        if (!table_seen) {
            log_error("msg=\"warehouse contract broken\" reason=\"table dw.%s is missing\"",
                      c->table);
            goto done;
        }
        if (row < 0) {
            log_error("msg=\"warehouse contract broken\" reason=\"column dw.%s.%s is missing\"",
                      c->table, c->column);
            goto done;
        }
        const char *type = db_value(res, row, 2);
        if (!type_fits(c->family, type)) {
            log_error("msg=\"warehouse contract broken\" reason=\"dw.%s.%s is %s, expected %s\"",
                      c->table, c->column, type, family_names[c->family]);
            goto done;
        }
    }
    ok = true;
done:
    db_result_free(res);
    return ok;
}
