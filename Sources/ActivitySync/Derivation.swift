import Foundation
import ActivityCore
import ActivityConfig
import ActivityStore

/// Re-derives activities from stored items: after every sync that brought something new, and on
/// `activity rebuild`. Derivation replays a rep's whole history in time order, so the result
/// never depends on the order in which folders, accounts or servers were read.
public struct Derivation {
    public let config: Config
    public let settings: ClassificationSettings
    /// Called at each named crash point (see `CrashPoint`); the replay tests throw there.
    public var crashHook: (String) throws -> Void = CrashPoint.reach

    public init(config: Config, suffixes: PublicSuffixList) {
        self.config = config
        self.settings = ClassificationSettings(
            identity: OrgIdentity(internalDomains: config.internalDomains, extraFreemail: config.freemailDomains, suffixes: suffixes),
            rules: config.rules, leadLookbackDays: config.leadLookbackDays, sharedCredit: config.sharedCredit,
            repAddresses: Set(config.reps.flatMap(\.emails)))
    }

    /// Reads the Public Suffix List that Debian's `publicsuffix` package installs.
    public static func loadSuffixes(path: String = PublicSuffixList.debianPath) throws -> PublicSuffixList {
        guard let data = FileManager.default.contents(atPath: path), String(validating: data, as: UTF8.self) != nil else {
            throw ActivityError(.unavailable, "\(path): the Public Suffix List is missing; install it with: apt-get install publicsuffix")
        }
        return PublicSuffixList(bytes: [UInt8](data))
    }

    /// The rep's classifier; with the aliases of `adjustments` (DOMAIN.md "Corrections": an
    /// alias is applied before classification).
    public func classifier(for rep: Config.Rep, adjustments: Adjustments = .none) -> Classifier {
        var settings = settings
        settings.aliases = adjustments.aliases
        return Classifier(rep: config.profile(rep), settings: settings)
    }

    /// Event instances derived per rep at most: a rep meeting 50 times a week has 5,200 in the
    /// two-year window; only hostile calendars (each already cut at 20,000) come near this.
    public static let maxEventInstancesPerRep = 250_000

    /// The ledger window of DOMAIN.md: recurring events are expanded from `lead_lookback_days`
    /// before `now` to 365 days after.
    public func window(now: Date) -> (from: Date, to: Date) {
        (now.addingTimeInterval(-TimeInterval(config.leadLookbackDays) * 86_400), now.addingTimeInterval(365 * 86_400))
    }

    /// Verdicts for every stored mail and event instance of a rep, in time order.
    public func verdicts(rep: Config.Rep, store: Store, now: Date) throws -> [ItemVerdict] {
        var out: [ItemVerdict] = []
        try replay(rep: rep, store: store, now: now, adjustments: try store.adjustments()) { out.append($0) }
        return out
    }

    /// The rep's history replayed in time order, each verdict handed to `emit` as it comes: the
    /// meetings are expanded up front, the mail streams from the store in timeline order.
    public func replay(rep: Config.Rep, store: Store, now: Date, adjustments: Adjustments,
                       _ emit: (ItemVerdict) throws -> Void) throws {
        var replay = Classifier.Replay(classifier(for: rep, adjustments: adjustments),
                                       events: try events(rep: rep, store: store, now: now))
        try store.forEachMail(rep: rep.id) { mail in
            try replay.add(Classifier.MailInput(item: mail.item, account: mail.account), emit)
        }
        try replay.finish(emit)
    }

    /// Every event instance of a rep in the ledger window: calendars and mailed invitations.
    func events(rep: Config.Rep, store: Store, now: Date) throws -> [Classifier.EventInput] {
        let zone = config.profile(rep).timeZone
        let (from, to) = window(now: now)
        var events: [Classifier.EventInput] = []
        let calendarAccounts = config.accounts.filter { $0.rep == rep.id && $0.kind == .caldav }.map(\.id)
        for object in try store.calendarObjects(accounts: calendarAccounts) {
            // A calendar object the parser cannot read is skipped here; sync recorded it as a
            // malformed item (see CalendarSync), which `status` and `explain` show.
            guard let calendar = try? ICalendar.parse(bytes: object.data) else { continue }
            // Each object is bounded by the expander's per-calendar limits (and recorded by sync
            // when they cut it); this bounds a rep with many such objects.
            guard events.count < Derivation.maxEventInstancesPerRep else { break }
            for instance in RecurrenceExpander.instances(of: calendar, from: from, to: to, floatingZone: zone) {
                events.append(.init(instance: instance, account: object.account, origin: .calendar))
            }
        }
        for mail in try store.mailsWithCalendarParts(rep: rep.id) {
            events += Derivation.invitationEvents(mail, from: from, to: to, zone: zone)
        }
        return events
    }

