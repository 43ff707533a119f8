-- K3: whether each stored target's subscriber was known to dw.subscriber
-- when its list was taken, so that a daily run reads only the cancelled
-- subscribers instead of joining every target to dw.subscriber (the targets
-- unknown then are looked up again by each run). The stored lists are a
-- cache of dw.bundle_target: they are dropped here and the next run takes
-- them again with the new column.
DELETE FROM kpi.campaign_target;
DELETE FROM kpi.campaign_target_list;
ALTER TABLE kpi.campaign_target ADD COLUMN known boolean NOT NULL;
