import Foundation
import ActivityCore

/// Kept aggregates (schema 10, issue 19): per rep and organisation its standing and its latest
/// mail each way, per week, rep and kind the number of activities. A derivation writes them from
/// the activities and exchanges it writes, in the same transaction, so they never disagree with
/// `activity` and `exchange`; the readers here answer exactly what the GROUP BY over a rep's
/// history answered, reading that history only for organisations with something after the
/// moment asked about (a meeting ahead, a past week).
extension Store {
    /// Makes a rep's kept aggregates those of `activities` and `exchanges` (what the caller just
    /// wrote with `replaceActivities` and `replaceExchanges`, in the same transaction), writing
    /// only the difference.
    public func replaceAggregates(rep: String, activities: [Activity], exchanges: [Exchange], timeZone: TimeZone) throws {
        // As `replaceActivities` stores them: an id twice, the last one wins.
        var byID: [String: Int] = [:]
        for (i, a) in activities.enumerated() { byID[a.id] = i }
        var standings: [String: (stage: Int64, last: Int64)] = [:]
        struct WeekKind: Hashable { var week: String, kind: String }
        var weeks: [WeekKind: Int64] = [:]
        var weekOf: [Int64: String] = [:]  // by day (local midnight's UTC seconds): ISOWeek is not free
        // A voided activity (an adjustment) counts for nothing: not in standings, not in the weeks.
        for (i, a) in activities.enumerated() where byID[a.id] == i && a.counted {
            let at = Int64(a.at.timeIntervalSince1970.rounded(.down))
            let step = Int64(a.kind.step)
            if let s = standings[a.org] {
                standings[a.org] = (max(s.stage, step), max(s.last, at))
            } else {
                standings[a.org] = (step, at)
            }
            let week: String
            let day = (at + Int64(timeZone.secondsFromGMT(for: a.at))).floorDivided(by: 86_400)
            if let w = weekOf[day] { week = w } else {
                week = ISOWeek(containing: a.at, in: timeZone).description
                weekOf[day] = week
            }
            weeks[WeekKind(week: week, kind: a.kind.rawValue), default: 0] += 1
        }
        var last: [String: (out: Int64?, in: Int64?)] = [:]
        for e in exchanges {
            let at = Int64(e.at.timeIntervalSince1970.rounded(.down))
            var l = last[e.org] ?? (nil, nil)
            switch e.direction {
            case .outbound: l.out = max(l.out ?? at, at)
            case .inbound: l.in = max(l.in ?? at, at)
            }
            last[e.org] = l
        }

        // standing
        var stored: [String: (stage: Int64, last: Int64)] = [:]
        try db.prepare("SELECT org, stage, last_at FROM standing WHERE rep = ?").bind(.text(rep)).forEach {
            stored[$0.text(0)] = ($0.int(1), $0.int(2))
        }
        let putStanding = try db.prepare("""
            INSERT INTO standing (rep, org, stage, last_at) VALUES (?, ?, ?, ?)
            ON CONFLICT (rep, org) DO UPDATE SET stage = excluded.stage, last_at = excluded.last_at
            """)
        for (org, s) in standings {
            if let old = stored.removeValue(forKey: org), old == s { continue }
            try putStanding.bind(.text(rep), .text(org), .int(s.stage), .int(s.last)).run()
        }
        let dropStanding = try db.prepare("DELETE FROM standing WHERE rep = ? AND org = ?")
        for org in stored.keys { try dropStanding.bind(.text(rep), .text(org)).run() }

        // exchange_last
        var storedLast: [String: (out: Int64?, in: Int64?)] = [:]
        try db.prepare("SELECT org, last_out, last_in FROM exchange_last WHERE rep = ?").bind(.text(rep)).forEach {
            storedLast[$0.text(0)] = ($0.optionalInt(1), $0.optionalInt(2))
        }
        let putLast = try db.prepare("""
            INSERT INTO exchange_last (rep, org, last_out, last_in) VALUES (?, ?, ?, ?)
            ON CONFLICT (rep, org) DO UPDATE SET last_out = excluded.last_out, last_in = excluded.last_in
            """)
        for (org, l) in last {
            if let old = storedLast.removeValue(forKey: org), old.out == l.out, old.in == l.in { continue }
            try putLast.bind(.text(rep), .text(org), l.out.map { .int($0) }, l.in.map { .int($0) }).run()
        }
        let dropLast = try db.prepare("DELETE FROM exchange_last WHERE rep = ? AND org = ?")
        for org in storedLast.keys { try dropLast.bind(.text(rep), .text(org)).run() }

        // week_count (the primary key leads with the week: a rep's rows are found through the
        // weeks it has, which are few)
        var storedWeeks: [WeekKind: Int64] = [:]
        try db.prepare("SELECT week, kind, activities FROM week_count WHERE rep = ?").bind(.text(rep)).forEach {
            storedWeeks[WeekKind(week: $0.text(0), kind: $0.text(1))] = $0.int(2)
        }
        let putWeek = try db.prepare("""
            INSERT INTO week_count (week, rep, kind, activities) VALUES (?, ?, ?, ?)
            ON CONFLICT (week, rep, kind) DO UPDATE SET activities = excluded.activities
            """)
        for (key, n) in weeks {
            if storedWeeks.removeValue(forKey: key) == n { continue }
            try putWeek.bind(.text(key.week), .text(rep), .text(key.kind), .int(n)).run()
        }
        let dropWeek = try db.prepare("DELETE FROM week_count WHERE week = ? AND rep = ? AND kind = ?")
        for key in storedWeeks.keys { try dropWeek.bind(.text(key.week), .text(rep), .text(key.kind)).run() }
    }

