import Foundation
import ActivityCore

/// Where a folder's sync stands: what the server said last time and the highest UID stored.
public struct FolderCheckpoint: Sendable, Equatable {
    public var uidValidity: UInt32
    public var uidNext: UInt32?
    public var highestUID: UInt32
    public var highestModSeq: UInt64?

    public init(uidValidity: UInt32, uidNext: UInt32?, highestUID: UInt32, highestModSeq: UInt64?) {
        self.uidValidity = uidValidity
        self.uidNext = uidNext
        self.highestUID = highestUID
        self.highestModSeq = highestModSeq
    }
}

/// One stored mail with where it was found (for the activity's source).
public struct StoredMail: Sendable {
    public var item: MailItem
    public var account: String
}

/// Per-account health for `activity status`.
public struct AccountStatus: Sendable, Equatable, Codable {
    public var account: String
    public var lastAttempt: Date?
    public var lastSuccess: Date?
    public var lastError: String?
    public var lastErrorAt: Date?
    public var itemsSeen: Int
}

/// The store: items as fetched, sync checkpoints, derived activities, leases. One interface
/// over two engines, SQLite (the embedded default; WAL, so the CLI reads while a sync writes)
/// and PostgreSQL (several sync machines and BI tools on one database). The connection is
/// private: callers ask the store, never the database.
public final class Store {
    let db: any Connection
    /// Where this store is (a worker thread opens a connection of its own with `reopened()`).
    public let location: StoreLocation

    public init(location: StoreLocation) throws {
        self.location = location
        switch location {
        case .sqlite(let path):
            let sqlite = try SQLiteDatabase(path: path)
            try sqlite.execute("PRAGMA journal_mode = WAL")
            try sqlite.execute("PRAGMA synchronous = NORMAL")
            // Checkpoints every 32 MB of WAL rather than 4 MB: a first sync of 100,000 messages
            // fsyncs 23 times instead of 113, and a page written twice meanwhile is copied once.
            try sqlite.execute("PRAGMA wal_autocheckpoint = 8192")
            try sqlite.execute("PRAGMA foreign_keys = ON")
            db = sqlite
        case .postgres(let url):
            db = try PostgresConnection(url: url)
        }
        try migrate()
    }

    public convenience init(path: String) throws { try self.init(location: .sqlite(path: path)) }

    /// For a command that reads much of a large store and writes little (`week`, `export`):
    /// SQLite reads the file through a memory map instead of a `read` per page (a tenth of
    /// `week --all`'s time on a million activities went to copying pages). Not for syncs: mapped
    /// pages count in the resident set.
    public func preferMappedReads() {
        guard case .sqlite = location else { return }
        try? db.execute("PRAGMA mmap_size = 1073741824")
    }

    /// A number that changes when another connection commits (SQLite's `data_version`), for caches
    /// of what was read; nil where the engine has none (PostgreSQL: such caches fall back to their age).
    public func changeMarker() throws -> Int64? {
        guard case .sqlite = location else { return nil }
        return try db.prepare("PRAGMA data_version").first { $0.int(0) }
    }

    /// Another connection to the same store, for another thread.
    public func reopened() throws -> Store { try Store(location: location) }

    /// Whether `location` may hold a ledger already: an SQLite file that exists, or any
    /// PostgreSQL database (opening it tells).
    public static func mayExist(_ location: StoreLocation) -> Bool {
        switch location {
        case .sqlite(let path): return FileManager.default.fileExists(atPath: path)
        case .postgres: return true
        }
    }

    /// Whether several processes may sync into this store at once (taking leases), or one at
    /// a time (SQLite, under `StoreLock`).
    public var isShared: Bool { location.isPostgres }

    /// The schema version this program writes.
    public static var schemaVersion: Int { Schema.sqlite.count }

    func migrate() throws {
        let migrations = Schema.migrations(db.dialect)
        if db.dialect.isPostgres {
            try db.transaction { () throws -> Void in
                // One worker migrates; the others wait here and then find nothing to do.
                try db.prepare("SELECT pg_advisory_xact_lock(?)").bind(.int(Schema.migrationLock)).forEach { _ in }
                try db.execute("CREATE TABLE IF NOT EXISTS activity_schema (version INTEGER NOT NULL)")
                let found: Int64?? = try db.prepare("SELECT max(version) FROM activity_schema").first { $0.optionalInt(0) }
                let current = Int((found ?? nil) ?? 0)
                try checkNotNewer(current, migrations.count)
                guard current < migrations.count else { return }
                for (i, sql) in migrations.enumerated() where i >= current { try db.execute(sql) }
                try db.execute("DELETE FROM activity_schema")
                try db.prepare("INSERT INTO activity_schema (version) VALUES (?)").bind(.int(migrations.count)).run()
            }
            return
        }
        let version = Int(try db.prepare("PRAGMA user_version").first { $0.int(0) } ?? 0)
        try checkNotNewer(version, migrations.count)
        guard version < migrations.count else { return }
        try db.transaction { () throws -> Void in
            // Read again under the write lock: another process (a daemon starting while
            // `status` opens the store) may have migrated since the first look.
            let current = Int(try db.prepare("PRAGMA user_version").first { $0.int(0) } ?? 0)
            for (i, sql) in migrations.enumerated() where i >= current {
                try db.execute(sql)
            }
            try db.execute("PRAGMA user_version = \(max(current, migrations.count))")
        }
    }

    private func checkNotNewer(_ version: Int, _ known: Int) throws {
        if version > known {
            throw ActivityError(.dataError, "store \(db.name): written by a newer version of activity (schema \(version)); upgrade activity")
        }
    }

