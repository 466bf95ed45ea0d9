import Foundation
import Logging
import ActivityCore
import ActivityConfig
import ActivityStore
import ActivityTransport

/// Incremental CalDAV sync of one account, in the manner of vdirsyncer: per calendar an RFC 6578
/// sync token (or, for servers without sync-collection, a diff of hrefs and etags), changed items
/// fetched with calendar-multiget, deletions applied; the token is committed in the same
/// transaction as the items it covers. The store mirrors the server: a moved, cancelled or
/// deleted event changes or leaves the ledger on the next derivation.
public struct CalendarSync {
    public let store: Store
    public let logger: Logger
    /// Asked between calendars: true stops with `SyncInterrupted`.
    public var shouldStop: (@Sendable () -> Bool)? = nil
    /// The ledger window (Derivation.window): an object whose expansion in it is cut by the
    /// expander's limits is recorded as malformed. Nil: objects are only checked to parse.
    public var window: (from: Date, to: Date)? = nil
    /// Where floating times and dates are read (the rep's zone), for that check.
    public var floatingZone = TimeZone(identifier: "UTC")!
    /// Called at each named crash point (see `CrashPoint`); the replay tests throw there.
    public var crashHook: (String) throws -> Void = CrashPoint.reach

    public init(store: Store, logger: Logger) {
        self.store = store
        self.logger = logger
    }

    public func sync(account: Config.Account, password: String, bearerToken: String? = nil) throws -> AccountSyncResult {
        let client = try CalDAVClient(endpoint: CalDAVEndpoint(url: account.url, username: account.username, password: password,
                                                               caFile: account.caFile, account: account.id, timeout: account.timeout,
                                                               bearerToken: bearerToken))
        return try sync(account: account, over: client)
    }

    /// The account's calendars over a session: a live client, or a replayed one (the tests).
    func sync(account: Config.Account, over client: any CalendarSession) throws -> AccountSyncResult {
        var result = AccountSyncResult(account: account.id)
        let discovered = try client.discoverCalendars()
        let (calendars, missing) = CalendarSync.select(discovered, names: account.calendars)
        // A calendar the store has and the sync no longer reads: gone from the server (its events
        // leave the ledger: calendars follow the server), or no longer configured (the same).
        // One that discovery merely failed to list but that still answers is kept.
        let known = try store.calendars(account: account.id)
        for old in known where !calendars.contains(where: { $0.url == old.url }) {
            // Listed but no longer configured, or on another server (the account's url changed):
            // gone for this account. Otherwise only once the server says so.
            let listed = discovered.contains { $0.url == old.url }
            if !listed && client.isOnThisServer(old.url) {
                let exists: Bool
                do {
                    exists = try client.collectionExists(old.url)
                } catch {
                    logger.warning("cannot tell whether a calendar the server did not list is gone; keeping its events for now", metadata: [
                        "account": "\(account.id)", "calendar": "\(old.url)", "error": "\(error)"])
                    continue
                }
                if exists {
                    logger.warning("a calendar the server did not list still exists; keeping its events", metadata: [
                        "account": "\(account.id)", "calendar": "\(old.url)"])
                    continue
                }
            }
            logger.notice("calendar removed on the server or from the config: its events leave the ledger", metadata: [
                "account": "\(account.id)", "calendar": "\(old.url)"])
            try store.transaction {
                try store.removeCalendar(account: account.id, url: old.url)
                try store.clearMalformed(account: account.id, location: old.url)
                try store.itemsChanged(rep: account.rep)
            }
            result.newItems += 1
        }
        for calendar in calendars {
            if shouldStop?() == true { throw SyncInterrupted() }
            let token = known.first { $0.url == calendar.url }?.token
            result.newItems += try sync(calendar: calendar, token: token, account: account, client: client, result: &result)
            result.folders.append(calendar.displayName ?? calendar.url)
        }
        // A configured calendar the server does not have: the others are synced, and the account
        // fails with a configuration error naming it.
        if !missing.isEmpty {
            let names = missing.map { "\"\($0)\"" }.joined(separator: ", ")
            let have = discovered.map { $0.displayName ?? $0.url }.joined(separator: ", ")
            throw ActivityError(.config, "account \(account.id): \(Config.serverName(account.url)) has no calendar \(names); fix calendars in the config (the server has: \(have))")
        }
        return result
    }

    /// The discovered calendars the account's `calendars` key asks for (all if it is empty),
    /// each named by URL, display name or last path segment. A name that matches none is a
    /// configuration error.
    public static func selectCalendars(_ all: [CalDAVCalendar], account: Config.Account) throws -> [CalDAVCalendar] {
        let (chosen, missing) = select(all, names: account.calendars)
        if let wanted = missing.first {
            throw ActivityError(.config, "account \(account.id): \(Config.serverName(account.url)) has no calendar \"\(wanted)\"; fix calendars in the config")
        }
        return chosen
    }

    /// The calendars `names` asks for (all when it names none, as `calendars = []` means), and
    /// the names that match none of them.
    static func select(_ discovered: [CalDAVCalendar], names: [String]) -> (chosen: [CalDAVCalendar], missing: [String]) {
        guard !names.isEmpty else { return (discovered, []) }
        return (discovered.filter { c in names.contains(where: c.isNamed) },
                names.filter { wanted in !discovered.contains { $0.isNamed(wanted) } })
    }

