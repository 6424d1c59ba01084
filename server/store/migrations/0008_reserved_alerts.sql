-- 0008: placeholder on branch jobkinds for the alert engine's migration
-- (issue 11, lead). It does nothing; the lead's own 0008 replaces this file
-- when the branches meet (EmbedMigrations refuses a gap in the numbering).
SELECT 1;
