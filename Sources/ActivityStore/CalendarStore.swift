import Foundation
import ActivityCore

/// Calendar objects as the CalDAV server last had them, and each calendar's sync token.
extension Store {
    public struct CalendarObject: Sendable, Equatable {
        public var account: String
        public var calendar: String
        public var href: String
        public var etag: String
        public var data: [UInt8]

        public init(account: String, calendar: String, href: String, etag: String, data: [UInt8]) {
            self.account = account
            self.calendar = calendar
            self.href = href
            self.etag = etag
            self.data = data
        }
    }

    /// The calendars of an account known to the store, with their sync tokens.
    public func calendars(account: String) throws -> [(url: String, token: String?)] {
        try db.prepare("SELECT url, sync_token FROM calendar_collection WHERE account = ? ORDER BY url")
            .bind(.text(account)).map { ($0.text(0), $0.optionalText(1)) }
    }

    public func saveCalendar(account: String, url: String, displayName: String?, token: String?) throws {
        try db.prepare("""
            INSERT INTO calendar_collection (account, url, display_name, sync_token) VALUES (?, ?, ?, ?)
            ON CONFLICT (account, url) DO UPDATE SET display_name = excluded.display_name, sync_token = excluded.sync_token
            """).bind(.text(account), .text(url), displayName.map { .text($0) }, token.map { .text($0) }).run()
    }

    /// A calendar gone from the server: its events go with it.
    public func removeCalendar(account: String, url: String) throws {
        try db.prepare("DELETE FROM calendar_object WHERE account = ? AND calendar = ?").bind(.text(account), .text(url)).run()
        try db.prepare("DELETE FROM calendar_collection WHERE account = ? AND url = ?").bind(.text(account), .text(url)).run()
    }

    /// href → etag of what is stored for a calendar.
    public func calendarETags(account: String, calendar: String) throws -> [String: String] {
        var out: [String: String] = [:]
        try db.prepare("SELECT href, etag FROM calendar_object WHERE account = ? AND calendar = ?")
            .bind(.text(account), .text(calendar)).forEach { out[$0.text(0)] = $0.text(1) }
        return out
    }

    public func saveCalendarObject(_ o: CalendarObject) throws {
        try db.prepare("""
            INSERT INTO calendar_object (account, calendar, href, etag, data) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (account, calendar, href) DO UPDATE SET etag = excluded.etag, data = excluded.data
            """).bind(.text(o.account), .text(o.calendar), .text(o.href), .text(o.etag), .blob(o.data)).run()
    }

    public func deleteCalendarObject(account: String, calendar: String, href: String) throws {
        try db.prepare("DELETE FROM calendar_object WHERE account = ? AND calendar = ? AND href = ?")
            .bind(.text(account), .text(calendar), .text(href)).run()
    }

    /// Every stored calendar object of the given accounts.
    public func calendarObjects(accounts: [String]) throws -> [CalendarObject] {
        var out: [CalendarObject] = []
        for account in accounts {
            try db.prepare("SELECT account, calendar, href, etag, data FROM calendar_object WHERE account = ? ORDER BY calendar, href")
                .bind(.text(account)).forEach {
                    out.append(CalendarObject(account: $0.text(0), calendar: $0.text(1), href: $0.text(2), etag: $0.text(3), data: $0.blob(4)))
                }
        }
        return out
    }

    public func calendarObjectCount() throws -> Int {
        try db.prepare("SELECT count(*) FROM calendar_object").first { Int($0.int(0)) } ?? 0
    }
}
