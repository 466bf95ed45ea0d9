import Foundation

/// A manager's export over a range of weeks (INTERFACE.md *JSON of `activity export`*):
/// rep × week × kind rows against targets, period totals per rep, team roll-ups and the funnel
/// conversion between steps against the T6 norms. Pure: the counts come from the store, the
/// targets from a `TargetPlan`.
public struct LedgerExport: Sendable {
    /// A rep as the export needs them.
    public struct Rep: Sendable, Equatable {
        public var id: String
        public var name: String
        public var team: String?
        public var startDate: DateComponents?
        public init(id: String, name: String, team: String?, startDate: DateComponents?) {
            self.id = id
            self.name = name
            self.team = team
            self.startDate = startDate
        }
    }

    public struct Team: Sendable, Equatable {
        public var id: String
        public var name: String
        public init(id: String, name: String) {
            self.id = id
            self.name = name
        }
    }

    /// One rep, week and kind. `attainment` is nil when the kind has no target that week.
    public struct Row: Sendable, Equatable {
        public var rep: String
        public var name: String
        public var team: String?
        public var week: ISOWeek
        public var kind: Kind
        public var actual: Int
        public var attainment: Attainment?
        public var target: Double? { attainment?.target }
    }

    /// One rep and kind over the whole period: the sums of the weeks' actuals and targets.
    public struct Total: Sendable, Equatable {
        public var rep: String
        public var name: String
        public var team: String?
        public var kind: Kind
        public var actual: Int
        public var attainment: Attainment?
        public var target: Double? { attainment?.target }
    }

    /// One team, week and kind: the sums of its reps' actuals and of their targets.
    public struct TeamRow: Sendable, Equatable {
        public var team: String
        public var name: String
        public var week: ISOWeek
        public var kind: Kind
        public var actual: Int
        public var attainment: Attainment?
        public var target: Double? { attainment?.target }
    }

    /// Conversion from one step of the funnel to the next over the period: distinct
    /// organisations with a `to` activity ÷ distinct organisations with a `from` activity.
    public struct FunnelStep: Sendable, Equatable {
        public var rep: String
        public var name: String
        /// The T6 points (kinds) the conversion is between; under a flow, the steps holding them.
        public var from: Kind
        public var to: Kind
        /// The flow's steps (numbers and names) of `from` and `to` (standard: 1 信息搜集 → 4 面谈).
        public var fromStep: Int = 0
        public var toStep: Int = 0
        public var fromName: String = ""
        public var toName: String = ""
        public var fromOrgs: Int
        public var toOrgs: Int
        public var norm: Double
        /// nil when no organisation reached the `from` step in the period.
        public var ratio: Double? { fromOrgs > 0 ? Double(toOrgs) / Double(fromOrgs) : nil }
        /// How the ratio stands against the norm (`met` at or above it).
        public var status: Attainment.Status? {
            guard let ratio else { return nil }
            return Attainment.judge(ratio / norm)
        }
    }

    /// The T6 营销实战 funnel, 信息 540 → 初访 108 → 演示 36 → 商务 18 → 签约 9 a year:
    /// 信息 = lead, 初访 = visit, 演示 = demo, 商务 = closing, 签约 = payment (回款: the ledger's
    /// closing already holds 合同 and 签约 mail, and a contract sent is not a contract signed;
    /// money collected is the first evidence the ledger has that a deal was signed).
    public static let funnelNorms: [(from: Kind, to: Kind, norm: Double)] = [
        (.lead, .visit, 108.0 / 540.0),
        (.visit, .demo, 36.0 / 108.0),
        (.demo, .closing, 18.0 / 36.0),
        (.closing, .payment, 9.0 / 18.0),
    ]

    public var from: ISOWeek
    public var to: ISOWeek
    public var weeks: [ISOWeek]
    public var reps: [Rep]
    public var teamList: [Team]
    public var rows: [Row]
    public var totals: [Total]
    public var teams: [TeamRow]
    public var funnel: [FunnelStep]
    /// The flow that names the funnel's steps (and the kinds' labels in the renderings).
    public var flow: Flow = .standard

    /// The T6 funnel seen through a flow: the flow's steps holding the T6 points by default, in
    /// order, consecutive points on one step merged (the first kind names it), each norm the T6
    /// ratio between the points' yearly numbers. The standard flow gives `funnelNorms` itself.
    public static func funnelPoints(_ flow: Flow) -> [(from: Kind, to: Kind, fromStep: Int, toStep: Int, norm: Double)] {
        let t6: [(kind: Kind, perYear: Double)] = [(.lead, 540), (.visit, 108), (.demo, 36), (.closing, 18), (.payment, 9)]
        var points: [(kind: Kind, perYear: Double, step: Int)] = []
        for p in t6 {
            let step = flow.defaultStep(of: p.kind)
            if let last = points.last, last.step == step { continue }
            points.append((p.kind, p.perYear, step))
        }
        return zip(points, points.dropFirst()).map { a, b in (a.kind, b.kind, a.step, b.step, b.perYear / a.perYear) }
    }

