-- The read-only role for BI tools and reports on a PostgreSQL store (README, "Running several
-- machines"). Run it as the database's owner or a superuser, in the ledger's database, after
-- creating the role once:
--
--   CREATE ROLE activity_reader LOGIN PASSWORD '…';
--   psql "postgres://activity@db.example.com/activity" -f scripts/postgres-readonly-role.sql
--
-- The role reads the two views and nothing else: not the tables (mail headers are private to
-- the reps), and it can change nothing. Run it again after an upgrade that adds views.
GRANT USAGE ON SCHEMA public TO activity_reader;
GRANT SELECT ON ledger_week, ledger_activity TO activity_reader;
-- Nothing else: PostgreSQL 15 gives PUBLIC no CREATE on schema public, and the views read the
-- tables with their owner's rights, so the role needs none on the tables.
