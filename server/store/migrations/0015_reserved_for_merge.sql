-- 0015: placeholder on the `leases` branch only, so 0016 has no gap while
-- 0015 (another branch of issue 14) is not merged yet. Delete this file when
-- the real 0015 lands; it creates nothing.

