-- 需求上报、分析研判: needs and problems raised by grassroots units (or a township for its own duties), sifted by
-- their township, forwarded to the district, and closed by a policy adjustment or a local answer.
create table needs (
  id uuid primary key default gen_random_uuid(),
  number text not null,
  district_id uuid not null references orgs (id),
  township_id uuid not null references orgs (id),
  -- the org that raised it: a grassroots unit, or a township for its own duties
  org_id uuid not null references orgs (id),
  raised_by uuid not null references users (id),
  kind text not null check (kind in ('difficulty', 'support', 'exemption', 'extension', 'suggestion', 'other')),
  plan_id uuid references plans (id),
  indicators text[] not null default '{}',
  category text check (category in ('HS', 'GF', 'HL', 'WN', 'HX')),
  title text not null,
  body text not null,
  attachments uuid[] not null default '{}',
  urgency text not null check (urgency in ('normal', 'urgent', 'critical')),
  state text not null default 'open' check (state in ('open', 'needs_info', 'forwarded', 'resolved', 'merged')),
  merged_into uuid references needs (id),
  -- triage tags: which indicators and categories it concerns, and why
  tag_indicators text[] not null default '{}',
  tag_categories text[] not null default '{}',
  tag_causes text[] not null default '{}',
  township_comment text,
  forwarded_at timestamptz,
  resolution text,
  resolved_at timestamptz,
  adjustment_id uuid,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  version integer not null default 1,
  unique (district_id, number),
  -- a merged need keeps pointing at the one it joined, also once that one is resolved
  check (state <> 'merged' or merged_into is not null)
);
create index needs_township on needs (township_id, state, created_at desc);
create index needs_org on needs (org_id, created_at desc);
create index needs_district_state on needs (district_id, state, created_at desc);

-- A need's thread: replies, requests for more, comments, and what the system did.
create table need_messages (
  id bigint generated always as identity primary key,
  need_id uuid not null references needs (id),
  author_id uuid references users (id),
  author_login text not null,
  author_org uuid references orgs (id),
  kind text not null check (kind in ('message', 'ask', 'system')),
  body text not null,
  attachments uuid[] not null default '{}',
  created_at timestamptz not null default now()
);
create index need_messages_need on need_messages (need_id, id);

-- Notices about needs: a reply, a request for more, a resolution.
alter table notices drop constraint notices_kind_check;
alter table notices add constraint notices_kind_check
  check (kind in ('remind', 'warn', 'supervise', 'summons', 'urge', 'calendar', 'need'));