    /// Per organisation of a rep: the highest step reached and the latest activity at or before
    /// `asOf`, over all history (the pipeline's standings). From `standing`, except for the
    /// organisations with an activity after `asOf`, which are read from `activity`.
    public func standings(rep: String, asOf: Date) throws -> [String: (stage: Int, last: Date)] {
        let moment = Int64(asOf.timeIntervalSince1970.rounded(.down))
        var out: [String: (stage: Int, last: Date)] = [:]
        var later: [String] = []
        try db.prepare("SELECT org, stage, last_at FROM standing WHERE rep = ?").bind(.text(rep)).forEach { row in
            let last = row.int(2)
            if last <= moment {
                out[row.text(0)] = (Int(row.int(1)), Date(timeIntervalSince1970: TimeInterval(last)))
            } else {
                later.append(row.text(0))
            }
        }
        for chunk in Store.chunks(later) {
            let marks = Array(repeating: "?", count: chunk.count).joined(separator: ", ")
            try db.prepare("SELECT org, max(step), max(at) FROM activity WHERE rep = ? AND org IN (\(marks)) AND at <= ? AND counted = 1 GROUP BY org")
                .bind([.text(rep)] + chunk.map { .text($0) } + [.int(moment)])
                .forEach { row in out[row.text(0)] = (Int(row.int(1)), Date(timeIntervalSince1970: TimeInterval(row.int(2)))) }
        }
        return out
    }

    /// The standings (as `standings(rep:asOf:)` gives them) of the organisations that can be open
    /// deals at `asOf`: a stage in `stages` and a last activity at or after `activeSince`. A
    /// superset (the caller applies the pipeline's rules again), never a subset. `week` counts
    /// every rep's deals; most of a rep's organisations are won, never engaged or long silent,
    /// so SQL keeps them from ever becoming Swift values. An organisation with activity after
    /// `asOf` is read from `activity`, as `standings` does: its stage at `asOf` may be lower than
    /// the kept one (a closing reached later), so the kept stage only rules it out when it is
    /// below the range (a stage at `asOf` is never above the kept, all-history one).
    public func openStandings(rep: String, asOf: Date, stages: ClosedRange<Int>, activeSince: Date)
        throws -> [String: (stage: Int, last: Date)] {
        var out: [String: (stage: Int, last: Date)] = [:]
        try forEachOpenStanding(rep: rep, asOf: asOf, stages: stages, activeSince: activeSince) { out[$0] = ($1, $2) }
        return out
    }

    /// `openStandings(…)` without the organisations: what counting the deals needs (each
    /// organisation once: the two parts of the query are disjoint).
    public func openStandingList(rep: String, asOf: Date, stages: ClosedRange<Int>, activeSince: Date)
        throws -> [(stage: Int, last: Date)] {
        var out: [(stage: Int, last: Date)] = []
        try forEachOpenStanding(rep: rep, asOf: asOf, stages: stages, activeSince: activeSince, names: false) { _, stage, last in
            out.append((stage, last))
        }
        return out
    }

