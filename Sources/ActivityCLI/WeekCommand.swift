import ArgumentParser
import Foundation
import ActivityCore
import ActivityConfig
import ActivityStore

/// `activity week`: a rep's (or everyone's) week against targets.
struct WeekCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "week",
        abstract: "Show a week: counts per kind against targets, the activities and their rules, follow-ups due, stages.")

    @OptionGroup var global: GlobalOptions

    @OptionGroup var reps: RepSelection

    @Option(name: .long, help: ArgumentHelp("The ISO week, e.g. 2026-W47 (default: the current week).", valueName: "WEEK"))
    var week: String?

    @Option(name: .long, help: ArgumentHelp("The week holding this date, e.g. 2026-11-18.", valueName: "DATE"))
    var date: String?

    @Option(name: .long, help: "table (for people), json or csv (for programs).")
    var format: WeekFormat = .table

    func validate() throws {
        if week != nil && date != nil { throw ValidationError("give --week or --date, not both") }
        if let week, ISOWeek(week) == nil { throw ValidationError("--week \(week): not an ISO week such as 2026-W47") }
        if let date, WeekCommand.parseDate(date) == nil { throw ValidationError("--date \(date): not a date such as 2026-11-18") }
    }

    func run() throws {
        let runtime = try Runtime.load(global)
        let config = runtime.config
        let reps = try self.reps.chosen(in: config)
        try runtime.requireExistingStore()
        let store = try Store(location: config.store)
        store.preferMappedReads()
        let now = Date()
        let isoWeek: ISOWeek
        if let week { isoWeek = ISOWeek(week)! }
        else if let date, let d = WeekCommand.parseDate(date) {
            isoWeek = ISOWeek(containing: d.addingTimeInterval(12 * 3600), in: TimeZone(identifier: "UTC")!)
        } else { isoWeek = ISOWeek(containing: now, in: config.timeZone) }

        let ledger = Ledger(config: config, store: store)
        let weeks = try reps.map { try ledger.repWeek($0, week: isoWeek, now: now) }
        switch format {
        case .json: printOut(WeekRendering.json(weeks, week: isoWeek, config: config).serialized(pretty: true) + "\n")
        case .csv: printOut(WeekRendering.csv(weeks))
        case .table: printOut(WeekRendering.table(weeks, week: isoWeek, color: isatty(1) != 0))
        }
    }

    static func parseDate(_ s: String) -> Date? {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd"
        return f.date(from: s)
    }
}

enum WeekFormat: String, ExpressibleByArgument, CaseIterable { case table, json, csv }

/// `--rep ID`... or `--all` (the default): which reps a report shows.
struct RepSelection: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Show this rep (repeatable).", valueName: "ID"))
    var rep: [String] = []

    @Flag(name: .long, help: "Show every rep (the default when no --rep is given).")
    var all = false

    func validate() throws {
        if all && !rep.isEmpty { throw ValidationError("give --rep or --all, not both") }
    }

    /// The chosen reps in the config's order; an unknown id is a usage error naming the reps there are.
    func chosen(in config: Config) throws -> [Config.Rep] {
        for id in rep where config.rep(id) == nil {
            throw ActivityError(.usage, "--rep \(id): no such rep in \(config.file) (reps: \(config.reps.map(\.id).joined(separator: ", ")))")
        }
        return rep.isEmpty ? config.reps : config.reps.filter { rep.contains($0.id) }
    }
}

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
        return RepWeek.build(rep: profile, week: week, activities: activities, reached: reached, exchanges: exchanges,
                             targets: targets, followUpAfterDays: config.followupAfterDays, now: now, flow: config.flow)
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
        let zone = config.profile(rep).timeZone
        let standings = try self.standings(rep, asOf: moment)
        let since = moment.addingTimeInterval(-TimeInterval(config.leadLookbackDays) * 86_400)
        let exchanges = try store.unansweredExchanges(rep: rep.id, before: moment, since: since,
                                                      waitedUntil: moment.addingTimeInterval(-TimeInterval(config.followupAfterDays) * 86_400))
        let unanswered = Set(RepWeek.followUpsDue(exchanges, asOf: moment, afterDays: config.followupAfterDays).map(\.org))
        return Pipeline.deals(standings, on: moment, in: zone, settings: config.pipeline, unanswered: unanswered, flow: config.flow)
    }
}

