-- Numbered catalogue versions. At most one draft at a time; a published version never changes.
create table catalogue_versions (
  version integer primary key,
  status text not null check (status in ('draft', 'published')),
  body jsonb not null,
  note text,
  created_by uuid references users (id),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  published_by uuid references users (id),
  published_at timestamptz,
  revision integer not null default 1,
  check ((status = 'published') = (published_at is not null))
);
create unique index catalogue_one_draft on catalogue_versions ((true)) where status = 'draft';

create function catalogue_published_is_immutable() returns trigger language plpgsql as $$
begin
  if old.status = 'published' then
    raise exception 'catalogue version % is published and cannot change', old.version;
  end if;
  return case when tg_op = 'DELETE' then old else new end;
end $$;
create trigger catalogue_published_frozen before update or delete on catalogue_versions
  for each row execute function catalogue_published_is_immutable();
