import Foundation
import ActivityCore

/// Whether each rep's activities are derived from its items as they are now.
///
/// Derivation runs after the items are stored, in its own transaction, so a sync killed between
/// the two (or in the middle of a derivation of several reps) leaves activities older than the
/// items. A plain "dirty" flag set with the items and cleared after deriving would be enough for
/// one process, but `activity sync` and the daemon may share a store: a derivation that read the
/// items before another process stored more would clear the other's flag. So the marker is a
/// version: every change to a rep's items bumps `items_version` in the same transaction as the
/// change, and a derivation records the `items_version` it read *before* reading the items, in
/// the transaction that writes the activities. The ledger is stale while
/// `derived_version < items_version`, or when the rep has never been derived (no row).
extension Store {
    /// Marks a rep's items as changed. Call inside the transaction that changes them.
    public func itemsChanged(rep: String) throws {
        try db.prepare("""
            INSERT INTO ledger_state (rep, items_version, derived_version) VALUES (?, 1, 0)
            ON CONFLICT (rep) DO UPDATE SET items_version = ledger_state.items_version + 1
            """).bind(.text(rep)).run()
    }

    /// The version of a rep's items (0 before any change was recorded).
    public func itemsVersion(rep: String) throws -> Int64 {
        try db.prepare("SELECT items_version FROM ledger_state WHERE rep = ?").bind(.text(rep)).first { $0.int(0) } ?? 0
    }

    /// The reps among `reps` whose activities are not derived from their current items.
    public func staleReps(_ reps: [String]) throws -> [String] {
        var state: [String: (items: Int64, derived: Int64)] = [:]
        try db.prepare("SELECT rep, items_version, derived_version FROM ledger_state").forEach {
            state[$0.text(0)] = ($0.int(1), $0.int(2))
        }
        return reps.filter { rep in
            guard let s = state[rep] else { return true }
            return s.derived < s.items
        }
    }

    /// Records that the rep's activities now reflect its items at `version`. Call inside the
    /// transaction that writes the activities. Returns false, and records nothing, when a
    /// derivation from a newer version has already been written (by another process): the
    /// caller must then roll back rather than put older activities over newer ones.
    public func recordDerived(rep: String, version: Int64, at: Date) throws -> Bool {
        let current = try db.prepare("SELECT derived_version FROM ledger_state WHERE rep = ?").bind(.text(rep)).first { $0.int(0) }
        if let current, current > version { return false }
        try db.prepare("""
            INSERT INTO ledger_state (rep, items_version, derived_version, derived_at) VALUES (?, ?, ?, ?)
            ON CONFLICT (rep) DO UPDATE SET derived_version = excluded.derived_version, derived_at = excluded.derived_at
            """).bind(.text(rep), .int(version), .int(version), .int(Int64(at.timeIntervalSince1970))).run()
        return true
    }
}

/// An item the sync could not read: stored where possible, skipped by derivation, shown by
/// `activity status` and `activity explain`. Never silently dropped, never a reason to stop.
public struct MalformedItem: Sendable, Equatable {
    public enum Kind: String, Sendable {
        /// A mail whose FETCH answer or headers could not be read as a whole.
        case mail
        /// A `text/calendar` part of a mail (a mailed invitation).
        case invitation
        /// A calendar object from a CalDAV server.
        case event
    }

    public var account: String
    /// The folder (mail) or calendar URL (events).
    public var location: String
    /// Message-ID (or the item key), `UID n` when not even that could be read, or the href.
    public var ref: String
    public var kind: Kind
    public var reason: String
    public var firstSeen: Date
    public var lastSeen: Date

    public init(account: String, location: String, ref: String, kind: Kind, reason: String,
                firstSeen: Date = Date(), lastSeen: Date = Date()) {
        self.account = account
        self.location = location
        self.ref = ref
        self.kind = kind
        self.reason = reason
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
    }
}

extension Store {
    /// Records (or refreshes) a malformed item; `first_seen` stays as first recorded.
    public func recordMalformed(_ item: MalformedItem) throws {
        // A reason may quote the item; keep it to a readable length.
        let reason = item.reason.count > 300 ? String(item.reason.prefix(300)) + "…" : item.reason
        try db.prepare("""
            INSERT INTO malformed_item (account, location, ref, kind, reason, first_seen, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (account, location, ref) DO UPDATE SET kind = excluded.kind, reason = excluded.reason,
                last_seen = excluded.last_seen
            """).bind(.text(item.account), .text(item.location), .text(item.ref), .text(item.kind.rawValue), .text(reason),
                      .int(Int64(item.firstSeen.timeIntervalSince1970)), .int(Int64(item.lastSeen.timeIntervalSince1970))).run()
    }

    /// Forgets a malformed item (it was replaced by a readable version, or deleted).
    public func clearMalformed(account: String, location: String, ref: String) throws {
        try db.prepare("DELETE FROM malformed_item WHERE account = ? AND location = ? AND ref = ?")
            .bind(.text(account), .text(location), .text(ref)).run()
    }

    /// Forgets every malformed item of a folder or calendar.
    public func clearMalformed(account: String, location: String) throws {
        try db.prepare("DELETE FROM malformed_item WHERE account = ? AND location = ?").bind(.text(account), .text(location)).run()
    }

    /// Malformed items, of one account or all, oldest first.
    public func malformedItems(account: String? = nil) throws -> [MalformedItem] {
        let sql = "SELECT account, location, ref, kind, reason, first_seen, last_seen FROM malformed_item"
        let statement = account == nil
            ? try db.prepare(sql + " ORDER BY first_seen, account, location, ref")
            : try db.prepare(sql + " WHERE account = ? ORDER BY first_seen, location, ref").bind(.text(account!))
        return try statement.map(Store.malformed)
    }

    /// Malformed items whose ref is `ref` (a Message-ID, href or `UID n`), or whose href ends with it.
    public func malformedItems(ref: String) throws -> [MalformedItem] {
        try db.prepare("""
            SELECT account, location, ref, kind, reason, first_seen, last_seen FROM malformed_item
            WHERE ref = ? OR ref = ? OR (kind = 'event' AND ref LIKE '%/' || ?) ORDER BY first_seen
            """).bind(.text(ref), .text("<\(ref)>"), .text(ref)).map(Store.malformed)
    }

    static func malformed(_ row: any Row) -> MalformedItem {
        MalformedItem(account: row.text(0), location: row.text(1), ref: row.text(2),
                      kind: MalformedItem.Kind(rawValue: row.text(3)) ?? .mail, reason: row.text(4),
                      firstSeen: Date(timeIntervalSince1970: TimeInterval(row.int(5))),
                      lastSeen: Date(timeIntervalSince1970: TimeInterval(row.int(6))))
    }
}
