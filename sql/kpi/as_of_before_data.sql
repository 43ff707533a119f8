-- Whether a run dated $1 would be before the warehouse's first month (the
-- oldest in dw.billing_month): a typo such as 1999 for 2026, whose run would
-- hold no figure and freeze an empty K1 cohort and K2 snapshot for its year.
-- NULL (false) while no month is listed. The first month too, for the
-- message.
SELECT ($1::date < min(month))::text, to_char(min(month), 'YYYY-MM')
FROM dw.billing_month
