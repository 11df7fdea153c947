-- 0003 inventory: a location may hold at most `capacity` units of stock in all (NULL: no limit).
-- Every movement into a location with a capacity is checked under that location's row lock
-- (inventory.hpp, lock order), so two receipts cannot both take its last room.
ALTER TABLE locations ADD COLUMN capacity numeric(20,4) CHECK (capacity >= 0);
GRANT UPDATE (capacity) ON locations TO verdict_app;
