import Foundation
import ActivityCore

/// The adjustments of DOMAIN.md's *Corrections*: an append-only log beside the derived ledger.
/// An adjustment is an input of derivation like a mail or an event, so recording one marks the
/// reps it touches as changed (`itemsChanged`): whoever derives next applies it, and a
/// derivation that read the log before it cannot be recorded as up to date.
extension Store {
    /// A row of `adjustment`, and its one mapping (`adjustment(_:)`).
    enum AdjustmentColumn: Int32, Columns {
        case id, action, rep, activity, kind, fromKind, org, toOrg, activityAt, title, ref, revokes, madeBy, madeAt, reason
    }

    static let adjustmentColumns = AdjustmentColumn.list()

    /// Every adjustment, in the order they were made.
    public func adjustments() throws -> Adjustments {
        Adjustments(try db.prepare("SELECT \(Store.adjustmentColumns) FROM adjustment ORDER BY id").map(Store.adjustment))
    }

    static func adjustment(_ row: any Row) -> Adjustment {
        typealias C = AdjustmentColumn
        return Adjustment(id: row.int(C.id), action: Adjustment.Action(rawValue: row.text(C.action)) ?? .void, rep: row.optionalText(C.rep),
                          activity: row.optionalText(C.activity), kind: row.optionalText(C.kind).flatMap(Kind.init(rawValue:)),
                          fromKind: row.optionalText(C.fromKind).flatMap(Kind.init(rawValue:)), org: row.optionalText(C.org),
                          toOrg: row.optionalText(C.toOrg), activityAt: row.optionalDate(C.activityAt), title: row.optionalText(C.title),
                          ref: row.optionalText(C.ref), revokes: row.optionalInt(C.revokes), by: row.text(C.madeBy),
                          madeAt: row.date(C.madeAt), reason: row.text(C.reason))
    }

    /// Records an adjustment under the next id (`make` is given it: an added activity's id is
    /// made from it) and marks `reps` as changed, in one transaction; returns what was stored.
    /// Ids are handed out under the store's write lock (PostgreSQL: an advisory lock), so two
    /// people adjusting at once get consecutive ids in the order their commits happen.
    @discardableResult
    public func recordAdjustment(affecting reps: [String], _ make: (Int64) throws -> Adjustment) throws -> Adjustment {
        try transaction {
            if db.dialect.isPostgres {
                try db.prepare("SELECT pg_advisory_xact_lock(?)").bind(.int(Store.adjustmentLock)).forEach { _ in }
            }
            let next = (try db.prepare("SELECT max(id) FROM adjustment").first { $0.optionalInt(0) } ?? nil).map { $0 + 1 } ?? 1
            var a = try make(next)
            a.id = next
            try db.prepare("INSERT INTO adjustment (\(Store.adjustmentColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
                .bind(.int(a.id), .text(a.action.rawValue), a.rep.map { .text($0) }, a.activity.map { .text($0) },
                      a.kind.map { .text($0.rawValue) }, a.fromKind.map { .text($0.rawValue) }, a.org.map { .text($0) },
                      a.toOrg.map { .text($0) }, a.activityAt.map { .int(Int64($0.timeIntervalSince1970.rounded(.down))) },
                      a.title.map { .text($0) }, a.ref.map { .text($0) }, a.revokes.map { .int($0) }, .text(a.by),
                      .int(Int64(a.madeAt.timeIntervalSince1970.rounded(.down))), .text(a.reason))
                .run()
            for rep in reps { try itemsChanged(rep: rep) }
            return a
        }
    }

    /// Whether an activity with this id is in the ledger (for orphaned adjustments).
    public func activityExists(id: String) throws -> Bool {
        try db.prepare("SELECT 1 FROM activity WHERE id = ?").bind(.text(id)).first { _ in true } ?? false
    }

    /// The adjustments whose activity is no longer in the ledger.
    public func orphanedAdjustments(_ adjustments: Adjustments) throws -> Set<Int64> {
        try adjustments.orphaned(present: activityExists(id:))
    }

    /// Key of the advisory lock taken while an adjustment id is handed out ("adju").
    static let adjustmentLock: Int64 = 0x6164_6A75
}
