/// What the calendar sync needs of a CalDAV account: discovery, listing, fetching.
/// `CalDAVClient` is the real one (libcurl); the replay tests answer from recorded calendars.
public protocol CalendarSession: AnyObject {
    /// The calendars of the account (see `CalDAVClient.discoverCalendars`).
    func discoverCalendars() throws -> [CalDAVCalendar]
    /// RFC 6578 sync-collection since `token` (nil: everything); throws
    /// `CalDAVSyncTokenInvalid` when the server no longer knows the token.
    func changes(in calendar: CalDAVCalendar, since token: String?) throws -> CalDAVChanges
    /// Every member's href and etag (PROPFIND), for servers without sync-collection.
    func etags(in calendar: CalDAVCalendar) throws -> [String: String]
    /// calendar-multiget of `hrefs`, a request's worth at a time, each handed to `deliver`.
    func fetch(_ hrefs: [String], from calendar: CalDAVCalendar, each deliver: ([CalDAVItem]) throws -> Void) throws
    /// Whether `url` is on the server this session talks to.
    func isOnThisServer(_ url: String) -> Bool
    /// Whether the collection at `url` still exists (false only when the server says so).
    func collectionExists(_ url: String) throws -> Bool
}

extension CalDAVClient: CalendarSession {}
