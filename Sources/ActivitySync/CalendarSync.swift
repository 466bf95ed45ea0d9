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

    public init(store: Store, logger: Logger) {
        self.store = store
        self.logger = logger
    }

    public func sync(account: Config.Account, password: String) throws -> AccountSyncResult {
        let client = try CalDAVClient(endpoint: CalDAVEndpoint(url: account.url, username: account.username, password: password,
                                                               caFile: account.caFile, account: account.id))
        var result = AccountSyncResult(account: account.id)
        let calendars = try CalendarSync.selectCalendars(try client.discoverCalendars(), account: account)
        // A calendar the server no longer has: its events leave the ledger.
        let known = try store.calendars(account: account.id)
        for old in known where !calendars.contains(where: { $0.url == old.url }) {
            logger.notice("calendar removed on the server", metadata: ["account": "\(account.id)", "calendar": "\(old.url)"])
            try store.transaction { try store.removeCalendar(account: account.id, url: old.url) }
            result.newItems += 1
        }
        for calendar in calendars {
            if shouldStop?() == true { throw SyncInterrupted() }
            let token = known.first { $0.url == calendar.url }?.token
            result.newItems += try sync(calendar: calendar, token: token, account: account, client: client, result: &result)
            result.folders.append(calendar.displayName ?? calendar.url)
        }
        return result
    }

    /// The discovered calendars the account's `calendars` key asks for (all if it is empty),
    /// each named by URL, display name or last path segment. A name that matches none is a
    /// configuration error.
    public static func selectCalendars(_ all: [CalDAVCalendar], account: Config.Account) throws -> [CalDAVCalendar] {
        guard !account.calendars.isEmpty else { return all }
        func matches(_ c: CalDAVCalendar, _ wanted: String) -> Bool {
            wanted == c.url || wanted == c.displayName || c.url.hasSuffix("/\(wanted)/")
        }
        for wanted in account.calendars where !all.contains(where: { matches($0, wanted) }) {
            throw ActivityError(.config, "account \(account.id): \(Config.serverName(account.url)) has no calendar \"\(wanted)\"; fix calendars in the config")
        }
        return all.filter { c in account.calendars.contains { matches(c, $0) } }
    }

    /// Returns how many items changed (new, modified or deleted).
    func sync(calendar: CalDAVCalendar, token: String?, account: Config.Account, client: CalDAVClient,
              result: inout AccountSyncResult) throws -> Int {
        let stored = try store.calendarETags(account: account.id, calendar: calendar.url)
        var changed: [String: String] = [:]     // href → etag
        var deleted: Set<String> = []
        var newToken: String? = nil
        var full = false
        if calendar.supportsSyncCollection {
            do {
                let c = try client.changes(in: calendar, since: token)
                newToken = c.token
                for (href, etag) in c.changed { changed[href] = etag }
                deleted = Set(c.deleted)
                full = token == nil || token == ""
            } catch is CalDAVSyncTokenInvalid {
                logger.notice("sync token no longer valid: full resync of the calendar", metadata: [
                    "account": "\(account.id)", "calendar": "\(calendar.url)"])
                let c = try client.changes(in: calendar, since: nil)
                newToken = c.token
                for (href, etag) in c.changed { changed[href] = etag }
                full = true
            }
        } else {
            changed = try client.etags(in: calendar)
            full = true
        }
        if full {
            // A full listing: whatever the store has and the server did not list is gone.
            for href in stored.keys where changed[href] == nil { deleted.insert(href) }
        }
        let toFetch = changed.filter { stored[$0.key] != $0.value }.map(\.key).sorted()
        let items = try client.fetch(toFetch, from: calendar)
        result.fetched += items.count
        let gone = deleted.filter { stored[$0] != nil }
        try store.transaction {
            for item in items {
                try store.saveCalendarObject(.init(account: account.id, calendar: calendar.url, href: item.href,
                                                   etag: changed[item.href] ?? item.etag, data: item.data))
            }
            for href in gone { try store.deleteCalendarObject(account: account.id, calendar: calendar.url, href: href) }
            try store.saveCalendar(account: account.id, url: calendar.url, displayName: calendar.displayName, token: newToken)
        }
        logger.info("calendar synced", metadata: [
            "account": "\(account.id)", "calendar": "\(calendar.url)", "fetched": "\(items.count)", "deleted": "\(gone.count)"])
        return items.count + gone.count
    }
}
