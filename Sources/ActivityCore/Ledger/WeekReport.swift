import Foundation

/// One rep's week as `activity week` shows it (INTERFACE.md's JSON, field for field).
public struct RepWeek: Sendable {
    public struct Target: Sendable {
        public var kind: Kind
        public var attainment: Attainment
        /// Set in a week that is not over: what is still needed and the days left to do it.
        public var daysLeft: Int?
    }

    public struct FollowUpDue: Sendable {
        public var org: String
        public var lastContact: Date
        public var daysWaiting: Int
    }

    public var rep: String
    public var name: String
    public var team: String?
    public var week: ISOWeek
    public var timeZone: TimeZone
    public var inProgress: Bool
    public var counts: [Kind: Int]
    public var targets: [Target]
    public var activities: [Activity]
    public var followUpsDue: [FollowUpDue]
    public var stages: [(org: String, step: Int)]
    /// The flow that numbers and names the stages and the activities' steps.
    public var flow: Flow = .standard
    /// The rep's open deals by class at the week's end (now, in a week not over): seed 001's
    /// 过堂 line. Set by whoever reads the store (the CLI's Ledger); nil when not asked for.
    public var deals: Pipeline.Counts? = nil

    /// Builds the week from the rep's activities in it, the highest step each organisation active
    /// in it had reached before its end (`reached`, for stages), their mail exchanges, targets,
    /// and the current time.
    /// Organisations whose last outbound mail before `asOf` has no answer after it and has waited
    /// at least `afterDays`, longest waiting first.
    public static func followUpsDue(_ exchanges: [(org: String, lastOut: Date?, lastIn: Date?)], asOf: Date,
                                    afterDays: Int) -> [FollowUpDue] {
        let wait = TimeInterval(afterDays) * 86_400
        return exchanges.compactMap { e -> FollowUpDue? in
            guard let out = e.lastOut, out < asOf, e.lastIn.map({ $0 < out }) ?? true, asOf.timeIntervalSince(out) >= wait else { return nil }
            return FollowUpDue(org: e.org, lastContact: out, daysWaiting: Int(asOf.timeIntervalSince(out) / 86_400))
        }.sorted { ($0.daysWaiting, $0.org) > ($1.daysWaiting, $1.org) }
    }

    public static func build(rep: RepProfile, week: ISOWeek, activities: [Activity], reached: [String: Int],
                             exchanges: [(org: String, lastOut: Date?, lastIn: Date?)], targets: [Kind: Double],
                             followUpAfterDays: Int, now: Date, flow: Flow = .standard) -> RepWeek {
        let zone = rep.timeZone
        let start = week.start(in: zone)
        let end = week.end(in: zone)
        let inProgress = now < end
        var counts: [Kind: Int] = [:]
        for k in Kind.allCases { counts[k] = 0 }
        // A voided activity stays listed but counts for nothing (DOMAIN.md "Corrections").
        for a in activities where a.counted { counts[a.kind, default: 0] += 1 }

        var daysLeft: Int? = nil
        if inProgress {
            let cal = ISOWeek.calendar(zone)
            let today = cal.startOfDay(for: max(now, start))
            daysLeft = max(0, (cal.dateComponents([.day], from: today, to: end).day ?? 0))
        }
        let targetList = targets.keys.sorted().map { kind in
            Target(kind: kind, attainment: Attainment(target: targets[kind]!, actual: counts[kind] ?? 0), daysLeft: daysLeft)
        }

        // Follow-ups due as of the end of the week, or now if the week is not over.
        let due = followUpsDue(exchanges, asOf: min(now, end), afterDays: followUpAfterDays)

        // Stage: the highest step (of the flow; `reached` is in its numbers) reached with each
        // organisation active this week.
        var stage: [String: Int] = [:]
        for a in activities where a.at < end && a.counted {
            stage[a.org] = max(stage[a.org] ?? 0, reached[a.org] ?? 0, flow.step(of: a))
        }
        let stages = stage.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map { (org: $0.key, step: $0.value) }

        return RepWeek(rep: rep.id, name: rep.name, team: rep.team, week: week, timeZone: zone, inProgress: inProgress,
                       counts: counts, targets: targetList, activities: activities, followUpsDue: due, stages: stages, flow: flow)
    }
}
