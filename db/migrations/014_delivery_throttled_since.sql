-- When a robot first answered that it takes no more messages this minute, for a delivery still waiting on it: such
-- refusals use up no attempt, and a delivery refused that way for a day is given up. Cleared when it is sent, and
-- when the district admin sends a dead one again.
alter table notice_deliveries add column throttled_since timestamptz;
