import ArgumentParser
import Foundation
import ActivityCore
import ActivityConfig
import ActivityStore
import ActivitySync

/// `activity adjust`: corrections with an audit trail (DOMAIN.md "Corrections", INTERFACE.md).
struct AdjustCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "adjust",
        abstract: "Correct the ledger: add, void or reclassify an activity, alias an organisation, revoke an adjustment, list them.",
        discussion: """
            Every adjustment records who made it (--by, default the login running the command), when and why \
            (--reason, required). Nothing is edited or deleted: the derived ledger stays as the mail and \
            calendars make it, and the adjustments are applied after every derivation, rebuild and resync. \
            `revoke` withdraws one; `list` shows them all in the order they were made.
            """,
        subcommands: [Add.self, Void.self, Reclassify.self, Alias.self, Revoke.self, List.self])

    /// What every adjustment takes: why, and who.
    struct Why: ParsableArguments {
        @Option(name: .long, help: ArgumentHelp("Why (required; everyone who reads the ledger sees it).", valueName: "TEXT"))
        var reason: String?

        @Option(name: .long, help: ArgumentHelp("Who makes it (default: the login running the command).", valueName: "LOGIN"))
        var by: String?
    }

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add an activity no mail or calendar shows (a visit booked by phone).")
        @OptionGroup var global: GlobalOptions
        @Option(name: .long, help: ArgumentHelp("The rep it is credited to.", valueName: "ID")) var rep: String
        @Option(name: .long, help: ArgumentHelp("lead, qualified, contact, visit, demo, closing, onboarding, payment, follow_up (or 面谈…).", valueName: "KIND")) var kind: String
        @Option(name: .long, help: ArgumentHelp("When: 2026-11-17T10:00 in the ledger time zone, or RFC 3339 with an offset.", valueName: "TIME")) var at: String
        @Option(name: .long, help: ArgumentHelp("The organisation: a domain (huawei.com), an address, or a name.", valueName: "ORG")) var org: String
        @Option(name: .long, help: ArgumentHelp("What it was (shown like a mail subject).", valueName: "TEXT")) var title: String
        @OptionGroup var why: Why

        func run() throws {
            try AdjustCommand.perform(global, .init(action: .add, rep: rep, kind: kind, at: at, org: org, title: title,
                                                    reason: why.reason, by: why.by))
        }
    }

    struct Void: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make an activity count for nothing (it stays listed, marked void).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: ArgumentHelp("The activity's id (from `week --format json` or the web view).", valueName: "ACTIVITY-ID")) var activity: String
        @OptionGroup var why: Why

        func run() throws {
            try AdjustCommand.perform(global, .init(action: .void, activity: activity, reason: why.reason, by: why.by))
        }
    }

    struct Reclassify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Give an activity the right kind (a 沟通会 that was really a demo).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: ArgumentHelp("The activity's id.", valueName: "ACTIVITY-ID")) var activity: String
        @Option(name: .long, help: ArgumentHelp("The kind it really is.", valueName: "KIND")) var kind: String
        @OptionGroup var why: Why

        func run() throws {
            try AdjustCommand.perform(global, .init(action: .reclassify, activity: activity, kind: kind, reason: why.reason, by: why.by))
        }
    }

    struct Alias: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make two organisation names one (\"hint:华为 坂田基地\" --to huawei.com), for every rep.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: ArgumentHelp("The name that goes away.", valueName: "ORG")) var org: String
        @Option(name: .long, help: ArgumentHelp("The organisation it is.", valueName: "ORG")) var to: String
        @OptionGroup var why: Why

        func run() throws {
            try AdjustCommand.perform(global, .init(action: .alias, org: org, to: to, reason: why.reason, by: why.by))
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Withdraw an earlier adjustment (the revoke is an entry of its own).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: ArgumentHelp("The adjustment's number (from `adjust list`).", valueName: "ADJUSTMENT-ID")) var adjustment: String
        @OptionGroup var why: Why

        func run() throws {
            try AdjustCommand.perform(global, .init(action: .revoke, adjustment: adjustment, reason: why.reason, by: why.by))
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List every adjustment in the order made: who, when, why, what, revoked, orphaned.")
        @OptionGroup var global: GlobalOptions
        @Option(name: .long, help: ArgumentHelp("Only this rep's (aliases, which touch every rep, are always listed).", valueName: "ID")) var rep: String?
        @Option(name: .long, help: ArgumentHelp("Only adjustments of activities in this week, e.g. 2026-W47 (and aliases).", valueName: "W")) var week: String?
        @Option(name: .long, help: "table (for people) or json (for programs).") var format: ListFormat = .table

        func validate() throws {
            if let week, ISOWeek(week) == nil { throw ValidationError("--week \(week): not a week such as 2026-W47") }
        }

        func run() throws {
            let runtime = try Runtime.load(global)
            let config = runtime.config
            if let rep, config.rep(rep) == nil {
                throw ActivityError(.usage, "--rep \(rep): no such rep in \(config.file) (reps: \(config.reps.map(\.id).joined(separator: ", ")))")
            }
            let chosenWeek = week.flatMap(ISOWeek.init)
            try runtime.requireExistingStore()
            let store = try Store(location: config.store)
            let all = try store.adjustments()
            let orphaned = try store.orphanedAdjustments(all)
            let rows = AdjustmentListing.rows(all, orphaned: orphaned, config: config,
                                              reps: rep.map { [$0] }, weeks: chosenWeek.map { $0...$0 })
            switch format {
            case .json: printOut(AdjustmentListing.json(rows, config: config).serialized(pretty: true) + "\n")
            case .table: printOut(AdjustmentListing.table(rows, config: config))
            }
        }
    }

    enum ListFormat: String, ExpressibleByArgument, CaseIterable { case table, json }

    /// Records one adjustment from the command line and brings the ledger up to date with it.
    static func perform(_ global: GlobalOptions, _ request: AdjustmentRequest) throws {
        let runtime = try Runtime.load(global)
        try runtime.requireExistingStore()
        let store = try Store(location: runtime.config.store)
        var request = request
        if request.by == nil { request.by = AdjustmentRequest.currentLogin() }
        let made = try request.perform(config: runtime.config, store: store, now: Date())
        printOut(AdjustmentListing.describe(made, config: runtime.config) + "\n")
    }
}