    private func forEachOpenStanding(rep: String, asOf: Date, stages: ClosedRange<Int>, activeSince: Date, names: Bool = true,
                                     _ body: (String, Int, Date) -> Void) throws {
        let moment = Int64(asOf.timeIntervalSince1970.rounded(.down))
        let since = Int64(activeSince.timeIntervalSince1970.rounded(.down))
        let low = Int64(stages.lowerBound), high = Int64(stages.upperBound)
        try db.prepare("""
            SELECT org, stage, last_at FROM standing
            WHERE rep = ? AND last_at <= ? AND last_at >= ? AND stage >= ? AND stage <= ?
            UNION ALL
            SELECT org, max(step), max(at) FROM activity
            WHERE rep = ? AND at <= ? AND counted = 1
              AND org IN (SELECT org FROM standing WHERE rep = ? AND last_at > ? AND stage >= ?)
            GROUP BY org HAVING max(at) >= ? AND max(step) >= ? AND max(step) <= ?
            """).bind(.text(rep), .int(moment), .int(since), .int(low), .int(high),
                      .text(rep), .int(moment), .text(rep), .int(moment), .int(low), .int(since), .int(low), .int(high))
            .forEach { row in body(names ? row.text(0) : "", Int(row.int(1)), Date(timeIntervalSince1970: TimeInterval(row.int(2)))) }
    }

    /// The organisations whose follow-up may be due at `before`: per organisation, the last
    /// outbound and last inbound mail in [`since`, `before`), as `lastExchanges` gives them, but
    /// only for those whose last outbound mail is at or before `waitedUntil` and has no inbound
    /// mail after it (what `RepWeek.followUpsDue` keeps). From `exchange_last`, except for the
    /// organisations with mail at or after `before`, which are read from `exchange`.
    /// `among`: only these organisations (the pipeline asks about its open deals only).
    public func unansweredExchanges(rep: String, before: Date, since: Date, waitedUntil: Date, among: Set<String>? = nil)
        throws -> [(org: String, lastOut: Date?, lastIn: Date?)] {
        let end = Int64(before.timeIntervalSince1970), start = Int64(since.timeIntervalSince1970)
        // A superset is harmless (the caller filters again), a subset is not: round up.
        let cutoff = Int64(waitedUntil.timeIntervalSince1970.rounded(.up))
        var out: [(org: String, lastOut: Date?, lastIn: Date?)] = []
        var anyLater = false
        try db.prepare("""
            SELECT org, last_out, last_in FROM exchange_last
            WHERE rep = ? AND ((last_out >= ? AND last_out <= ? AND last_out < ? AND (last_in IS NULL OR last_in < last_out))
                               OR last_out >= ? OR last_in >= ?)
            """).bind(.text(rep), .int(start), .int(cutoff), .int(end), .int(end), .int(end)).forEach { row in
            let lastOut = row.optionalInt(1), lastIn = row.optionalInt(2)
            if (lastOut ?? .min) >= end || (lastIn ?? .min) >= end {
                anyLater = true
                return
            }
            let org = row.text(0)
            if let among, !among.contains(org) { return }
            out.append((org, lastOut.map { Date(timeIntervalSince1970: TimeInterval($0)) },
                        lastIn.flatMap { $0 >= start ? Date(timeIntervalSince1970: TimeInterval($0)) : nil }))
        }
        // The organisations with mail at or after `before`, from their history in one query
        // (chosen by their kept rows, not a list of names bound in pieces).
        if anyLater {
            try db.prepare("""
                SELECT org, max(CASE WHEN direction = 'outbound' THEN at END), max(CASE WHEN direction = 'inbound' THEN at END)
                FROM exchange WHERE rep = ? AND at < ? AND at >= ?
                  AND org IN (SELECT org FROM exchange_last WHERE rep = ? AND (last_out >= ? OR last_in >= ?))
                GROUP BY org
                """).bind(.text(rep), .int(end), .int(start), .text(rep), .int(end), .int(end)).forEach { row in
                let org = row.text(0)
                if let among, !among.contains(org) { return }
                out.append((org, row.optionalInt(1).map { Date(timeIntervalSince1970: TimeInterval($0)) },
                            row.optionalInt(2).map { Date(timeIntervalSince1970: TimeInterval($0)) }))
            }
        }
        return out.sorted { $0.org < $1.org }
    }

    /// Lists cut into pieces far below SQLite's limit on bound variables.
    static func chunks(_ values: [String]) -> [ArraySlice<String>] {
        stride(from: 0, to: values.count, by: 500).map { values[$0..<min($0 + 500, values.count)] }
    }
}

extension Int64 {
    func floorDivided(by d: Int64) -> Int64 {
        let q = self / d
        return (self % d != 0 && (self < 0) != (d < 0)) ? q - 1 : q
    }
}
