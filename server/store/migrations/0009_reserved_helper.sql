-- 0009: placeholder on branch jobkinds for another issue-11 helper's
-- migration. It does nothing; that helper's own 0009 replaces this file when
-- the branches meet (EmbedMigrations refuses a gap in the numbering).
SELECT 1;
