-- A new catalogue version adopted by a running plan: its targets reach the tasks not yet evaluated, through a
-- policy adjustment of kind 'catalogue' whose task rows each carry the task's own new target (it depends on the
-- unit's type and size). Points and weights stay those of the version the plan was issued with.
alter table adjustments drop constraint adjustments_kind_check;
alter table adjustments add constraint adjustments_kind_check check (kind in ('target', 'extend', 'exempt', 'support', 'catalogue'));
alter table adjustments add column catalogue_version integer;
alter table adjustments add constraint adjustments_catalogue_version check ((kind = 'catalogue') = (catalogue_version is not null));
alter table adjustment_tasks add column target numeric;
-- The version whose target rules the plan's tasks follow now (null: the one it was issued with).
alter table plans add column targets_version integer;