/// The three renderings of `activity week`.
enum WeekRendering {
    static func json(_ weeks: [RepWeek], week: ISOWeek, config: Config) -> JSON {
        let zone = config.timeZone
        return .object([
            ("week", .string(week.description)),
            ("start", .string(isoDate(week.start(in: zone), in: zone))),
            ("end", .string(isoDate(week.end(in: zone).addingTimeInterval(-1), in: zone))),
            ("timezone", .string(zone.identifier)),
            ("reps", .array(weeks.map { repJSON($0) })),
        ])
    }

    static func repJSON(_ w: RepWeek) -> JSON {
        .object([
            ("rep", .string(w.rep)),
            ("name", .string(w.name)),
            ("team", .optional(w.team)),
            ("status", .string(w.inProgress ? "in_progress" : "complete")),
            ("counts", .object(Kind.allCases.map { ($0.rawValue, .int(w.counts[$0] ?? 0)) })),
            ("targets", .object(w.targets.map { t in
                var fields: [(String, JSON)] = [
                    ("target", .double(t.attainment.target)),
                    ("actual", .int(t.attainment.actual)),
                    ("attainment", .double(t.attainment.roundedRatio)),
                    ("status", .string(t.attainment.status.rawValue)),
                ]
                if let daysLeft = t.daysLeft {
                    fields.append(("remaining", .double(t.attainment.remaining)))
                    fields.append(("days_left", .int(daysLeft)))
                }
                return (t.kind.rawValue, .object(fields))
            })),
            ("activities", .array(w.activities.map { activityJSON($0, zone: w.timeZone, flow: w.flow) })),
            ("followups_due", .array(w.followUpsDue.map { f in
                .object([("org", .string(f.org)), ("last_contact", .string(rfc3339(f.lastContact, in: w.timeZone))),
                         ("days_waiting", .int(f.daysWaiting))])
            })),
            ("stages", .object(w.stages.map { ($0.org, .int($0.step)) })),
        ])
    }

    /// One activity of INTERFACE.md's JSON; an adjusted one carries `adjusted`, an added one a
    /// `manual` source (INTERFACE.md "Adjustments in the JSON").
    static func activityJSON(_ a: Activity, zone: TimeZone, flow: Flow) -> JSON {
        var fields: [(String, JSON)] = [
            ("id", .string(a.id)),
            ("kind", .string(a.kind.rawValue)),
            ("step", .int(flow.step(of: a))),
            ("at", .string(rfc3339(a.at, in: zone))),
            ("org", .string(a.org)),
            ("title", .string(a.title)),
            ("rule", .string(a.rule)),
        ]
        if a.sourceType == .manual, let mark = a.adjusted {
            fields.append(("source", .object([("type", .string("manual")), ("by", .string(mark.by)), ("adjustment", .int(Int(mark.id)))])))
        } else {
            fields.append(("source", .object([("type", .string(a.sourceType.rawValue)), ("account", .string(a.account)), ("ref", .string(a.ref))])))
        }
        if let mark = a.adjusted, mark.action != .add {
            fields.append(("adjusted", .object([
                ("id", .int(Int(mark.id))), ("action", .string(mark.action.rawValue)),
                ("from_kind", .optional(mark.fromKind?.rawValue)), ("by", .string(mark.by)),
                ("at", .string(rfc3339(mark.at, in: zone))), ("reason", .string(mark.reason)),
            ])))
        }
        if !a.counted { fields.append(("counted", .bool(false))) }
        return .object(fields)
    }

    /// How the table shows an activity's rule, and what was done to it by hand.
    static func ruleText(_ a: Activity) -> String {
        guard let mark = a.adjusted else { return a.rule }
        switch mark.action {
        case .add: return "manual #\(mark.id) by \(mark.by)"
        case .void: return "VOID #\(mark.id) by \(mark.by) (was \(a.rule))"
        case .reclassify: return "\(mark.fromKind?.rawValue ?? "?")→\(a.kind.rawValue) #\(mark.id) by \(mark.by) (was \(a.rule))"
        case .alias, .revoke: return a.rule
        }
    }