    /// Returns how many items changed (new, modified or deleted). `CalendarSyncPlan` decides;
    /// this does the requests, the store transactions and the crash points.
    func sync(calendar: CalDAVCalendar, token: String?, account: Config.Account, client: any CalendarSession,
              result: inout AccountSyncResult) throws -> Int {
        var plan = CalendarSyncPlan(calendar: calendar, token: token)
        var listedAgain = false

        func handle(_ event: CalendarSyncPlan.Event) throws {
            for action in plan.handle(event) { try perform(action) }
        }

        func perform(_ action: CalendarSyncPlan.Action) throws {
            switch action {
            case .listChanges(let since):
                let changes: CalDAVChanges
                do {
                    changes = try client.changes(in: calendar, since: since)
                } catch is CalDAVSyncTokenInvalid where !listedAgain {
                    listedAgain = true
                    logger.notice("sync token no longer valid: full resync of the calendar", metadata: [
                        "account": "\(account.id)", "calendar": "\(calendar.url)"])
                    return try handle(.tokenInvalid)
                }
                try handle(.changesListed(changes))
            case .listETags:
                try handle(.etagsListed(try client.etags(in: calendar)))
            case .fetch(let hrefs):
                try client.fetch(hrefs, from: calendar, each: { items in try handle(.itemsFetched(items)) })
                try handle(.fetchEnded)
            case .store(let items):
                try store.transaction {
                    for item in items {
                        try store.saveCalendarObject(.init(account: account.id, calendar: calendar.url, href: item.href,
                                                           etag: item.etag, data: item.data))
                        try checkReadable(item, calendar: calendar, account: account)
                    }
                    try store.itemsChanged(rep: account.rep)
                    try crashHook("calendar.before-commit")
                }
                try crashHook("calendar.committed")
                try handle(.committed)
            case .finish(let gone, let newToken):
                try store.transaction {
                    for href in gone {
                        try store.deleteCalendarObject(account: account.id, calendar: calendar.url, href: href)
                        try store.clearMalformed(account: account.id, location: calendar.url, ref: href)
                    }
                    if !gone.isEmpty { try store.itemsChanged(rep: account.rep) }
                    try store.saveCalendar(account: account.id, url: calendar.url, displayName: calendar.displayName, token: newToken)
                    try crashHook("calendar.before-commit")
                }
                try crashHook("calendar.committed")
                try handle(.committed)
            case .done:
                logger.info("calendar synced", metadata: [
                    "account": "\(account.id)", "calendar": "\(calendar.url)", "fetched": "\(plan.fetched)", "deleted": "\(plan.gone.count)"])
            }
        }

        try handle(.started(stored: try store.calendarETags(account: account.id, calendar: calendar.url)))
        result.fetched += plan.fetched
        return plan.fetched + plan.gone.count
    }

    /// Records a calendar object the parser cannot read, or whose expansion the recurrence limits
    /// cut, as a malformed item (it is stored all the same, so the next sync does not fetch it
    /// again; derivation skips it or counts what the limits allow), and forgets the record once a
    /// readable version replaces it.
    func checkReadable(_ item: CalDAVItem, calendar: CalDAVCalendar, account: Config.Account) throws {
        if let reason = CalendarSync.problem(with: item.data, window: window, floatingZone: floatingZone) {
            logger.warning("malformed calendar object", metadata: [
                "account": "\(account.id)", "calendar": "\(calendar.url)", "href": "\(item.href)", "reason": "\(reason)"])
            try store.recordMalformed(MalformedItem(account: account.id, location: calendar.url, ref: item.href,
                                                    kind: .event, reason: reason))
        } else {
            try store.clearMalformed(account: account.id, location: calendar.url, ref: item.href)
        }
    }

    /// Why iCalendar data (a calendar object or an invitation part) cannot be used as it is, or nil:
    /// it does not parse, or its expansion in `window` is cut by the expander's limits.
    static func problem(with data: [UInt8], window: (from: Date, to: Date)?, floatingZone: TimeZone) -> String? {
        let calendar: ICalendar
        do {
            calendar = try ICalendar.parse(bytes: data)
        } catch {
            return "cannot be read: " + ((error as? ActivityError)?.message ?? "\(error)")
        }
        // A series whose rule cannot be read is refused by the expander (the file's other series
        // count): recorded, whatever the window.
        let refused = calendar.events.filter { $0.recurrenceID == nil && $0.problem != nil }
        if let first = refused.first, let reason = first.problem {
            let more = refused.count > 1 ? " (and \(refused.count - 1) more series)" : ""
            return "recurring series \(first.uid.prefix(80)) cannot be expanded and counts for nothing: \(reason)\(more)"
        }
        guard let window else { return nil }
        let expansion = RecurrenceExpander.expand(calendar, from: window.from, to: window.to, floatingZone: floatingZone)
        guard expansion.truncated else { return nil }
        return "cut by the limits on recurrence (\(RecurrenceExpander.Limits.maxInstancesPerCalendar) instances and a bounded amount of work per calendar object): only \(expansion.instances.count) instances count; "
            + expansion.notes.prefix(2).joined(separator: "; ")
    }
}
