import Foundation
import ActivityCore
import ActivityConfig
import ActivityStore

/// `adjust list`: the audit trail as people and programs read it.
enum AdjustmentListing {
    struct Row {
        var adjustment: Adjustment
        var revoked: Adjustment?
        var orphaned: Bool
        /// For a revoke: what it withdrew.
        var target: Adjustment?
    }

    /// The adjustments of some reps (nil: all) and of activities in some weeks (nil: any), in
    /// the order made; aliases, which touch every rep and week, always. A revoke goes with what
    /// it withdrew.
    static func rows(_ all: Adjustments, orphaned: Set<Int64>, config: Config, reps: Set<String>?,
                     weeks: ClosedRange<ISOWeek>?) -> [Row] {
        all.all.compactMap { a in
            let subject = a.action == .revoke ? a.revokes.flatMap(all.adjustment) ?? a : a
            if subject.action != .alias {
                if let reps, !reps.contains(subject.rep ?? "") { return nil }
                if let weeks {
                    guard let at = subject.activityAt else { return nil }
                    let zone = subject.rep.flatMap(config.rep).map { config.profile($0).timeZone } ?? config.timeZone
                    if !weeks.contains(ISOWeek(containing: at, in: zone)) { return nil }
                }
            }
            return Row(adjustment: a, revoked: all.revokedBy[a.id], orphaned: orphaned.contains(a.id),
                       target: a.action == .revoke ? subject : nil)
        }
    }

    static func json(_ rows: [Row], config: Config) -> JSON {
        .object([("adjustments", array(rows, zone: config.timeZone))])
    }

    /// INTERFACE.md's adjustment objects (`adjust list --format json`, the export's table).
    static func array(_ rows: [Row], zone: TimeZone) -> JSON {
        .array(rows.map { r in
            let a = r.adjustment
            return .object([
                ("id", .int(Int(a.id))),
                ("action", .string(a.action.rawValue)),
                ("rep", .optional(a.rep)),
                ("activity", .optional(a.activity)),
                ("kind", .optional(a.kind?.rawValue)),
                ("from_kind", .optional(a.fromKind?.rawValue)),
                ("org", .optional(a.org)),
                ("to", .optional(a.toOrg)),
                ("activity_at", .optional(a.activityAt.map { rfc3339($0, in: zone) })),
                ("title", .optional(a.title)),
                ("revokes", a.revokes.map { .int(Int($0)) } ?? .null),
                ("by", .string(a.by)),
                ("at", .string(rfc3339(a.madeAt, in: zone))),
                ("reason", .string(a.reason)),
                ("revoked", r.revoked.map { v in
                    .object([("by", .string(v.by)), ("at", .string(rfc3339(v.madeAt, in: zone))), ("reason", .string(v.reason))])
                } ?? .null),
                ("orphaned", .bool(r.orphaned)),
            ])
        })
    }

    /// A row's state in a word or two, for tables and sheets.
    static func state(_ r: Row) -> String {
        var state = r.revoked.map { "revoked by #\($0.id)" } ?? ""
        if r.orphaned { state = state.isEmpty ? "orphaned" : state + ", orphaned" }
        return state.isEmpty ? "standing" : state
    }

    static func table(_ rows: [Row], config: Config) -> String {
        guard !rows.isEmpty else { return "No adjustments.\n" }
        var table = TextTable(header: ["#", "made", "by", "action", "rep", "what", "reason", "state"], rightAligned: [0])
        for r in rows {
            let a = r.adjustment
            let state = AdjustmentListing.state(r)
            table.add([String(a.id), LocalTimestamp.rfc3339(a.madeAt, in: config.timeZone).prefix(16).replacingOccurrences(of: "T", with: " "),
                       a.by, a.action.rawValue, a.rep ?? "*", WeekRendering.truncate(what(a, config: config), 60),
                       WeekRendering.truncate(a.reason, 40), state])
        }
        return table.render()
    }

    /// What an adjustment did, in a line: `visit 拜访华为 (huawei.com, 11-17 10:00) → demo`.
    static func what(_ a: Adjustment, config: Config) -> String {
        what(a, zone: a.rep.flatMap(config.rep).map { config.profile($0).timeZone } ?? config.timeZone)
    }

    static func what(_ a: Adjustment, zone: TimeZone) -> String {
        let when = a.activityAt.map { String(LocalTimestamp.rfc3339($0, in: zone).prefix(16)).replacingOccurrences(of: "T", with: " ") } ?? ""
        switch a.action {
        case .add: return "+\(a.kind?.rawValue ?? "") \(a.title ?? "") (\(a.org ?? ""), \(when))"
        case .void: return "\(a.fromKind?.rawValue ?? "") \(a.title ?? "") (\(a.org ?? ""), \(when)) → void"
        case .reclassify: return "\(a.fromKind?.rawValue ?? "") \(a.title ?? "") (\(a.org ?? ""), \(when)) → \(a.kind?.rawValue ?? "")"
        case .alias: return "\(a.org ?? "") = \(a.toOrg ?? "")"
        case .revoke: return "withdraws #\(a.revokes ?? 0)"
        }
    }

    /// The line `adjust add|void|…` prints when it has recorded one.
    static func describe(_ a: Adjustment, config: Config) -> String {
        var line = "adjustment #\(a.id) recorded: \(a.action.rawValue) \(what(a, config: config)) by \(a.by)"
        if a.action == .add, let id = a.activity { line += "; activity \(id)" }
        return line
    }
}
