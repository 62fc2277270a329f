-- The working-day calendar as data the district maintains: a year stored here replaces the shipped table's
-- year (and HOLIDAY_CALENDAR_FILE's). A year in none of them is provisional: counted Monday–Friday.
create table calendar_years (
  year integer primary key check (year between 2000 and 2100),
  -- [{ "date": "2027-02-06", "name": "春节" }, ...], sorted by date
  holidays jsonb not null,
  workdays jsonb not null,
  -- Bumped on every change; `rearmed_revision` says the open tasks have heard of it.
  revision integer not null default 1,
  rearmed_revision integer not null default 0,
  updated_at timestamptz not null default now(),
  updated_by text not null
);

-- Calendar notices: a provisional year for the district admins, a corrected order deadline for the unit.
alter table notices drop constraint notices_kind_check;
alter table notices add constraint notices_kind_check
  check (kind in ('remind', 'warn', 'supervise', 'summons', 'urge', 'calendar'));
