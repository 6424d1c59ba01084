-- Placeholder on the notify branch only, so that 0009 has no gap in the
-- numbering: the alert engine's real 0008 (main) replaces this file on merge.
SELECT 1;