    static func csv(_ weeks: [RepWeek]) -> String {
        var out = "\u{FEFF}rep,name,team,week,status,kind,actual,target,attainment,target_status\r\n"
        for w in weeks {
            let targets = Dictionary(w.targets.map { ($0.kind, $0) }, uniquingKeysWith: { a, _ in a })
            for kind in Kind.allCases {
                let t = targets[kind]
                let cells = [w.rep, w.name, w.team ?? "", w.week.description, w.inProgress ? "in_progress" : "complete",
                             kind.rawValue, String(w.counts[kind] ?? 0),
                             t.map { formatNumber($0.attainment.target) } ?? "",
                             t.map { String(format: "%.4f", $0.attainment.ratio) } ?? "",
                             t?.attainment.status.rawValue ?? ""]
                out += cells.map(csvField).joined(separator: ",") + "\r\n"
            }
        }
        return out
    }

    static func table(_ weeks: [RepWeek], week: ISOWeek, color: Bool) -> String {
        var out = ""
        for w in weeks {
            let state = w.inProgress ? "in progress" : "complete"
            out += "\(w.name) (\(w.rep))\(w.team.map { ", team \($0)" } ?? "") — \(w.week) \(state)\n\n"
            var counts = TextTable(header: ["kind", w.flow.isStandard ? "步骤" : "步骤 (\(w.flow.name))", "actual", "target", "attainment", "status"], rightAligned: [2, 3, 4])
            let targets = Dictionary(w.targets.map { ($0.kind, $0) }, uniquingKeysWith: { a, _ in a })
            for kind in Kind.allCases {
                let t = targets[kind]
                var status = t?.attainment.status.rawValue ?? ""
                if let t, let days = t.daysLeft, t.attainment.remaining > 0 {
                    status += " (\(formatNumber(t.attainment.remaining)) more in \(days) day\(days == 1 ? "" : "s"))"
                }
                if color, let t {
                    let code = t.attainment.status == .met ? "32" : t.attainment.status == .near ? "33" : "31"
                    status = "\u{1B}[\(code)m\(status)\u{1B}[0m"
                }
                counts.add([kind.rawValue, w.flow.label(of: kind), String(w.counts[kind] ?? 0),
                            t.map { formatNumber($0.attainment.target) } ?? "",
                            t.map { String(format: "%.0f%%", $0.attainment.ratio * 100) } ?? "", status])
            }
            out += counts.render()
            if !w.activities.isEmpty {
                out += "\nActivities\n"
                var list = TextTable(header: ["when", "kind", "org", "title", "rule"])
                let f = DateFormatter()
                f.locale = Locale(identifier: "en_US_POSIX")
                f.timeZone = w.timeZone
                f.dateFormat = "EEE MM-dd HH:mm"
                for a in w.activities {
                    list.add([f.string(from: a.at), a.counted ? a.kind.rawValue : "(\(a.kind.rawValue))", a.org,
                              truncate(a.title, 40), ruleText(a)])
                }
                out += list.render()
            }
            if !w.followUpsDue.isEmpty {
                out += "\nFollow-ups due\n"
                var list = TextTable(header: ["org", "last contact", "days waiting"], rightAligned: [2])
                for d in w.followUpsDue {
                    list.add([d.org, isoDate(d.lastContact, in: w.timeZone), String(d.daysWaiting)])
                }
                out += list.render()
            }
            if !w.stages.isEmpty {
                out += "\nStages\n"
                var list = TextTable(header: ["org", "stage"])
                for s in w.stages {
                    list.add([s.org, w.flow.label(of: s.step)])
                }
                out += list.render()
            }
            out += "\n"
        }
        return out
    }

    static func truncate(_ s: String, _ width: Int) -> String {
        guard displayWidth(s) > width else { return s }
        var out = ""
        for c in s {
            if displayWidth(out + String(c)) > width - 1 { break }
            out.append(c)
        }
        return out + "…"
    }
}

func formatNumber(_ d: Double) -> String {
    d == d.rounded() ? String(Int(d)) : String(format: "%g", d)
}

/// RFC 4180 quoting.
func csvField(_ s: String) -> String {
    if s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
    return s
}
