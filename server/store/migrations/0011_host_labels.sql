-- 0011_host_labels: hosts carry labels (key=value, DESIGN.md "Fleet
-- policy"), and a notification channel may pick the hosts it hears about by a
-- label selector (issue 11, "Routing: ... which hosts (by name or label)").
-- The grammar of both lives in common/labels/labels.h; the API checks every
-- value before it reaches these columns.

-- A JSON object of string to string, e.g. {"role":"laptop","site":"berlin"}.
ALTER TABLE hosts ADD COLUMN labels TEXT NOT NULL DEFAULT '{}'
  CHECK (json_valid(labels) AND json_type(labels) = 'object');

-- A label selector in its canonical spelling ("role=laptop,site!=lab");
-- empty selects every host.
ALTER TABLE notification_channels ADD COLUMN host_selector TEXT NOT NULL DEFAULT '';
