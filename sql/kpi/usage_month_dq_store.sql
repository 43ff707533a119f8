-- Stores the data-quality counts of usage_month_dq.sql ($1, its JSON array:
-- one object per month) in kpi.usage_month_dq.
INSERT INTO kpi.usage_month_dq (month, unknown_subscriber, null_bill, negative_bill)
SELECT month, unknown_subscriber, null_bill, negative_bill
FROM json_populate_recordset(NULL::kpi.usage_month_dq, $1::json)
