/// The store's schema as an ordered list of migrations per engine. A migration is never edited
/// once it has shipped: a change is a new migration appended to both lists, so that "schema N"
/// means the same tables on SQLite and PostgreSQL (`store copy` relies on it). SQLite's
/// `PRAGMA user_version`, PostgreSQL's `activity_schema` table, record how many have run.
enum Schema {
    static func migrations(_ dialect: Dialect) -> [String] { dialect.isPostgres ? postgres : sqlite }

    /// The tables of the ledger, in an order that satisfies their foreign keys, each with the
    /// columns both engines have and its key columns: what `store copy` copies and compares.
    /// (`account_lease` is not the ledger: who syncs what now stays with each database.)
    static let tables: [(name: String, columns: String, key: String)] = [
        ("folder_checkpoint", "account, folder, uidvalidity, uidnext, highest_uid, highestmodseq", "account, folder"),
        ("mail", "id, rep, key, message_id, date, date_source, from_addr, from_name, to_addrs, cc_addrs, subject, thread_key, automated, headers, account, internal_date", "id"),
        ("mail_calendar_part", "mail_id, position, body", "mail_id, position"),
        ("mail_location", "account, folder, uidvalidity, uid, mail_id", "account, folder, uidvalidity, uid"),
        ("activity", "id, rep, kind, step, at, week, org, other_orgs, title, rule, source_type, account, ref, adjustment, counted, row_hash", "id"),
        ("calendar_collection", "account, url, display_name, sync_token", "account, url"),
        ("calendar_object", "account, calendar, href, etag, data", "account, calendar, href"),
        ("exchange", "rep, org, at, direction, row_hash", "rep, org, at, direction"),
        ("account_status", "account, last_attempt, last_success, last_error, last_error_at, items_seen", "account"),
        ("ledger_state", "rep, items_version, derived_version, derived_at", "rep"),
        ("malformed_item", "account, location, ref, kind, reason, first_seen, last_seen", "account, location, ref"),
        ("adjustment", "id, action, rep, activity, kind, from_kind, org, to_org, activity_at, title, ref, revokes, made_by, made_at, reason", "id"),
        ("standing", "rep, org, stage, last_at", "rep, org"),
        ("exchange_last", "rep, org, last_out, last_in", "rep, org"),
        ("week_count", "week, rep, kind, activities", "week, rep, kind"),
    ]

    /// Key for PostgreSQL's advisory lock taken while migrating ("activity" in ASCII).
    static let migrationLock: Int64 = 0x61_6374_6976_6974

