-- The bulletin's extra recipients, for the administrators' page (GET
-- /api/v1/bulletin-recipients, docs/bulletin.md "Recipients"): one JSON
-- array by branch code, then address. A branch gone from the warehouse
-- keeps its rows (branch_name null).
SELECT coalesce(json_agg(json_build_object(
           'branch', r.branch_code,
           'branch_name', b.name,
           'address', r.address,
           'added_at', r.added_at)
         ORDER BY r.branch_code, lower(r.address)), '[]')::text
FROM kpi.bulletin_recipient r
LEFT JOIN dw.branch b ON b.code = r.branch_code;
