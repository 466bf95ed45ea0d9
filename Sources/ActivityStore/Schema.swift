/// The store's schema as an ordered list of migrations. A migration is never edited once it has
/// shipped: a change is a new migration appended to the list. `PRAGMA user_version` records how
/// many have run.
enum Schema {
    static let migrations: [String] = [
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
        // 6: the web view's sessions (WebSessions.swift): only the SHA-256 of each token is kept,
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
    ]
}