extension AdjustmentRequest {
    /// Checks the request, records it and re-derives the reps it touches. Usage errors (64) for
    /// what the request itself gets wrong; 65 for an activity or adjustment that is not there.
    func perform(config: Config, store: Store, now: Date, derivation: Derivation? = nil) throws -> Adjustment {
        let reason = (self.reason ?? "").trimmedWhitespace
        guard !reason.isEmpty else {
            throw ActivityError(.usage, "--reason is required: say why (it is shown to everyone who reads the ledger)")
        }
        let by = (self.by ?? "").trimmedWhitespace
        guard !by.isEmpty else { throw ActivityError(.usage, "--by: give the login of who makes the adjustment") }
        let existing = try store.adjustments()
        let made: Adjustment
        var reps: [String]
        switch action {
        case .add:
            guard let repID = rep, let rep = config.rep(repID) else {
                throw ActivityError(.usage, "--rep \(rep ?? ""): no such rep in \(config.file) (reps: \(config.reps.map(\.id).joined(separator: ", ")))")
            }
            let kind = try AdjustmentRequest.kind(self.kind)
            let at = try AdjustmentRequest.time(at ?? "", zone: config.timeZone, now: now)
            let org = try AdjustmentRequest.organisation(self.org, option: "--org")
            let title = (self.title ?? "").trimmedWhitespace
            guard !title.isEmpty else { throw ActivityError(.usage, "--title is required: what the activity was (e.g. 电话约见 拜访华为)") }
            reps = [rep.id]
            made = try store.recordAdjustment(affecting: reps) { id in
                Adjustment(action: .add, rep: rep.id,
                           activity: Activity.makeID(rep: rep.id, kind: kind, ref: Adjustment.manualRef(id), org: org),
                           kind: kind, org: org, activityAt: at, title: title, by: by, madeAt: now, reason: reason)
            }
        case .void, .reclassify:
            let id = (activity ?? "").trimmedWhitespace
            guard let target = try store.activity(id: id) else {
                throw ActivityError(.dataError, "activity \(id): not in the ledger (`activity week --format json` lists activity ids)")
            }
            guard config.rep(target.rep) != nil else {
                throw ActivityError(.usage, "activity \(id) belongs to rep \(target.rep), who is no longer in \(config.file)")
            }
            let derivedKind = target.adjusted?.fromKind ?? target.kind
            var newKind: Kind? = nil
            if action == .reclassify {
                let kind = try AdjustmentRequest.kind(self.kind)
                if target.counted && kind == target.kind {
                    throw ActivityError(.usage, "activity \(id) is already a \(kind.rawValue); nothing to reclassify")
                }
                newKind = kind
            } else if !target.counted {
                throw ActivityError(.usage, "activity \(id) is already void (adjustment \(target.adjusted?.id ?? 0))")
            }
            reps = [target.rep]
            made = try store.recordAdjustment(affecting: reps) { _ in
                Adjustment(action: action, rep: target.rep, activity: target.id, kind: newKind, fromKind: derivedKind,
                           org: target.org, activityAt: target.at, title: target.title, ref: target.ref,
                           by: by, madeAt: now, reason: reason)
            }
        case .alias:
            let from = try AdjustmentRequest.organisation(org, option: "ORG")
            let to = try AdjustmentRequest.organisation(self.to, option: "--to")
            guard from != to else { throw ActivityError(.usage, "alias \(from) --to \(to): the two names are the same") }
            if existing.canonical(to) == from || existing.canonical(to) == existing.canonical(from) && existing.aliases[from] != nil {
                throw ActivityError(.usage, "alias \(from) --to \(to): \(to) already stands for \(existing.canonical(to)); this would make a loop or repeat an alias")
            }
            if existing.aliases[to] == from {
                throw ActivityError(.usage, "alias \(from) --to \(to): \(to) is already an alias of \(from); revoke that first")
            }
            reps = config.reps.map(\.id)
            made = try store.recordAdjustment(affecting: reps) { _ in
                Adjustment(action: .alias, org: from, toOrg: to, by: by, madeAt: now, reason: reason)
            }
        case .revoke:
            let text = (adjustment ?? "").trimmedWhitespace
            guard let number = Int64(text.hasPrefix("#") ? String(text.dropFirst()) : text), number > 0 else {
                throw ActivityError(.usage, "revoke \(text): not an adjustment number (`activity adjust list` shows them)")
            }
            guard let target = existing.adjustment(number) else {
                throw ActivityError(.dataError, "adjustment \(number): there is none (`activity adjust list` shows them)")
            }
            guard target.action != .revoke else {
                throw ActivityError(.usage, "adjustment \(number) is itself a revoke; make the adjustment again instead")
            }
            if let earlier = existing.revokedBy[number] {
                throw ActivityError(.usage, "adjustment \(number) was already revoked by \(earlier.id)")
            }
            reps = target.action == .alias ? config.reps.map(\.id) : [target.rep].compactMap { $0 }
            made = try store.recordAdjustment(affecting: reps) { _ in
                Adjustment(action: .revoke, rep: target.rep, revokes: number, by: by, madeAt: now, reason: reason)
            }
        }
        // Bring the ledger up to date now; should this fail, the reps stay marked as changed and
        // the next sync or rebuild applies the adjustment (it is recorded either way).
        let derivation = try derivation ?? Derivation(config: config, suffixes: try Derivation.loadSuffixes())
        for rep in config.reps where reps.contains(rep.id) {
            do {
                try derivation.rederive(rep: rep, store: store, now: now)
            } catch is DerivationSuperseded {
                // Another process derived the rep meanwhile, this adjustment included.
            } catch {
                FileHandle.standardError.write(Data("""
                    activity: adjustment #\(made.id) is recorded, but rep \(rep.id)'s ledger could not be updated now \
                    (\((error as? ActivityError)?.message ?? "\(error)")); the next sync or `activity rebuild` applies it\n
                    """.utf8))
            }
        }
        return made
    }
}