    /// Builds the export. `counts[rep][week][kind]` are the activities per week (each rep's
    /// weeks in their own zone, as the store keeps them); `organisations[rep][kind]` the distinct
    /// organisations per kind over the whole period. Reps come in the order given; teams in the
    /// order given, those without a rep in the export left out. Reps without a team are in
    /// the rows, totals and funnel but in no team roll-up.
    public static func build(from: ISOWeek, to: ISOWeek, reps: [Rep], teams teamList: [Team], plan: TargetPlan,
                             counts: [String: [ISOWeek: [Kind: Int]]], organisations: [String: [Kind: Int]],
                             flow: Flow = .standard, stepOrganisations: [String: [Int: Int]]? = nil) -> LedgerExport {
        let weeks = ISOWeek.range(from: from, to: to)
        var rows: [Row] = []
        var totals: [Total] = []
        var funnel: [FunnelStep] = []
        // team → week → kind → (actual, target sum, whether any rep had a target)
        var rollUp: [String: [ISOWeek: [Kind: (actual: Int, target: Double?)]]] = [:]

        for rep in reps {
            var periodActual: [Kind: Int] = [:]
            var periodTarget: [Kind: Double] = [:]
            for week in weeks {
                let targets = plan.targets(rep: rep.id, team: rep.team, startDate: rep.startDate, monday: week.monday)
                let weekCounts = counts[rep.id]?[week] ?? [:]
                for kind in Kind.allCases {
                    let actual = weekCounts[kind] ?? 0
                    let target = targets[kind]
                    rows.append(Row(rep: rep.id, name: rep.name, team: rep.team, week: week, kind: kind, actual: actual,
                                    attainment: target.map { Attainment(target: $0, actual: actual) }))
                    periodActual[kind, default: 0] += actual
                    if let target { periodTarget[kind, default: 0] += target }
                    if let team = rep.team {
                        var cell = rollUp[team]?[week]?[kind] ?? (0, nil)
                        cell.actual += actual
                        if let target { cell.target = (cell.target ?? 0) + target }
                        rollUp[team, default: [:]][week, default: [:]][kind] = cell
                    }
                }
            }
            for kind in Kind.allCases {
                let actual = periodActual[kind] ?? 0
                totals.append(Total(rep: rep.id, name: rep.name, team: rep.team, kind: kind, actual: actual,
                                    attainment: periodTarget[kind].map { Attainment(target: $0, actual: actual) }))
            }
            // Distinct organisations per step of the flow: given for a flow other than the
            // standard one, whose steps are one kind each.
            let orgs = organisations[rep.id] ?? [:]
            let stepOrgs = stepOrganisations?[rep.id]
            for p in funnelPoints(flow) {
                funnel.append(FunnelStep(rep: rep.id, name: rep.name, from: p.from, to: p.to, fromStep: p.fromStep, toStep: p.toStep,
                                         fromName: flow.name(of: p.fromStep), toName: flow.name(of: p.toStep),
                                         fromOrgs: stepOrgs.map { $0[p.fromStep] ?? 0 } ?? orgs[p.from] ?? 0,
                                         toOrgs: stepOrgs.map { $0[p.toStep] ?? 0 } ?? orgs[p.to] ?? 0, norm: p.norm))
            }
        }

        var teamRows: [TeamRow] = []
        let exportedTeams = teamList.filter { rollUp[$0.id] != nil }
        for team in exportedTeams {
            for week in weeks {
                for kind in Kind.allCases {
                    let cell = rollUp[team.id]?[week]?[kind] ?? (0, nil)
                    teamRows.append(TeamRow(team: team.id, name: team.name, week: week, kind: kind, actual: cell.actual,
                                            attainment: cell.target.map { Attainment(target: $0, actual: cell.actual) }))
                }
            }
        }
        return LedgerExport(from: from, to: to, weeks: weeks, reps: reps, teamList: exportedTeams, rows: rows,
                            totals: totals, teams: teamRows, funnel: funnel, flow: flow)
    }

    /// The kinds that have a target for some rep in some week of the export, in step order.
    public var targetedKinds: [Kind] {
        let kinds = Set(rows.compactMap { $0.attainment == nil ? nil : $0.kind })
        return Kind.allCases.filter { kinds.contains($0) }
    }
}

extension ISOWeek {
    /// The weeks from `from` to `to`, both included, across year ends (2026 has 53 weeks);
    /// empty when `to` is before `from`.
    public static func range(from: ISOWeek, to: ISOWeek) -> [ISOWeek] {
        var out: [ISOWeek] = []
        var w = from
        while w <= to {
            out.append(w)
            w = w.next
        }
        return out
    }

    /// The number of weeks from `from` to `to`, both included (0 when `to` is before `from`).
    public static func count(from: ISOWeek, to: ISOWeek) -> Int {
        guard from <= to else { return 0 }
        var n = 0
        var y = from.year
        while y < to.year {
            n += weeksIn(year: y)
            y += 1
        }
        return n + to.week - from.week + 1
    }

    /// The calendar date of the week's Monday (the same in every time zone).
    public var monday: DateComponents {
        let utc = TimeZone(identifier: "UTC")!
        return ISOWeek.calendar(utc).dateComponents([.year, .month, .day], from: start(in: utc))
    }
}
