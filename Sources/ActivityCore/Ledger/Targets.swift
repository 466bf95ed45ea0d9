import Foundation

/// Weekly targets per kind, layered: rep override › team › tenure band › default. Each layer
/// overrides only the kinds it names (DOMAIN.md *Targets*).
public struct TargetPlan: Sendable {
    public struct TenureBand: Sendable {
        public var fromMonth: Int
        public var toMonth: Int?
        public var targets: [Kind: Double]
        public init(fromMonth: Int, toMonth: Int?, targets: [Kind: Double]) {
            self.fromMonth = fromMonth
            self.toMonth = toMonth
            self.targets = targets
        }
    }

    public var defaults: [Kind: Double]
    public var tenure: [TenureBand]
    public var teams: [String: [Kind: Double]]
    public var reps: [String: [Kind: Double]]

    public init(defaults: [Kind: Double], tenure: [TenureBand], teams: [String: [Kind: Double]], reps: [String: [Kind: Double]]) {
        self.defaults = defaults
        self.tenure = tenure
        self.teams = teams
        self.reps = reps
    }

    /// The targets in force for a rep in the week starting `monday` (a calendar date).
    public func targets(rep: String, team: String?, startDate: DateComponents?, monday: DateComponents) -> [Kind: Double] {
        var out = defaults
        if let start = startDate, let months = TargetPlan.wholeMonths(from: start, to: monday) {
            for band in tenure where months >= band.fromMonth && band.toMonth.map({ months < $0 }) ?? true {
                out.merge(band.targets) { _, new in new }
            }
        }
        if let team, let t = teams[team] { out.merge(t) { _, new in new } }
        if let r = reps[rep] { out.merge(r) { _, new in new } }
        return out.filter { $0.value > 0 }
    }

    /// Whole months from `start` to `day`: month anniversaries of the start date on or before the
    /// day, an anniversary clamped to the last day of a shorter month (31 Jan → 28/29 Feb).
    /// nil when the day is before the start.
    public static func wholeMonths(from start: DateComponents, to day: DateComponents) -> Int? {
        guard let sy = start.year, let sm = start.month, let sd = start.day,
              let dy = day.year, let dm = day.month, let dd = day.day else { return nil }
        if (dy, dm, dd) < (sy, sm, sd) { return nil }
        var months = (dy - sy) * 12 + (dm - sm)
        // The anniversary in the day's month, clamped.
        let anniversaryDay = min(sd, CivilTime.daysInMonth(year: dy, month: dm))
        if dd < anniversaryDay { months -= 1 }
        return max(0, months)
    }

}

/// Attainment against a target, and its status (`met` ≥ 1, `near` ≥ 0.8, else `behind`).
public struct Attainment: Sendable, Equatable {
    public enum Status: String, Sendable, Codable { case met, near, behind }
    public var target: Double
    public var actual: Int
    public var ratio: Double { target > 0 ? Double(actual) / target : 0 }
    public var status: Status { Attainment.judge(ratio) }
    public var remaining: Double { max(0, target - Double(actual)) }

    public init(target: Double, actual: Int) {
        self.target = target
        self.actual = actual
    }

    /// Rounded to 4 decimals as INTERFACE.md shows (0.3333).
    public var roundedRatio: Double { Attainment.rounded(ratio) }

    /// The status of a ratio of actual to target: `met` ≥ 1, `near` ≥ 0.8, else `behind`.
    public static func judge(_ ratio: Double) -> Status { ratio >= 1 ? .met : ratio >= 0.8 ? .near : .behind }

    /// A ratio rounded to 4 decimals, as the JSON carries it.
    public static func rounded(_ ratio: Double) -> Double { (ratio * 10_000).rounded() / 10_000 }
}
