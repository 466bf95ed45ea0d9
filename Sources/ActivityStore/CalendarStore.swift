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

    /// A row of `calendar_collection` as sync reads it.
    enum CollectionColumn: Int32, Columns { case url, syncToken }

    /// A row of `calendar_object`, and its one mapping.
    enum ObjectColumn: Int32, Columns { case account, calendar, href, etag, data }

    static func calendarObject(_ row: any Row) -> CalendarObject {
        typealias C = ObjectColumn
        return CalendarObject(account: row.text(C.account), calendar: row.text(C.calendar), href: row.text(C.href),
                              etag: row.text(C.etag), data: row.blob(C.data))
    }

    /// The calendars of an account known to the store, with their sync tokens.
    public func calendars(account: String) throws -> [(url: String, token: String?)] {
        typealias C = CollectionColumn
        return try db.prepare("SELECT \(C.list()) FROM calendar_collection WHERE account = ? ORDER BY url")
            .bind(.text(account)).map { ($0.text(C.url), $0.optionalText(C.syncToken)) }
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
        enum C: Int32, Columns { case href, etag }
        try db.prepare("SELECT \(C.list()) FROM calendar_object WHERE account = ? AND calendar = ?")
            .bind(.text(account), .text(calendar)).forEach { out[$0.text(C.href)] = $0.text(C.etag) }
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
            try db.prepare("SELECT \(ObjectColumn.list()) FROM calendar_object WHERE account = ? ORDER BY calendar, href")
                .bind(.text(account)).forEach { out.append(Store.calendarObject($0)) }
        }
        return out
    }

    public func calendarObjectCount() throws -> Int {
        try db.prepare("SELECT count(*) FROM calendar_object").first { Int($0.int(0)) } ?? 0
    }
}