    static let sqlite: [String] = [
        // 1: mail items, their locations, folder checkpoints, activities, account status.
        """
        CREATE TABLE folder_checkpoint (
            account TEXT NOT NULL,
            folder TEXT NOT NULL,
            uidvalidity INTEGER NOT NULL,
            uidnext INTEGER,
            highest_uid INTEGER NOT NULL,
            highestmodseq INTEGER,
            PRIMARY KEY (account, folder)
        );
        CREATE TABLE mail (
            id INTEGER PRIMARY KEY,
            rep TEXT NOT NULL,
            key TEXT NOT NULL,
            message_id TEXT,
            date INTEGER NOT NULL,
            date_source TEXT NOT NULL,
            from_addr TEXT,
            from_name TEXT,
            to_addrs TEXT NOT NULL,
            cc_addrs TEXT NOT NULL,
            subject TEXT NOT NULL,
            thread_key TEXT NOT NULL,
            automated TEXT,
            headers BLOB NOT NULL,
            account TEXT NOT NULL,
            UNIQUE (rep, key)
        );
        CREATE INDEX mail_rep_date ON mail (rep, date);
        CREATE TABLE mail_calendar_part (
            mail_id INTEGER NOT NULL REFERENCES mail (id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            body BLOB NOT NULL,
            PRIMARY KEY (mail_id, position)
        );
        CREATE TABLE mail_location (
            account TEXT NOT NULL,
            folder TEXT NOT NULL,
            uidvalidity INTEGER NOT NULL,
            uid INTEGER NOT NULL,
            mail_id INTEGER NOT NULL REFERENCES mail (id) ON DELETE CASCADE,
            PRIMARY KEY (account, folder, uidvalidity, uid)
        );
        CREATE INDEX mail_location_mail ON mail_location (mail_id);
        CREATE TABLE activity (
            id TEXT PRIMARY KEY,
            rep TEXT NOT NULL,
            kind TEXT NOT NULL,
            step INTEGER NOT NULL,
            at INTEGER NOT NULL,
            week TEXT NOT NULL,
            org TEXT NOT NULL,
            other_orgs TEXT NOT NULL,
            title TEXT NOT NULL,
            rule TEXT NOT NULL,
            source_type TEXT NOT NULL,
            account TEXT NOT NULL,
            ref TEXT NOT NULL
        );
        CREATE INDEX activity_rep_week ON activity (rep, week);
        CREATE INDEX activity_week ON activity (week);
        CREATE TABLE calendar_collection (
            account TEXT NOT NULL,
            url TEXT NOT NULL,
            display_name TEXT,
            sync_token TEXT,
            PRIMARY KEY (account, url)
        );
        CREATE TABLE calendar_object (
            account TEXT NOT NULL,
            calendar TEXT NOT NULL,
            href TEXT NOT NULL,
            etag TEXT NOT NULL,
            data BLOB NOT NULL,
            PRIMARY KEY (account, calendar, href)
        );
        CREATE TABLE exchange (
            rep TEXT NOT NULL,
            org TEXT NOT NULL,
            at INTEGER NOT NULL,
            direction TEXT NOT NULL
        );
        CREATE INDEX exchange_rep_at ON exchange (rep, at);
        CREATE TABLE account_status (
            account TEXT PRIMARY KEY,
            last_attempt INTEGER,
            last_success INTEGER,
            last_error TEXT,
            last_error_at INTEGER,
            items_seen INTEGER NOT NULL DEFAULT 0
        );
        """,
        // 2: indexes that answer the queries of `week` and `export` without reading table rows
        // (bench/ledger-queries): a week's stages (the highest step per organisation), the counts
        // and distinct organisations of a range of weeks, and the last exchanges per organisation.
        // Each new index starts with the columns of the one it replaces.
        """
        CREATE INDEX activity_rep_org ON activity (rep, org, at, step);
        DROP INDEX activity_week;
        CREATE INDEX activity_week_rep_kind ON activity (week, rep, kind, org);
        DROP INDEX exchange_rep_at;
        CREATE INDEX exchange_rep_at_org ON exchange (rep, at, org, direction);
        """,
        // 3: crash safety. `ledger_state` says per rep whether its activities are derived from
        // the items as they are now: every change to a rep's items bumps `items_version` in the
        // same transaction, and a derivation records the version it read in the transaction that
        // writes the activities. A rep without a row has never been derived. `malformed_item`:
        // items sync stored but could not read, for `status` and `explain`.
        """
        CREATE TABLE ledger_state (
            rep TEXT PRIMARY KEY,
            items_version INTEGER NOT NULL,
            derived_version INTEGER NOT NULL,
            derived_at INTEGER
        );
        CREATE TABLE malformed_item (
            account TEXT NOT NULL,
            location TEXT NOT NULL,
            ref TEXT NOT NULL,
            kind TEXT NOT NULL,
            reason TEXT NOT NULL,
            first_seen INTEGER NOT NULL,
            last_seen INTEGER NOT NULL,
            PRIMARY KEY (account, location, ref)
        );
        """,
        // 4: two indexes no query reads, each kept up to date on every insert: `activity_rep_week`
        // (a rep's week is read through `activity_week_rep_kind`, a rep's activities through
        // `activity_rep_org`) and `mail_location_mail` (it would only serve deleting mail, and
        // mail is never deleted: it persists once seen).
        """
        DROP INDEX activity_rep_week;
        DROP INDEX mail_location_mail;
        """,
        // 5: INTERNALDATE kept beside the Date header, so that `rebuild` can choose a mail's time
        // again when the rule changes (DOMAIN.md "Time and weeks"). NULL for mail stored before:
        // where `date_source` is `internaldate`, `date` is INTERNALDATE itself.
        """
        ALTER TABLE mail ADD COLUMN internal_date INTEGER;
        """,
        // 6: several workers on one database. `account_lease`: who syncs an account now (holder
        // `host:pid`, until `expires_at`, Unix milliseconds by the database's clock; a NULL
        // holder is free). Views for BI tools, which read the ledger without knowing its tables.
        """
        CREATE TABLE account_lease (
            account TEXT PRIMARY KEY,
            holder TEXT,
            expires_at INTEGER NOT NULL DEFAULT 0
        );
        CREATE VIEW ledger_activity AS
            SELECT id, rep, week, kind, step, datetime(at, 'unixepoch') AS at_utc, org, title, rule,
                   source_type, account, ref
            FROM activity;
        CREATE VIEW ledger_week AS
            SELECT rep, week, kind, count(*) AS activities, count(DISTINCT org) AS organisations
            FROM activity GROUP BY rep, week, kind;
        """,
        // 7: the weekly digest (issue 17): one row per user and week. `state` is `sending` from
        // just before the SMTP transaction until its outcome is recorded (a crash in between
        // leaves `sending`, and the next run sends again with the same Message-ID: at most one
        // duplicate), then `sent`, `failed` (temporary: retried) or `refused` (5xx: not retried
        // unless --force or the address changes).
        """
        CREATE TABLE digest_sent (
            login TEXT NOT NULL,
            week TEXT NOT NULL,
            email TEXT NOT NULL,
            message_id TEXT NOT NULL,
            state TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            last_attempt INTEGER,
            sent_at INTEGER,
            last_error TEXT,
            PRIMARY KEY (login, week)
        );
        """,
        // 8: the web view's sessions (WebSessions.swift): only the SHA-256 of each token is kept,
        // with the login, the session's CSRF token and when it expires.
        """
        CREATE TABLE web_session (
            token_hash TEXT PRIMARY KEY,
            login TEXT NOT NULL,
            csrf TEXT NOT NULL,
            created INTEGER NOT NULL,
            expires INTEGER NOT NULL
        );
        CREATE INDEX web_session_expires ON web_session (expires);
        """,
        // 9: corrections (issue 15, DOMAIN.md "Corrections"). `adjustment` rows are only ever
        // inserted: a revoke is a row of its own. Ids are given in order (max + 1, under the
        // write lock) so that the audit list is the order they were made. Each activity records
        // the adjustment applied to it, and `counted` is 0 for a voided one (listed, not counted).
        // The views count only what counts.
        """
        CREATE TABLE adjustment (
            id INTEGER PRIMARY KEY,
            action TEXT NOT NULL,
            rep TEXT,
            activity TEXT,
            kind TEXT,
            from_kind TEXT,
            org TEXT,
            to_org TEXT,
            activity_at INTEGER,
            title TEXT,
            ref TEXT,
            revokes INTEGER REFERENCES adjustment (id),
            made_by TEXT NOT NULL,
            made_at INTEGER NOT NULL,
            reason TEXT NOT NULL
        );
        CREATE INDEX adjustment_rep ON adjustment (rep);
        ALTER TABLE activity ADD COLUMN adjustment INTEGER;
        ALTER TABLE activity ADD COLUMN counted INTEGER NOT NULL DEFAULT 1;
        DROP VIEW ledger_activity;
        DROP VIEW ledger_week;
        CREATE VIEW ledger_activity AS
            SELECT id, rep, week, kind, step, datetime(at, 'unixepoch') AS at_utc, org, title, rule,
                   source_type, account, ref, counted, adjustment
            FROM activity;
        CREATE VIEW ledger_week AS
            SELECT rep, week, kind, count(*) AS activities, count(DISTINCT org) AS organisations
            FROM activity WHERE counted = 1 GROUP BY rep, week, kind;
        """,
        // 10: kept aggregates (issue 19), written by each derivation from the activities and
        // exchanges it writes, in the same transaction (`Store.replaceAggregates`), so that
        // `week --all`, `pipeline` and `export` read a row per organisation or week instead of a
        // rep's history. `standing`: per rep and organisation, the highest step and the latest
        // activity over all history (the pipeline's standings). `exchange_last`: per rep and
        // organisation, the latest outbound and inbound mail (follow-ups due). Both answer a
        // question "as of T" exactly for every organisation with nothing after T; the others
        // (future meetings, a past week) are read from `activity` and `exchange`, the latter
        // through the new `exchange_rep_org_at`. `week_count`: activities per week, rep and kind
        // (`export`). Filled here from what is stored.
        """
        CREATE TABLE standing (
            rep TEXT NOT NULL,
            org TEXT NOT NULL,
            stage INTEGER NOT NULL,
            last_at INTEGER NOT NULL,
            PRIMARY KEY (rep, org)
        ) WITHOUT ROWID;
        CREATE TABLE exchange_last (
            rep TEXT NOT NULL,
            org TEXT NOT NULL,
            last_out INTEGER,
            last_in INTEGER,
            PRIMARY KEY (rep, org)
        ) WITHOUT ROWID;
        CREATE INDEX exchange_rep_org_at ON exchange (rep, org, at, direction);
        CREATE TABLE week_count (
            week TEXT NOT NULL,
            rep TEXT NOT NULL,
            kind TEXT NOT NULL,
            activities INTEGER NOT NULL,
            PRIMARY KEY (week, rep, kind)
        ) WITHOUT ROWID;
        INSERT INTO standing (rep, org, stage, last_at) SELECT rep, org, max(step), max(at) FROM activity WHERE counted = 1 GROUP BY rep, org;
        INSERT INTO exchange_last (rep, org, last_out, last_in)
            SELECT rep, org, max(CASE WHEN direction = 'outbound' THEN at END), max(CASE WHEN direction = 'inbound' THEN at END)
            FROM exchange GROUP BY rep, org;
        INSERT INTO week_count (week, rep, kind, activities) SELECT week, rep, kind, count(*) FROM activity WHERE counted = 1 GROUP BY week, rep, kind;
        """,
        // 11: a 64-bit digest of each activity and exchange row (`Store.rowHash`), written with the
        // row, so that a derivation compares what it derived with what is stored by reading the
        // digests instead of every column (issue 19: `rebuild`'s time and memory). NULL for rows
        // stored before: a NULL never equals a digest, so the first derivation of each rep after
        // this migration writes its rows again (the same values) with their digests.
        """
        ALTER TABLE activity ADD COLUMN row_hash INTEGER;
        ALTER TABLE exchange ADD COLUMN row_hash INTEGER;
        """,
        // 12: `counted` in the indexes of a rep's organisations and of a range of weeks (issue
        // 19), replacing `activity_rep_org` and `activity_week_rep_kind`: the highest step and
        // latest activity of an organisation up to a moment (a week's stages, the pipeline's
        // standings of organisations with activity after the moment) and the distinct
        // organisations of `export` only count what counts, and were reading each table row
        // for `counted`.
        """
        CREATE INDEX activity_rep_org_counted ON activity (rep, org, at, step, counted);
        DROP INDEX activity_rep_org;
        CREATE INDEX activity_week_rep_kind_counted ON activity (week, rep, kind, org, counted);
        DROP INDEX activity_week_rep_kind;
        """,
    ]