    /// The events of a mailed invitation (METHOD REQUEST), or their cancellation (METHOD CANCEL).
    static func invitationEvents(_ mail: StoredMail, from: Date, to: Date, zone: TimeZone) -> [Classifier.EventInput] {
        var out: [Classifier.EventInput] = []
        for part in mail.item.calendarParts {
            guard let calendar = try? ICalendar.parse(bytes: part) else { continue }
            for var instance in RecurrenceExpander.instances(of: calendar, from: from, to: to, floatingZone: zone) {
                if calendar.method == "CANCEL" { instance.status = "CANCELLED" }
                out.append(.init(instance: instance, account: mail.account, origin: .invitation))
            }
        }
        return out
    }

    /// Replaces a rep's activities with those derived from the store and then adjusted (DOMAIN.md
    /// "Corrections"), and records which version of the rep's items — adjustments included —
    /// they come from (see `Store.itemsChanged`); returns how many.
    @discardableResult
    public func rederive(rep: Config.Rep, store: Store, now: Date) throws -> Int {
        // The version and the items are read from one snapshot: items stored meanwhile leave
        // the ledger stale (derived again next time), never marked fresh without being read.
        // Only what the ledger keeps is held, not the items.
        var activities: [Activity] = []
        var exchanges: [Exchange] = []
        let version = try store.readTransaction {
            let version = try store.itemsVersion(rep: rep.id)
            let adjustments = try store.adjustments()
            try replay(rep: rep, store: store, now: now, adjustments: adjustments) { verdict in
                activities += verdict.activities
                exchanges += verdict.exchanges
            }
            if !adjustments.isEmpty { activities = adjustments.apply(to: activities, rep: rep.id).activities }
            return version
        }
        let zone = config.profile(rep).timeZone
        try store.transaction {
            // One derivation of a rep at a time, across every worker sharing the store.
            try store.lockRepForDerivation(rep.id)
            let wroteActivities = try store.replaceActivities(rep: rep.id, with: activities, timeZone: zone)
            let wroteExchanges = try store.replaceExchanges(rep: rep.id, with: exchanges)
            // The kept aggregates (schema 10) follow what was written; nothing written, nothing
            // to follow (they were written with the rows they summarise).
            if wroteActivities || wroteExchanges {
                try store.replaceAggregates(rep: rep.id, activities: activities, exchanges: exchanges, timeZone: zone)
            }
            try crashHook("derive.before-commit")
            guard try store.recordDerived(rep: rep.id, version: version, at: now) else {
                // Another process wrote a derivation of newer items: keep it.
                throw DerivationSuperseded()
            }
        }
        try crashHook("derive.committed")
        return activities.count
    }
}

extension Derivation {
    /// Re-derives `reps`, up to `jobs` at once (each worker with a connection of its own to the
    /// store); the number of activities of each, in the order given. The first error is thrown
    /// once every rep has been tried. `rereadMail`: each rep's stored mail is read again from its
    /// raw headers first (`Store.reparseMail`, for `rebuild`), by the worker that derives it.
    public func rederiveAll(_ reps: [Config.Rep], store: Store, jobs: Int, now: Date, rereadMail: Bool = false) throws -> [Int] {
        let results = Results(count: reps.count)
        Workers.run(count: reps.count, jobs: jobs,
                    context: { jobs <= 1 || reps.count == 1 ? store : try store.reopened() },
                    failed: { results.fail($0) },
                    body: { store, i in
                        do {
                            if rereadMail { try store.reparseMail(rep: reps[i].id) }
                            results.set(i, try self.rederive(rep: reps[i], store: store, now: now))
                        } catch { results.fail(error) }
                    })
        return try results.take()
    }

    private final class Results: @unchecked Sendable {
        private let lock = NSLock()
        private var counts: [Int]
        private var error: Error?
        init(count: Int) { counts = Array(repeating: 0, count: count) }
        func set(_ i: Int, _ n: Int) { lock.withLock { counts[i] = n } }
        func fail(_ e: Error) { lock.withLock { if error == nil { error = e } } }
        func take() throws -> [Int] {
            try lock.withLock {
                if let error { throw error }
                return counts
            }
        }
    }
}

/// A derivation lost the race against one of newer items (by another process) and wrote nothing;
/// the ledger is as that one left it.
public struct DerivationSuperseded: Error {}
