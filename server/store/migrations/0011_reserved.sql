-- 0011_reserved: a placeholder so this branch's 0012 has no gap. Number 0011
-- belongs to another branch (host labels); delete this file when merging.
SELECT 1;