    /// Set while a worker syncs accounts under leases: every write transaction of this
    /// connection checks, before it commits, that the worker still holds them (see `Leases`).
    public var fence: LeaseFence?

    /// Runs `body` in one write transaction: all of it is committed, or none of it.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        guard let fence else { return try db.transaction(body) }
        return try db.transaction {
            let result = try body()
            try checkFence(fence)
            return result
        }
    }

    /// Runs `body` in one read transaction: every read sees the same snapshot of the store.
    public func readTransaction<T>(_ body: () throws -> T) throws -> T { try db.readTransaction(body) }

    // MARK: - Folder checkpoints

    /// A row of `folder_checkpoint` (without its key).
    enum CheckpointColumn: Int32, Columns { case uidvalidity, uidnext, highestUID, highestmodseq }

    public func checkpoint(account: String, folder: String) throws -> FolderCheckpoint? {
        typealias C = CheckpointColumn
        return try db.prepare("SELECT \(C.list()) FROM folder_checkpoint WHERE account = ? AND folder = ?")
            .bind(.text(account), .text(folder))
            .first { row in
                FolderCheckpoint(uidValidity: UInt32(truncatingIfNeeded: row.int(C.uidvalidity)),
                                 uidNext: row.optionalInt(C.uidnext).map { UInt32(truncatingIfNeeded: $0) },
                                 highestUID: UInt32(truncatingIfNeeded: row.int(C.highestUID)),
                                 highestModSeq: row.optionalInt(C.highestmodseq).map { UInt64(bitPattern: $0) })
            }
    }

    public func saveCheckpoint(_ c: FolderCheckpoint, account: String, folder: String) throws {
        try db.prepare("""
            INSERT INTO folder_checkpoint (account, folder, uidvalidity, uidnext, highest_uid, highestmodseq)
            VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (account, folder) DO UPDATE SET uidvalidity = excluded.uidvalidity, uidnext = excluded.uidnext,
                highest_uid = excluded.highest_uid, highestmodseq = excluded.highestmodseq
            """)
            .bind(.text(account), .text(folder), .int(Int64(c.uidValidity)), c.uidNext.map { .int(Int64($0)) },
                  .int(Int64(c.highestUID)), c.highestModSeq.map { .int(Int64(bitPattern: $0)) })
            .run()
    }

    /// The folders of an account that have a checkpoint.
    public func checkpointFolders(account: String) throws -> [String] {
        try db.prepare("SELECT folder FROM folder_checkpoint WHERE account = ? ORDER BY folder").bind(.text(account)).map { $0.text(0) }
    }

    /// A folder gone from the server (deleted or renamed): its checkpoint and locations go, its
    /// mail stays (archiving mail must not erase a rep's work).
    public func forgetFolder(account: String, folder: String) throws {
        try forgetLocations(account: account, folder: folder)
        try db.prepare("DELETE FROM folder_checkpoint WHERE account = ? AND folder = ?").bind(.text(account), .text(folder)).run()
    }

    /// A new UIDVALIDITY: the folder's old locations mean nothing any more. The mails themselves
    /// stay (they are keyed by Message-ID and come back, once, on the full resync).
    public func forgetLocations(account: String, folder: String) throws {
        try db.prepare("DELETE FROM mail_location WHERE account = ? AND folder = ?").bind(.text(account), .text(folder)).run()
    }

    // MARK: - Mail

    /// Stores a mail for a rep and where it was found. Returns true if the mail was new to the
    /// rep (a Message-ID already stored from another folder or account counts once).
    @discardableResult
    public func insertMail(rep: String, item: MailItem, headers: [UInt8], account: String, folder: String,
                           uidValidity: UInt32, uid: UInt32) throws -> Bool {
        let inserted = try db.prepare(literal: """
            INSERT INTO mail (rep, key, message_id, date, date_source, from_addr, from_name, to_addrs, cc_addrs, subject,
                              thread_key, automated, headers, account, internal_date)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (rep, key) DO NOTHING RETURNING id
            """)
            .bind(.text(rep), .text(item.key), item.messageID.map { .text($0) }, .int(Int64(item.date.timeIntervalSince1970.rounded(.down))),
                  .text(item.dateSource), item.from.map { .text($0) }, item.fromName.map { .text($0) },
                  .text(item.to.joined(separator: "\n")), .text(item.cc.joined(separator: "\n")), .text(item.subject),
                  .text(item.threadKey), item.automated.map { .text($0) }, .blob(headers), .text(account),
                  item.internalDate.map { .int(Int64($0.timeIntervalSince1970.rounded(.down))) })
            .first { $0.int(0) }
        let isNew = inserted != nil
        let mailID: Int64
        if let inserted {
            mailID = inserted
            for (i, part) in item.calendarParts.enumerated() {
                try db.prepare(literal: "INSERT INTO mail_calendar_part (mail_id, position, body) VALUES (?, ?, ?)")
                    .bind(.int(mailID), .int(Int64(i)), .blob(part)).run()
            }
        } else {
            mailID = try db.prepare(literal: "SELECT id FROM mail WHERE rep = ? AND key = ?").bind(.text(rep), .text(item.key))
                .first { $0.int(0) } ?? 0
        }
        try db.prepare(literal: "INSERT INTO mail_location (account, folder, uidvalidity, uid, mail_id) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")
            .bind(.text(account), .text(folder), .int(Int64(uidValidity)), .int(Int64(uid)), .int(mailID)).run()
        return isNew
    }

    /// A fetched mail to store, and where it was found (`insertMails`).
    public struct NewMail: Sendable {
        public var rep: String
        public var item: MailItem
        public var headers: [UInt8]
        public var account: String
        public var folder: String
        public var uidValidity: UInt32
        public var uid: UInt32

        public init(rep: String, item: MailItem, headers: [UInt8], account: String, folder: String, uidValidity: UInt32, uid: UInt32) {
            self.rep = rep
            self.item = item
            self.headers = headers
            self.account = account
            self.folder = folder
            self.uidValidity = uidValidity
            self.uid = uid
        }
    }

    /// Stores a batch of mail, in the caller's transaction, as `insertMail` would one by one (in
    /// order: of two mails with one key, the first is stored and the second only located).
    /// Returns how many were new to their rep. On SQLite, where a statement costs no round trip,
    /// that is `insertMail` in a loop; on PostgreSQL, where each statement is a round trip to the
    /// server, a few multi-row statements per table instead of two or three per mail.
    @discardableResult
    public func insertMails(_ mails: [NewMail]) throws -> Int {
        guard db.dialect.isPostgres else {
            var inserted = 0
            // By index: each mail is read where it lies, not copied out of the array first.
            for i in mails.indices where try insertMail(rep: mails[i].rep, item: mails[i].item, headers: mails[i].headers,
                                                        account: mails[i].account, folder: mails[i].folder,
                                                        uidValidity: mails[i].uidValidity, uid: mails[i].uid) {
                inserted += 1
            }
            return inserted
        }
        struct Key: Hashable { var rep: String, key: String }
        enum Returned: Int32, Columns { case rep, key, id }
        // The mails: those whose key was already stored (or came earlier in the batch) do nothing.
        var ids: [Key: Int64] = [:]
        var isNew = Set<Key>()
        try MultiRow.run(db, head: """
            INSERT INTO mail (rep, key, message_id, date, date_source, from_addr, from_name, to_addrs, cc_addrs, subject,
                              thread_key, automated, headers, account, internal_date) VALUES
            """, tail: "ON CONFLICT (rep, key) DO NOTHING RETURNING \(Returned.list())", rows: mails.map { m in
            let item = m.item
            return [.text(m.rep), .text(item.key), item.messageID.map { .text($0) }, .int(Int64(item.date.timeIntervalSince1970.rounded(.down))),
                    .text(item.dateSource), item.from.map { .text($0) }, item.fromName.map { .text($0) },
                    .text(item.to.joined(separator: "\n")), .text(item.cc.joined(separator: "\n")), .text(item.subject),
                    .text(item.threadKey), item.automated.map { .text($0) }, .blob(m.headers), .text(m.account),
                    item.internalDate.map { .int(Int64($0.timeIntervalSince1970.rounded(.down))) }]
        }) { row in
            let key = Key(rep: row.text(Returned.rep), key: row.text(Returned.key))
            ids[key] = row.int(Returned.id)
            isNew.insert(key)
        }
        // The ids of the mails that were stored before this batch.
        let known = Dictionary(grouping: Set(mails.map { Key(rep: $0.rep, key: $0.item.key) }).filter { ids[$0] == nil }, by: \.rep)
        for (rep, keys) in known.sorted(by: { $0.key < $1.key }) {
            try MultiRow.run(db, head: "SELECT \(Returned.list()) FROM mail WHERE rep = ? AND key IN (", tail: ")", prefix: [.text(rep)],
                             rows: keys.map { [.text($0.key)] }, tuples: false) { row in
                ids[Key(rep: rep, key: row.text(Returned.key))] = row.int(Returned.id)
            }
        }
        // The invitation parts of the new mails (the first of a key in the batch only).
        var parts: [[SQLValue?]] = []
        var counted = Set<Key>()
        for m in mails {
            let key = Key(rep: m.rep, key: m.item.key)
            guard isNew.contains(key), counted.insert(key).inserted, let id = ids[key] else { continue }
            for (i, part) in m.item.calendarParts.enumerated() { parts.append([.int(id), .int(Int64(i)), .blob(part)]) }
        }
        try MultiRow.run(db, head: "INSERT INTO mail_calendar_part (mail_id, position, body) VALUES", tail: "", rows: parts)
        try MultiRow.run(db, head: "INSERT INTO mail_location (account, folder, uidvalidity, uid, mail_id) VALUES",
                         tail: "ON CONFLICT DO NOTHING", rows: mails.compactMap { m in
            ids[Key(rep: m.rep, key: m.item.key)].map { [.text(m.account), .text(m.folder), .int(Int64(m.uidValidity)), .int(Int64(m.uid)), .int($0)] }
        })
        return counted.count
    }

    public func mailCount(rep: String? = nil) throws -> Int {
        if let rep {
            return try db.prepare("SELECT count(*) FROM mail WHERE rep = ?").bind(.text(rep)).first { Int($0.int(0)) } ?? 0
        }
        return try db.prepare("SELECT count(*) FROM mail").first { Int($0.int(0)) } ?? 0
    }

    public func locationCount(account: String, folder: String) throws -> Int {
        try db.prepare("SELECT count(*) FROM mail_location WHERE account = ? AND folder = ?")
            .bind(.text(account), .text(folder)).first { Int($0.int(0)) } ?? 0
    }

    /// A row of `mail` as the classifier reads it: its columns, and its one mapping to a mail
    /// item (without the raw headers, which only `reparseMail` and `explain` read).
    enum MailColumn: Int32, Columns {
        case id, key, messageID, date, dateSource, fromAddr, fromName, toAddrs, ccAddrs, subject, threadKey, automated, account
        static let select = "SELECT \(list()) FROM mail"
    }

    static func storedMail(_ row: any Row, calendarParts: [Int64: [[UInt8]]] = [:]) -> StoredMail {
        typealias C = MailColumn
        let item = MailItem(key: row.text(C.key), messageID: row.optionalText(C.messageID), date: row.date(C.date),
                            dateSource: row.text(C.dateSource), from: row.optionalText(C.fromAddr), fromName: row.optionalText(C.fromName),
                            to: Store.lines(row.text(C.toAddrs)), cc: Store.lines(row.text(C.ccAddrs)), subject: row.text(C.subject),
                            threadKey: row.text(C.threadKey), automated: row.optionalText(C.automated),
                            calendarParts: calendarParts[row.int(C.id)] ?? [])
        return StoredMail(item: item, account: row.text(C.account))
    }

    /// The columns of `mail` the classifier reads (`forEachMail`).
    enum ClassifiedMailColumn: Int32, Columns {
        case key, date, fromAddr, toAddrs, ccAddrs, subject, threadKey, automated, account
    }

    /// Every mail of a rep in the classifier's timeline order (date, then key as UTF-8 bytes),
    /// one at a time and without calendar parts (see `mailsWithCalendarParts`): a rep's whole
    /// history is never held in memory. Each item carries only what the classifier reads: no
    /// Message-ID, display name or date source (nil, nil and "").
    public func forEachMail(rep: String, _ body: (StoredMail) throws -> Void) throws {
        typealias C = ClassifiedMailColumn
        try db.prepare("SELECT \(C.list()) FROM mail WHERE rep = ? ORDER BY date, key").bind(.text(rep)).forEach { row in
            let item = MailItem(key: row.text(C.key), messageID: nil, date: row.date(C.date), dateSource: "", from: row.optionalText(C.fromAddr),
                                fromName: nil, to: Store.lines(row.text(C.toAddrs)), cc: Store.lines(row.text(C.ccAddrs)),
                                subject: row.text(C.subject), threadKey: row.text(C.threadKey), automated: row.optionalText(C.automated))
            try body(StoredMail(item: item, account: row.text(C.account)))
        }
    }

    /// The mail of a rep that carries invitations (text/calendar parts), with its parts.
    public func mailsWithCalendarParts(rep: String) throws -> [StoredMail] {
        let parts = try calendarParts(rep: rep)
        return try db.prepare("""
            \(MailColumn.select) WHERE rep = ? AND id IN (SELECT mail_id FROM mail_calendar_part) ORDER BY id
            """).bind(.text(rep)).map { Store.storedMail($0, calendarParts: parts) }
    }

    /// Every mail of a rep, with calendar parts, in no particular order.
    public func mails(rep: String) throws -> [StoredMail] {
        let parts = try calendarParts(rep: rep)
        return try db.prepare("\(MailColumn.select) WHERE rep = ?").bind(.text(rep)).map { Store.storedMail($0, calendarParts: parts) }
    }

    /// A rep's calendar parts by mail id, in part order.
    private func calendarParts(rep: String) throws -> [Int64: [[UInt8]]] {
        enum C: Int32, Columns { case mailID, body }
        var parts: [Int64: [[UInt8]]] = [:]
        try db.prepare("""
            SELECT p.mail_id, p.body FROM mail_calendar_part p JOIN mail m ON m.id = p.mail_id
            WHERE m.rep = ? ORDER BY p.mail_id, p.position
            """).bind(.text(rep)).forEach { row in parts[row.int(C.mailID), default: []].append(row.blob(C.body)) }
        return parts
    }

    /// Reads every stored mail of a rep again from its raw header block, as the sync would read it
    /// today (`rebuild`): a fix to MIME decoding, address parsing, automated-mail detection or the
    /// date rule (`MailItem.chooseDate`) reaches mail synced long ago. A mail keeps its identity
    /// (key, Message-ID, where it was found); a mail stored before INTERNALDATE was kept, whose Date
    /// header is no longer trusted, keeps its time: only a resync of its folder can give its
    /// INTERNALDATE. Bumps the rep's items version with the change, in one transaction. Returns how
    /// many mails changed.
    @discardableResult
    public func reparseMail(rep: String) throws -> Int {
        try db.transaction {
            struct Reading: Equatable {
                var date: Int64, source: String, from: String?, fromName: String?, to: String, cc: String, subject: String
                var thread: String, automated: String?
            }
            enum C: Int32, Columns {
                case id, headers, internalDate, date, dateSource, fromAddr, fromName, toAddrs, ccAddrs, subject, threadKey, automated
            }
            var changes: [(id: Int64, reading: Reading)] = []
            try db.prepare("SELECT \(C.list()) FROM mail WHERE rep = ?").bind(.text(rep)).forEach { row in
                let stored = Reading(date: row.int(C.date), source: row.text(C.dateSource), from: row.optionalText(C.fromAddr),
                                     fromName: row.optionalText(C.fromName), to: row.text(C.toAddrs), cc: row.text(C.ccAddrs),
                                     subject: row.text(C.subject), thread: row.text(C.threadKey), automated: row.optionalText(C.automated))
                let receivedAt = row.optionalInt(C.internalDate) ?? (stored.source == "internaldate" ? stored.date : nil)
                let item = MailItem(headers: row.blob(C.headers), internalDate: receivedAt.map { Date(timeIntervalSince1970: TimeInterval($0)) })
                // No date to be had from what is stored: the time it has stays.
                let dated = item.dateSource != "none"
                let fresh = Reading(date: dated ? Int64(item.date.timeIntervalSince1970.rounded(.down)) : stored.date,
                                    source: dated ? item.dateSource : stored.source, from: item.from, fromName: item.fromName,
                                    to: item.to.joined(separator: "\n"), cc: item.cc.joined(separator: "\n"), subject: item.subject,
                                    thread: item.threadKey, automated: item.automated)
                if fresh != stored { changes.append((row.int(C.id), fresh)) }
            }
            for (id, r) in changes {
                try db.prepare(literal: """
                    UPDATE mail SET date = ?, date_source = ?, from_addr = ?, from_name = ?, to_addrs = ?, cc_addrs = ?, subject = ?,
                        thread_key = ?, automated = ? WHERE id = ?
                    """)
                    .bind(.int(r.date), .text(r.source), r.from.map { .text($0) }, r.fromName.map { .text($0) }, .text(r.to), .text(r.cc),
                          .text(r.subject), .text(r.thread), r.automated.map { .text($0) }, .int(id)).run()
            }
            if !changes.isEmpty { try itemsChanged(rep: rep) }
            return changes.count
        }
    }

    /// The raw header block stored for a mail (for `explain`).
    public func headers(rep: String, key: String) throws -> [UInt8]? {
        try db.prepare("SELECT headers FROM mail WHERE rep = ? AND key = ?").bind(.text(rep), .text(key)).first { $0.blob(0) }
    }

    /// The lines of a stored address list (split on the byte 0x0A, which UTF-8 holds only as a newline).
    static func lines(_ s: String) -> [String] {
        if s.isEmpty { return [] }
        // "\r\n" is one Character, which a split on "\n" does not cut: the same answer as before.
        if s.utf8.contains(0x0D) { return s.split(separator: "\n").map(String.init) }
        return s.utf8.split(separator: 0x0A).map { String(Substring($0)) }
    }

    // MARK: - Activities

    /// One activity row as stored: what a fresh derivation writes, and compares by its digest
    /// with what the store has.
    private struct ActivityRow {
        var kind: String, step: Int64, at: Int64, week: String, org: String, otherOrgs: String, title: String
        var rule: String, sourceType: String, account: String, ref: String, adjustment: Int64?, counted: Int64

        init(_ a: Activity, timeZone: TimeZone) {
            kind = a.kind.rawValue
            step = Int64(a.kind.step)
            at = Int64(a.at.timeIntervalSince1970.rounded(.down))
            week = ISOWeek(containing: a.at, in: timeZone).description
            org = a.org
            otherOrgs = a.otherOrgs.joined(separator: "\n")
            title = a.title
            rule = a.rule
            sourceType = a.sourceType.rawValue
            account = a.account
            ref = a.ref
            adjustment = a.adjusted?.id
            counted = a.counted ? 1 : 0
        }

        /// The row's digest (`row_hash`, schema 11) with its id and rep: every column of the row.
        func hash(id: String, rep: String) -> Int64 {
            var h = RowHash()
            h.add("activity/1"); h.add(id); h.add(rep); h.add(kind); h.add(step); h.add(at); h.add(week); h.add(org)
            h.add(otherOrgs); h.add(title); h.add(rule); h.add(sourceType); h.add(account); h.add(ref)
            if let adjustment { h.add(adjustment) } else { h.add("-") }
            h.add(counted)
            return h.value
        }
    }

    /// The digest of a row kept in `row_hash` (schema 11): FNV-1a 64 of each value, text followed
    /// by 0xFF (a byte UTF-8 never holds), an integer as its 8 bytes and 0xFE. Stable across
    /// processes and engines (not Swift's seeded `Hasher`): it is stored.
    struct RowHash {
        private var h = FNV1a64()
        mutating func add(_ s: String) {
            h.add(s)
            h.add(0xFF)
        }
        mutating func add(_ n: Int64) {
            var v = UInt64(bitPattern: n)
            for _ in 0..<8 { h.add(UInt8(truncatingIfNeeded: v)); v >>= 8 }
            h.add(0xFE)
        }
        var value: Int64 { Int64(bitPattern: h.value) }
    }

    /// Makes a rep's activities the freshly derived set (in the caller's transaction). Only the
    /// difference is written: a derivation that changes a few activities (new mail, a rebuild
    /// with the same rules) rewrites a few rows, not the rep's whole ledger. What is stored is
    /// read as each row's id and digest (`row_hash`), not its columns; a row without a digest
    /// (stored before schema 11) is written again. Returns whether it wrote anything.
    @discardableResult
    public func replaceActivities(rep: String, with activities: [Activity], timeZone: TimeZone) throws -> Bool {
        var stored: [String: Int64?] = [:]
        stored.reserveCapacity(activities.count)
        try db.prepare("SELECT id, row_hash FROM activity WHERE rep = ?").bind(.text(rep))
            .forEach { stored[$0.text(0)] = $0.optionalInt(1) }
        let head = """
            INSERT INTO activity (id, rep, kind, step, at, week, org, other_orgs, title, rule, source_type, account, ref,
                                  adjustment, counted, row_hash) VALUES
            """
        let upsert = """
            ON CONFLICT (id) DO UPDATE SET rep = excluded.rep, kind = excluded.kind, step = excluded.step, at = excluded.at,
                week = excluded.week, org = excluded.org, other_orgs = excluded.other_orgs, title = excluded.title,
                rule = excluded.rule, source_type = excluded.source_type, account = excluded.account, ref = excluded.ref,
                adjustment = excluded.adjustment, counted = excluded.counted, row_hash = excluded.row_hash
            """
        // Each row is written as it is compared, not gathered first (a first derivation of
        // 100,000 activities held some 24 MB of rows): of an id twice in `activities` the last
        // one wins (the second finds nothing stored and replaces the first). PostgreSQL writes
        // a chunk of `MultiRow.largest` rows at a time (one upsert may not touch a row twice:
        // an id twice in a chunk is replaced in it).
        let postgres = db.dialect.isPostgres
        let insert = postgres ? nil : try db.prepare(head + " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) " + upsert)
        var chunk: [[SQLValue?]] = []
        var inChunk: [String: Int] = [:]
        var wrote = false
        func flush() throws {
            guard !chunk.isEmpty else { return }
            try MultiRow.run(db, head: head, tail: upsert, rows: chunk)
            chunk.removeAll(keepingCapacity: true)
            inChunk.removeAll(keepingCapacity: true)
        }
        for a in activities {
            let row = ActivityRow(a, timeZone: timeZone)
            let hash = row.hash(id: a.id, rep: a.rep)
            // Equal to the stored row (by digest): nothing to write.
            if let found = stored.removeValue(forKey: a.id), found == hash { continue }
            let values: [SQLValue?] = [.text(a.id), .text(a.rep), .text(row.kind), .int(row.step), .int(row.at), .text(row.week),
                                       .text(row.org), .text(row.otherOrgs), .text(row.title), .text(row.rule), .text(row.sourceType),
                                       .text(row.account), .text(row.ref), row.adjustment.map { .int($0) }, .int(row.counted), .int(hash)]
            wrote = true
            if let insert {
                try insert.bind(values).run()
            } else if let i = inChunk[a.id] {
                chunk[i] = values
            } else {
                inChunk[a.id] = chunk.count
                chunk.append(values)
                if chunk.count == MultiRow.largest { try flush() }
            }
        }
        try flush()
        let gone = Array(stored.keys)
        if postgres {
            try MultiRow.run(db, head: "DELETE FROM activity WHERE id IN (", tail: ")", rows: gone.map { [.text($0)] }, tuples: false)
        } else {
            let delete = try db.prepare("DELETE FROM activity WHERE id = ?")
            for id in gone { try delete.bind(.text(id)).run() }
        }
        return wrote || !gone.isEmpty
    }

    /// The digest of an exchange row (`row_hash`): its organisation, time and direction.
    static func exchangeHash(org: String, at: Int64, direction: String) -> Int64 {
        var h = RowHash()
        h.add("exchange/1"); h.add(org); h.add(at); h.add(direction)
        return h.value
    }

    /// Makes a rep's mail exchanges the freshly derived list (in the caller's transaction),
    /// writing only the difference. What is stored is read as each row's id and digest
    /// (`row_hash`), matched with the derived rows' digests in sorted order (an exchange may be
    /// there twice: each stored row matches one derived row); a row without a digest (stored
    /// before schema 11) is written again. Returns whether it wrote anything.
    @discardableResult
    public func replaceExchanges(rep: String, with exchanges: [Exchange]) throws -> Bool {
        var stored: [(hash: Int64, id: Int64)] = []
        var gone: [Int64] = []
        try db.prepare("SELECT \(db.dialect.rowID), row_hash FROM exchange WHERE rep = ?").bind(.text(rep)).forEach {
            if let hash = $0.optionalInt(1) { stored.append((hash, $0.int(0))) } else { gone.append($0.int(0)) }
        }
        var fresh: [(hash: Int64, index: Int)] = []
        fresh.reserveCapacity(exchanges.count)
        for (i, e) in exchanges.enumerated() {
            fresh.append((Store.exchangeHash(org: e.org, at: Int64(e.at.timeIntervalSince1970.rounded(.down)), direction: e.direction.rawValue), i))
        }
        stored.sort { $0.hash < $1.hash }
        fresh.sort { $0.hash < $1.hash }
        var added: [Int] = []
        var i = 0, j = 0
        while i < stored.count || j < fresh.count {
            if j == fresh.count || (i < stored.count && stored[i].hash < fresh[j].hash) {
                gone.append(stored[i].id); i += 1
            } else if i == stored.count || fresh[j].hash < stored[i].hash {
                added.append(fresh[j].index); j += 1
            } else {
                i += 1; j += 1
            }
        }
        // Written in the order derived, each row as it is made (not every row first); PostgreSQL
        // a MultiRow chunk at a time.
        added.sort()
        func values(_ index: Int) -> [SQLValue?] {
            let e = exchanges[index], at = Int64(e.at.timeIntervalSince1970.rounded(.down))
            return [.text(rep), .text(e.org), .int(at), .text(e.direction.rawValue),
                    .int(Store.exchangeHash(org: e.org, at: at, direction: e.direction.rawValue))]
        }
        if db.dialect.isPostgres {
            // A few statements instead of a round trip an exchange.
            var start = 0
            while start < added.count {
                let end = min(start + MultiRow.largest, added.count)
                try MultiRow.run(db, head: "INSERT INTO exchange (rep, org, at, direction, row_hash) VALUES", tail: "",
                                 rows: added[start..<end].map(values))
                start = end
            }
            try MultiRow.run(db, head: "DELETE FROM exchange WHERE \(db.dialect.rowID) IN (", tail: ")", rows: gone.map { [.int($0)] },
                             tuples: false)
        } else {
            let insert = try db.prepare("INSERT INTO exchange (rep, org, at, direction, row_hash) VALUES (?, ?, ?, ?, ?)")
            for index in added { try insert.bind(values(index)).run() }
            let delete = try db.prepare("DELETE FROM exchange WHERE \(db.dialect.rowID) = ?")
            for id in gone { try delete.bind(.int(id)).run() }
        }
        return !added.isEmpty || !gone.isEmpty
    }

    /// Per organisation, the last outbound and last inbound mail before an instant.
    public func lastExchanges(rep: String, before: Date, since: Date) throws -> [(org: String, lastOut: Date?, lastIn: Date?)] {
        enum C: Int32, Columns { case org, lastOut, lastIn }
        return try db.prepare("""
            SELECT org, max(CASE WHEN direction = 'outbound' THEN at END), max(CASE WHEN direction = 'inbound' THEN at END)
            FROM exchange WHERE rep = ? AND at < ? AND at >= ? GROUP BY org ORDER BY org
            """).bind(.text(rep), .int(Int64(before.timeIntervalSince1970)), .int(Int64(since.timeIntervalSince1970)))
            .map { row in (row.text(C.org), row.optionalDate(C.lastOut), row.optionalDate(C.lastIn)) }
    }

    /// An activity as the reports read it: its columns (`a`), and those of the adjustment applied
    /// to it (`j`).
    enum ActivityColumn: Int32, Columns {
        case id, rep, kind, at, org, otherOrgs, title, rule, sourceType, account, ref, counted
        case adjustmentID, action, fromKind, madeBy, madeAt, reason

        var name: String {
            switch self {
            case .adjustmentID: return "j.id"
            case .action, .fromKind, .madeBy, .madeAt, .reason: return "j." + Self.snakeCase(String(describing: self))
            default: return "a." + Self.snakeCase(String(describing: self))
            }
        }
    }

    /// What follows SELECT in a query of activities: the columns and the tables.
    static let activityColumns = "\(ActivityColumn.list()) FROM activity a LEFT JOIN adjustment j ON j.id = a.adjustment"

    static func activity(_ row: any Row) -> Activity? {
        typealias C = ActivityColumn
        guard let kind = Kind(rawValue: row.text(C.kind)) else { return nil }
        var a = Activity(rep: row.text(C.rep), kind: kind, at: row.date(C.at), org: row.text(C.org),
                         otherOrgs: lines(row.text(C.otherOrgs)), title: row.text(C.title), rule: row.text(C.rule),
                         sourceType: Activity.SourceType(rawValue: row.text(C.sourceType)) ?? .imap, account: row.text(C.account),
                         ref: row.text(C.ref))
        a.id = row.text(C.id)
        a.counted = row.int(C.counted) != 0
        if let id = row.optionalInt(C.adjustmentID), let action = Adjustment.Action(rawValue: row.text(C.action)) {
            a.adjusted = Adjustment.Mark(id: id, action: action, fromKind: row.optionalText(C.fromKind).flatMap(Kind.init(rawValue:)),
                                         by: row.text(C.madeBy), at: row.date(C.madeAt), reason: row.text(C.reason))
        }
        return a
    }

    /// A rep's activities in one week (by the week stored with them), oldest first.
    public func activities(rep: String, week: ISOWeek) throws -> [Activity] {
        try db.prepare("SELECT \(Store.activityColumns) WHERE a.rep = ? AND a.week = ? ORDER BY a.at, a.step, a.id")
            .bind(.text(rep), .text(week.description)).map(Store.activity).compactMap { $0 }
    }

    /// The highest step each of some organisations has reached with a rep before an instant
    /// (a week's stages), without reading the rep's whole history.
    public func stages(rep: String, orgs: Set<String>, before: Date) throws -> [String: Int] {
        enum C: Int32, Columns { case org, step }
        var out: [String: Int] = [:]
        for chunk in Store.chunks(orgs.sorted()) {
            let marks = Array(repeating: "?", count: chunk.count).joined(separator: ", ")
            try db.prepare("SELECT org, max(step) FROM activity WHERE rep = ? AND org IN (\(marks)) AND at < ? AND counted = 1 GROUP BY org")
                .bind([.text(rep)] + chunk.map { .text($0) } + [.int(Int64(before.timeIntervalSince1970))])
                .forEach { row in out[row.text(C.org)] = Int(row.int(C.step)) }
        }
        return out
    }

    /// The title as a column for the kinds a flow splits on the title ('' for the others), and
    /// the kinds to bind before the query's own values.
    static func titleColumn(for kinds: Set<Kind>) -> (sql: String, kinds: [SQLValue?]) {
        let split = kinds.map(\.rawValue).sorted()
        guard !split.isEmpty else { return ("''", []) }
        let marks = Array(repeating: "?", count: split.count).joined(separator: ", ")
        return ("CASE WHEN kind IN (\(marks)) THEN title ELSE '' END", split.map { .text($0) })
    }

    /// A flow's evidence (Flow.swift): per organisation of a rep and kind, the latest activity at
    /// or before `through`, and per title too for the kinds in `titlesFor` (those a flow splits
    /// on the title). What stages and standings under a flow other than the standard one fold.
    public func flowEvidence(rep: String, through: Date, titlesFor: Set<Kind>) throws -> [(org: String, kind: Kind, title: String, last: Date)] {
        let (title, split) = Store.titleColumn(for: titlesFor)
        enum C: Int32, Columns { case org, kind, title, last }
        var out: [(org: String, kind: Kind, title: String, last: Date)] = []
        try db.prepare("SELECT org, kind, \(title) AS t, max(at) FROM activity WHERE rep = ? AND at <= ? AND counted = 1 GROUP BY org, kind, t")
            .bind(split + [.text(rep), .int(Int64(through.timeIntervalSince1970.rounded(.down)))])
            .forEach { row in
                guard let kind = Kind(rawValue: row.text(C.kind)) else { return }
                out.append((row.text(C.org), kind, row.text(C.title), row.date(C.last)))
            }
        return out
    }

    /// Distinct (rep, organisation, kind) in the weeks `from`…`to`, with the title for the kinds
    /// in `titlesFor`: the funnel under a flow other than the standard one.
    public func flowOrganisations(from: ISOWeek, to: ISOWeek, titlesFor: Set<Kind>) throws -> [(rep: String, org: String, kind: Kind, title: String)] {
        let (title, split) = Store.titleColumn(for: titlesFor)
        enum C: Int32, Columns { case rep, org, kind, title }
        var out: [(rep: String, org: String, kind: Kind, title: String)] = []
        try db.prepare("SELECT DISTINCT rep, org, kind, \(title) FROM activity WHERE week >= ? AND week <= ? AND counted = 1")
            .bind(split + [.text(from.description), .text(to.description)])
            .forEach { row in
                guard let kind = Kind(rawValue: row.text(C.kind)) else { return }
                out.append((row.text(C.rep), row.text(C.org), kind, row.text(C.title)))
            }
        return out
    }

    // MARK: - Reports over a range of weeks

    /// Activities per rep, week and kind in the weeks `from`…`to` (by the week stored with each
    /// activity, which is in its rep's own zone), from the kept `week_count`.
    public func weeklyCounts(from: ISOWeek, to: ISOWeek) throws -> [String: [ISOWeek: [Kind: Int]]] {
        enum C: Int32, Columns { case rep, week, kind, activities }
        var out: [String: [ISOWeek: [Kind: Int]]] = [:]
        try db.prepare("SELECT \(C.list()) FROM week_count WHERE week >= ? AND week <= ?")
            .bind(.text(from.description), .text(to.description)).forEach { row in
                guard let week = ISOWeek(row.text(C.week)), let kind = Kind(rawValue: row.text(C.kind)) else { return }
                out[row.text(C.rep), default: [:]][week, default: [:]][kind] = Int(row.int(C.activities))
            }
        return out
    }

    /// Distinct organisations per rep and kind over the weeks `from`…`to` (for the funnel).
    public func organisationCounts(from: ISOWeek, to: ISOWeek) throws -> [String: [Kind: Int]] {
        enum C: Int32, Columns { case rep, kind, organisations }
        var out: [String: [Kind: Int]] = [:]
        try db.prepare("SELECT rep, kind, count(DISTINCT org) FROM activity WHERE week >= ? AND week <= ? AND counted = 1 GROUP BY rep, kind")
            .bind(.text(from.description), .text(to.description)).forEach { row in
                guard let kind = Kind(rawValue: row.text(C.kind)) else { return }
                out[row.text(C.rep), default: [:]][kind] = Int(row.int(C.organisations))
            }
        return out
    }

    public func activity(id: String) throws -> Activity? {
        try db.prepare("SELECT \(Store.activityColumns) WHERE a.id = ?").bind(.text(id)).first(Store.activity) ?? nil
    }

    public func activityCount() throws -> Int {
        try db.prepare("SELECT count(*) FROM activity").first { Int($0.int(0)) } ?? 0
    }

    // MARK: - Account status

    public func recordAttempt(account: String, at: Date) throws {
        try db.prepare("""
            INSERT INTO account_status (account, last_attempt) VALUES (?, ?)
            ON CONFLICT (account) DO UPDATE SET last_attempt = excluded.last_attempt
            """).bind(.text(account), .int(Int64(at.timeIntervalSince1970))).run()
    }

    public func recordSuccess(account: String, at: Date, newItems: Int) throws {
        try db.prepare("""
            INSERT INTO account_status (account, last_success, items_seen) VALUES (?, ?, ?)
            ON CONFLICT (account) DO UPDATE SET last_success = excluded.last_success, last_error = NULL,
                items_seen = account_status.items_seen + excluded.items_seen
            """).bind(.text(account), .int(Int64(at.timeIntervalSince1970)), .int(Int64(newItems))).run()
    }

    public func recordFailure(account: String, at: Date, message: String) throws {
        try db.prepare("""
            INSERT INTO account_status (account, last_error, last_error_at) VALUES (?, ?, ?)
            ON CONFLICT (account) DO UPDATE SET last_error = excluded.last_error, last_error_at = excluded.last_error_at
            """).bind(.text(account), .text(message), .int(Int64(at.timeIntervalSince1970))).run()
    }

    /// A row of `account_status`.
    enum AccountStatusColumn: Int32, Columns { case account, lastAttempt, lastSuccess, lastError, lastErrorAt, itemsSeen }

    public func accountStatuses() throws -> [AccountStatus] {
        typealias C = AccountStatusColumn
        return try db.prepare("SELECT \(C.list()) FROM account_status ORDER BY account").map { row in
            AccountStatus(account: row.text(C.account), lastAttempt: row.optionalDate(C.lastAttempt),
                          lastSuccess: row.optionalDate(C.lastSuccess), lastError: row.optionalText(C.lastError),
                          lastErrorAt: row.optionalDate(C.lastErrorAt), itemsSeen: Int(row.int(C.itemsSeen)))
        }
    }
}
