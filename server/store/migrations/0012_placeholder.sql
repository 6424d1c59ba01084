-- Placeholder so that 0013 builds on this branch (numbering must have no gap).
-- The lead's merge replaces it with the real 0012 migration of another part of issue 12.
SELECT 1;
