-- What a bulletin says apart from how it is laid out (docs/bulletin.md):
-- the SHA-256 of its figures, the view's JSON (the API's) without the run's
-- id, with the bulletin's date and language. A new version is made when
-- these differ, not when the HTML does: a release that changes the layout
-- does not mail the day's bulletins again as corrections. NULL: archived
-- before this column; such a version is compared by its HTML, as it was.
ALTER TABLE kpi.bulletin ADD COLUMN figures_sha256 text;