    /// The same schema on PostgreSQL: migration 1 creates what SQLite's 1 to 4 made (the
    /// PostgreSQL store starts at schema 4), so 2 to 4 are empty. Text compares as bytes
    /// (`COLLATE "C"`, SQLite's BINARY), whatever the database's locale: the classifier's
    /// timeline order and the week ranges depend on it.
    static let postgres: [String] = [
        """
        CREATE TABLE folder_checkpoint (
            account TEXT COLLATE "C" NOT NULL,
            folder TEXT COLLATE "C" NOT NULL,
            uidvalidity BIGINT NOT NULL,
            uidnext BIGINT,
            highest_uid BIGINT NOT NULL,
            highestmodseq BIGINT,
            PRIMARY KEY (account, folder)
        );
        CREATE TABLE mail (
            id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            rep TEXT COLLATE "C" NOT NULL,
            key TEXT COLLATE "C" NOT NULL,
            message_id TEXT COLLATE "C",
            date BIGINT NOT NULL,
            date_source TEXT COLLATE "C" NOT NULL,
            from_addr TEXT COLLATE "C",
            from_name TEXT COLLATE "C",
            to_addrs TEXT COLLATE "C" NOT NULL,
            cc_addrs TEXT COLLATE "C" NOT NULL,
            subject TEXT COLLATE "C" NOT NULL,
            thread_key TEXT COLLATE "C" NOT NULL,
            automated TEXT COLLATE "C",
            headers BYTEA NOT NULL,
            account TEXT COLLATE "C" NOT NULL,
            UNIQUE (rep, key)
        );
        CREATE INDEX mail_rep_date ON mail (rep, date);
        CREATE TABLE mail_calendar_part (
            mail_id BIGINT NOT NULL REFERENCES mail (id) ON DELETE CASCADE,
            position BIGINT NOT NULL,
            body BYTEA NOT NULL,
            PRIMARY KEY (mail_id, position)
        );
        CREATE TABLE mail_location (
            account TEXT COLLATE "C" NOT NULL,
            folder TEXT COLLATE "C" NOT NULL,
            uidvalidity BIGINT NOT NULL,
            uid BIGINT NOT NULL,
            mail_id BIGINT NOT NULL REFERENCES mail (id) ON DELETE CASCADE,
            PRIMARY KEY (account, folder, uidvalidity, uid)
        );
        CREATE TABLE activity (
            id TEXT COLLATE "C" PRIMARY KEY,
            rep TEXT COLLATE "C" NOT NULL,
            kind TEXT COLLATE "C" NOT NULL,
            step BIGINT NOT NULL,
            at BIGINT NOT NULL,
            week TEXT COLLATE "C" NOT NULL,
            org TEXT COLLATE "C" NOT NULL,
            other_orgs TEXT COLLATE "C" NOT NULL,
            title TEXT COLLATE "C" NOT NULL,
            rule TEXT COLLATE "C" NOT NULL,
            source_type TEXT COLLATE "C" NOT NULL,
            account TEXT COLLATE "C" NOT NULL,
            ref TEXT COLLATE "C" NOT NULL
        );
        CREATE INDEX activity_rep_org ON activity (rep, org, at, step);
        CREATE INDEX activity_week_rep_kind ON activity (week, rep, kind, org);
        CREATE TABLE calendar_collection (
            account TEXT COLLATE "C" NOT NULL,
            url TEXT COLLATE "C" NOT NULL,
            display_name TEXT COLLATE "C",
            sync_token TEXT COLLATE "C",
            PRIMARY KEY (account, url)
        );
        CREATE TABLE calendar_object (
            account TEXT COLLATE "C" NOT NULL,
            calendar TEXT COLLATE "C" NOT NULL,
            href TEXT COLLATE "C" NOT NULL,
            etag TEXT COLLATE "C" NOT NULL,
            data BYTEA NOT NULL,
            PRIMARY KEY (account, calendar, href)
        );
        CREATE TABLE exchange (
            id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            rep TEXT COLLATE "C" NOT NULL,
            org TEXT COLLATE "C" NOT NULL,
            at BIGINT NOT NULL,
            direction TEXT COLLATE "C" NOT NULL
        );
        CREATE INDEX exchange_rep_at_org ON exchange (rep, at, org, direction);
        CREATE TABLE account_status (
            account TEXT COLLATE "C" PRIMARY KEY,
            last_attempt BIGINT,
            last_success BIGINT,
            last_error TEXT COLLATE "C",
            last_error_at BIGINT,
            items_seen BIGINT NOT NULL DEFAULT 0
        );
        CREATE TABLE ledger_state (
            rep TEXT COLLATE "C" PRIMARY KEY,
            items_version BIGINT NOT NULL,
            derived_version BIGINT NOT NULL,
            derived_at BIGINT
        );
        CREATE TABLE malformed_item (
            account TEXT COLLATE "C" NOT NULL,
            location TEXT COLLATE "C" NOT NULL,
            ref TEXT COLLATE "C" NOT NULL,
            kind TEXT COLLATE "C" NOT NULL,
            reason TEXT COLLATE "C" NOT NULL,
            first_seen BIGINT NOT NULL,
            last_seen BIGINT NOT NULL,
            PRIMARY KEY (account, location, ref)
        );
        """,
        "-- 2: in 1",
        "-- 3: in 1",
        "-- 4: in 1",
        // 5: as SQLite's 5.
        """
        ALTER TABLE mail ADD COLUMN internal_date BIGINT;
        """,
        // 6: as SQLite's 6.
        """
        CREATE TABLE account_lease (
            account TEXT COLLATE "C" PRIMARY KEY,
            holder TEXT COLLATE "C",
            expires_at BIGINT NOT NULL DEFAULT 0
        );
        CREATE VIEW ledger_activity AS
            SELECT id, rep, week, kind, step, to_timestamp(at) AS at_utc, org, title, rule,
                   source_type, account, ref
            FROM activity;
        CREATE VIEW ledger_week AS
            SELECT rep, week, kind, count(*) AS activities, count(DISTINCT org) AS organisations
            FROM activity GROUP BY rep, week, kind;
        """,
        // 7: as SQLite's 7.
        """
        CREATE TABLE digest_sent (
            login TEXT COLLATE "C" NOT NULL,
            week TEXT COLLATE "C" NOT NULL,
            email TEXT COLLATE "C" NOT NULL,
            message_id TEXT COLLATE "C" NOT NULL,
            state TEXT COLLATE "C" NOT NULL,
            attempts BIGINT NOT NULL DEFAULT 0,
            last_attempt BIGINT,
            sent_at BIGINT,
            last_error TEXT COLLATE "C",
            PRIMARY KEY (login, week)
        );
        """,
        // 8: as SQLite's 8.
        """
        CREATE TABLE web_session (
            token_hash TEXT COLLATE "C" PRIMARY KEY,
            login TEXT COLLATE "C" NOT NULL,
            csrf TEXT COLLATE "C" NOT NULL,
            created BIGINT NOT NULL,
            expires BIGINT NOT NULL
        );
        CREATE INDEX web_session_expires ON web_session (expires);
        """,
        // 9: as SQLite's 9; the views are replaced in place, keeping what was granted on them
        // (scripts/postgres-readonly-role.sql).
        """
        CREATE TABLE adjustment (
            id BIGINT PRIMARY KEY,
            action TEXT COLLATE "C" NOT NULL,
            rep TEXT COLLATE "C",
            activity TEXT COLLATE "C",
            kind TEXT COLLATE "C",
            from_kind TEXT COLLATE "C",
            org TEXT COLLATE "C",
            to_org TEXT COLLATE "C",
            activity_at BIGINT,
            title TEXT COLLATE "C",
            ref TEXT COLLATE "C",
            revokes BIGINT REFERENCES adjustment (id),
            made_by TEXT COLLATE "C" NOT NULL,
            made_at BIGINT NOT NULL,
            reason TEXT COLLATE "C" NOT NULL
        );
        CREATE INDEX adjustment_rep ON adjustment (rep);
        ALTER TABLE activity ADD COLUMN adjustment BIGINT;
        ALTER TABLE activity ADD COLUMN counted BIGINT NOT NULL DEFAULT 1;
        CREATE OR REPLACE VIEW ledger_activity AS
            SELECT id, rep, week, kind, step, to_timestamp(at) AS at_utc, org, title, rule,
                   source_type, account, ref, counted, adjustment
            FROM activity;
        CREATE OR REPLACE VIEW ledger_week AS
            SELECT rep, week, kind, count(*) AS activities, count(DISTINCT org) AS organisations
            FROM activity WHERE counted = 1 GROUP BY rep, week, kind;
        """,
        // 10: as SQLite's 10.
        """
        CREATE TABLE standing (
            rep TEXT COLLATE "C" NOT NULL,
            org TEXT COLLATE "C" NOT NULL,
            stage BIGINT NOT NULL,
            last_at BIGINT NOT NULL,
            PRIMARY KEY (rep, org)
        );
        CREATE TABLE exchange_last (
            rep TEXT COLLATE "C" NOT NULL,
            org TEXT COLLATE "C" NOT NULL,
            last_out BIGINT,
            last_in BIGINT,
            PRIMARY KEY (rep, org)
        );
        CREATE INDEX exchange_rep_org_at ON exchange (rep, org, at, direction);
        CREATE TABLE week_count (
            week TEXT COLLATE "C" NOT NULL,
            rep TEXT COLLATE "C" NOT NULL,
            kind TEXT COLLATE "C" NOT NULL,
            activities BIGINT NOT NULL,
            PRIMARY KEY (week, rep, kind)
        );
        INSERT INTO standing (rep, org, stage, last_at) SELECT rep, org, max(step), max(at) FROM activity WHERE counted = 1 GROUP BY rep, org;
        INSERT INTO exchange_last (rep, org, last_out, last_in)
            SELECT rep, org, max(CASE WHEN direction = 'outbound' THEN at END), max(CASE WHEN direction = 'inbound' THEN at END)
            FROM exchange GROUP BY rep, org;
        INSERT INTO week_count (week, rep, kind, activities) SELECT week, rep, kind, count(*) FROM activity WHERE counted = 1 GROUP BY week, rep, kind;
        """,
        // 11: as SQLite's 11.
        """
        ALTER TABLE activity ADD COLUMN row_hash BIGINT;
        ALTER TABLE exchange ADD COLUMN row_hash BIGINT;
        """,
        // 12: as SQLite's 12.
        """
        CREATE INDEX activity_rep_org_counted ON activity (rep, org, at, step, counted);
        DROP INDEX activity_rep_org;
        CREATE INDEX activity_week_rep_kind_counted ON activity (week, rep, kind, org, counted);
        DROP INDEX activity_week_rep_kind;
        """,
    ]
}
