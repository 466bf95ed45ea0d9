import Foundation
import ActivityCore
import ActivityConfig
import ActivityStore

/// Reads what a report needs from the store and the config.
struct Ledger {
    let config: Config
    let store: Store

    var plan: TargetPlan {
        TargetPlan(defaults: config.defaultTargets,
                   tenure: config.tenureBands.map { .init(fromMonth: $0.fromMonth, toMonth: $0.toMonth, targets: $0.targets) },
                   teams: Dictionary(config.teams.map { ($0.id, $0.targets) }, uniquingKeysWith: { a, _ in a }),
                   reps: Dictionary(config.reps.map { ($0.id, $0.targets) }, uniquingKeysWith: { a, _ in a }))
    }

    func repWeek(_ rep: Config.Rep, week: ISOWeek, now: Date) throws -> RepWeek {
        let profile = config.profile(rep)
        let zone = profile.timeZone
        let end = week.end(in: zone)
        let activities = try store.activities(rep: rep.id, week: week)
        let reached = try stages(rep, orgs: Set(activities.map(\.org)), before: end)
        let since = end.addingTimeInterval(-TimeInterval(config.leadLookbackDays) * 86_400)
        let asOf = min(now, end)
        let exchanges = try store.unansweredExchanges(rep: rep.id, before: asOf, since: since,
                                                      waitedUntil: asOf.addingTimeInterval(-TimeInterval(config.followupAfterDays) * 86_400))
        let monday = ISOWeek.calendar(zone).dateComponents([.year, .month, .day], from: week.start(in: zone))
        let targets = plan.targets(rep: rep.id, team: rep.team, startDate: rep.startDate, monday: monday)
        var repWeek = RepWeek.build(rep: profile, week: week, activities: activities, reached: reached, exchanges: exchanges,
                                    targets: targets, followUpAfterDays: config.followupAfterDays, now: now, flow: config.flow)
        // The week's review: the deals open at its last second, or now in a week not over.
        let moment = min(now, end.addingTimeInterval(-1))
        repWeek.deals = try dealCounts(rep, asOf: moment)
        return repWeek
    }

    /// The highest step of the configured flow each of `orgs` reached with the rep before `before`:
    /// the store's `step` column for the standard flow, else the flow's steps of each kind (and
    /// title, where the flow splits a kind on it).
    func stages(_ rep: Config.Rep, orgs: Set<String>, before: Date) throws -> [String: Int] {
        if config.flow.isStandard { return try store.stages(rep: rep.id, orgs: orgs, before: before) }
        let evidence = try store.flowEvidence(rep: rep.id, through: before.addingTimeInterval(-1), titlesFor: config.flow.titleKinds)
        return Pipeline.standings(evidence.filter { orgs.contains($0.org) }, flow: config.flow).mapValues(\.stage)
    }

    /// Each organisation's standing with the rep at `moment`, over all history, in the configured flow.
    func standings(_ rep: Config.Rep, asOf moment: Date) throws -> [String: Pipeline.Standing] {
        if config.flow.isStandard {
            return try store.standings(rep: rep.id, asOf: moment).mapValues { Pipeline.Standing(stage: $0.stage, lastActivity: $0.last) }
        }
        return Pipeline.standings(try store.flowEvidence(rep: rep.id, through: moment, titlesFor: config.flow.titleKinds), flow: config.flow)
    }
}

extension Ledger {
    /// A rep's open deals at `moment` (DOMAIN.md "Deal classes"): the stage of each organisation and
    /// its last activity, over all history, and whether its last mail waits for an answer.
    func pipeline(_ rep: Config.Rep, at moment: Date) throws -> [Pipeline.Deal] {
        let since = moment.addingTimeInterval(-TimeInterval(config.leadLookbackDays) * 86_400)
        let standings = try openStandings(rep, asOf: moment)
        // Only a deal's `next` asks whether its mail waits: the other organisations' mail is not read.
        let exchanges = try store.unansweredExchanges(rep: rep.id, before: moment, since: since,
                                                      waitedUntil: moment.addingTimeInterval(-TimeInterval(config.followupAfterDays) * 86_400),
                                                      among: Set(standings.keys))
        let unanswered = Set(RepWeek.followUpsDue(exchanges, asOf: moment, afterDays: config.followupAfterDays).map(\.org))
        return Pipeline.deals(standings, on: moment, in: config.profile(rep).timeZone,
                              settings: config.pipeline, unanswered: unanswered, flow: config.flow)
    }

    /// The rep's open deals by class at `moment`: `Pipeline.counts` of `openStandings`, without a
    /// dictionary of them under the standard flow.
    func dealCounts(_ rep: Config.Rep, asOf moment: Date) throws -> Pipeline.Counts {
        let zone = config.profile(rep).timeZone
        guard config.flow.isStandard, let range = openRange else {
            return Pipeline.counts(try openStandings(rep, asOf: moment), on: moment, in: zone, settings: config.pipeline, flow: config.flow)
        }
        let since = moment.addingTimeInterval(-TimeInterval(config.pipeline.dropAfterDays + 3) * 86_400)
        let list = try store.openStandingList(rep: rep.id, asOf: moment, stages: range, activeSince: since)
        return Pipeline.counts(list: list.lazy.map { Pipeline.Standing(stage: $0.stage, lastActivity: $0.last) }, on: moment, in: zone,
                               settings: config.pipeline, flow: config.flow)
    }

    /// The flow's open steps (a step's role never falls below an earlier step's, Flow.Role: they
    /// are a range), nil if none.
    var openRange: ClosedRange<Int>? {
        let flow = config.flow
        let open = (1...max(1, flow.steps.count)).filter { flow.role(of: $0) >= .open && flow.role(of: $0) < .won }
        guard let low = open.first, let high = open.last else { return nil }
        return low...high
    }

    /// The standings `Pipeline.deals` can make open deals of (a superset: it decides). Under the
    /// standard flow only those of an open step, active within `drop_after_days` of `moment`
    /// (and three days more: the rep's UTC offset at the last activity may differ from the
    /// moment's), read as such from the store. `week --all` counts every rep's deals (reading no
    /// mail exchanges: a count does not need a deal's `next`).
    func openStandings(_ rep: Config.Rep, asOf moment: Date) throws -> [String: Pipeline.Standing] {
        guard config.flow.isStandard else { return try standings(rep, asOf: moment) }
        guard let range = openRange else { return [:] }
        let since = moment.addingTimeInterval(-TimeInterval(config.pipeline.dropAfterDays + 3) * 86_400)
        return try store.openStandings(rep: rep.id, asOf: moment, stages: range, activeSince: since)
            .mapValues { Pipeline.Standing(stage: $0.stage, lastActivity: $0.last) }
    }
}
