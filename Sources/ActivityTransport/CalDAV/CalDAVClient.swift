import ActivityCore

/// Where and how to reach one CalDAV account.
public struct CalDAVEndpoint: Sendable {
    /// A calendar, a calendar home, a principal, or just the server (`https://host/`).
    public var url: String
    public var username: String
    public var password: String
    /// A PEM file whose certificates are trusted in addition to the system's.
    public var caFile: String?
    /// The account id from the config, for messages.
    public var account: String
    /// Seconds a connection may stay silent before it is given up.
    public var timeout: Double
    /// An OAuth 2.0 access token (Google Calendar): sent as `Authorization: Bearer` (RFC 6750)
    /// instead of the username and password.
    public var bearerToken: String?

    public init(url: String, username: String, password: String, caFile: String? = nil, account: String, timeout: Double = 60,
                bearerToken: String? = nil) {
        self.url = url
        self.username = username
        self.password = password
        self.caFile = caFile
        self.account = account
        self.timeout = timeout
        self.bearerToken = bearerToken
    }
}

/// A calendar collection that can hold events.
public struct CalDAVCalendar: Sendable, Equatable {
    /// Absolute URL, ending with `/`.
    public var url: String
    public var displayName: String?
    /// Whether the collection lists RFC 6578 `sync-collection` among its reports.
    public var supportsSyncCollection: Bool

    public init(url: String, displayName: String? = nil, supportsSyncCollection: Bool) {
        self.url = url
        self.displayName = displayName
        self.supportsSyncCollection = supportsSyncCollection
    }

    /// Whether a name from an account's `calendars` names this calendar: its URL, its display
    /// name or its last path segment (`work` for `…/calendars/alice/work/`).
    public func isNamed(_ wanted: String) -> Bool {
        wanted == url || wanted == displayName || url.hasSuffix("/\(wanted)/")
    }

    /// The display name, or for a calendar without one its last path segment, decoded: how a
    /// person would name it.
    public var shownName: String {
        displayName ?? url.split(separator: "/").last.map { DAVPath.readable(String($0)) } ?? url
    }
}

/// One calendar object resource.
public struct CalDAVItem: Sendable, Equatable {
    /// Absolute path, canonically percent-encoded (the same string in every answer).
    public var href: String
    public var etag: String
    /// `calendar-data`, UTF-8. Line ends are as the XML parser left them (LF, usually).
    public var data: [UInt8]

    public init(href: String, etag: String, data: [UInt8]) {
        self.href = href
        self.etag = etag
        self.data = data
    }
}

/// What changed in a calendar since a sync token.
public struct CalDAVChanges: Sendable {
    /// The token to store for the next sync.
    public var token: String?
    /// New or modified members (etag empty if the server did not report one).
    public var changed: [(href: String, etag: String)]
    /// Hrefs of removed members.
    public var deleted: [String]

    public init(token: String?, changed: [(href: String, etag: String)], deleted: [String]) {
        self.token = token
        self.changed = changed
        self.deleted = deleted
    }
}

/// The server no longer knows the sync token: the caller lists everything again.
public struct CalDAVSyncTokenInvalid: Error, Sendable {
    public init() {}
}

/// A CalDAV client for one account, in vdirsyncer's manner: list hrefs and etags (by
/// sync-collection, or PROPFIND where that is missing), then fetch with calendar-multiget.
/// One libcurl handle serves every request, so connections are kept alive where the server
/// allows it. Not thread-safe.
public final class CalDAVClient {
    public let endpoint: CalDAVEndpoint
    private let session: DAVSession

    /// HTTP round trips so far, including auth challenges (for benchmarks and tests).
    public var requests: Int { session.requests }
    /// TCP connections opened so far.
    public var connections: Int { session.connections }
    /// Bytes of answer bodies received so far.
    public var bytesReceived: Int { session.bytesReceived }

    /// Hrefs per calendar-multiget.
    static let multigetBatch = 100
    /// Hrefs per calendar-multiget now: halved after each 413 (Payload Too Large).
    public private(set) var multigetBatchSize = CalDAVClient.multigetBatch

    public init(endpoint: CalDAVEndpoint) throws {
        self.endpoint = endpoint
        session = try DAVSession(endpoint: endpoint)
    }

    /// A client whose requests `transport` answers instead of the network (a `DAVReplay` of
    /// exchanges recorded from a real server): everything above the HTTP exchange — discovery,
    /// redirects, tokens, multistatus and calendar-data parsing — is the live client's.
    public convenience init(endpoint: CalDAVEndpoint, transport: any DAVTransport) throws {
        try self.init(endpoint: endpoint)
        session.transport = transport
        session.recordTo = nil
    }

    // MARK: - Discovery

    /// The calendars that can hold events, by RFC 6764/4791 discovery: the URL itself if it is
    /// a calendar (a pasted collection URL: Feishu, DingTalk); else current-user-principal (from
    /// the URL, falling back to /.well-known/caldav) → calendar-home-set → the home's calendar
    /// members. Servers that do not say where the home is (Feishu: no principal, no home-set;
    /// DingTalk: a principal without home-set) get a Depth 1 PROPFIND listing of the likely
    /// places: the principal and its parent, the URL itself and /calendars/. A principal or home
    /// on another host (iCloud's pNN-caldav.icloud.com) is followed over https only.
    public func discoverCalendars() throws -> [CalDAVCalendar] {
        let props = ["D:resourcetype", "D:displayname", "D:supported-report-set", "C:supported-calendar-component-set",
                     "D:current-user-principal", "C:calendar-home-set"]
        let start = try propfindFollowingRedirects(session.url(for: session.startPath), depth: "0", props: props,
                                                    missingIsConfigError: session.startPath != "/")
        var principal: String?
        var homes: [String] = []
        if let (url, ms) = start, let me = self.response(in: ms, for: url, depth0: true) {
            if let calendar = calendar(from: me, origin: originOf(url)) { return [calendar] }
            if me.found(DAVNamespace.dav, "resourcetype")?.child(DAVNamespace.caldav, "calendar") != nil {
                return []   // a calendar, but for tasks or journals only
            }
            homes = try urls(in: me.found(DAVNamespace.caldav, "calendar-home-set"), base: url)
            principal = try urls(in: me.found(DAVNamespace.dav, "current-user-principal"), base: url).first
        }
        if homes.isEmpty && principal == nil {
            // RFC 6764 §5: the well-known URL leads to the context path (Radicale and Xandikos
            // both redirect it to /).
            if let (url, ms) = try propfindFollowingRedirects(session.url(for: "/.well-known/caldav"), depth: "0",
                                                              props: ["D:current-user-principal"], missingIsConfigError: false),
               let me = self.response(in: ms, for: url, depth0: true) {
                principal = try urls(in: me.found(DAVNamespace.dav, "current-user-principal"), base: url).first
            }
        }
        if homes.isEmpty, let principal {
            if let (u, ms) = try propfindFollowingRedirects(principal, depth: "0", props: ["C:calendar-home-set"], missingIsConfigError: false),
               let me = self.response(in: ms, for: u, depth0: true) {
                homes = try urls(in: me.found(DAVNamespace.caldav, "calendar-home-set"), base: u)
            }
        }
        // Where the server names no home, the places to list (tolerating those that are not there).
        var guesses: [String] = []
        if homes.isEmpty {
            guard start != nil || principal != nil else {
                throw ActivityError(.config, session.prefix + "\(DAVPath.readable(session.startPath)) is not a CalDAV URL (no calendar, principal or calendar home there, nor at /.well-known/caldav); check the url of this account")
            }
            if let principal {
                guesses += [principal, DAVPath.parent(principal)]
            }
            if start != nil { guesses.append(session.url(for: session.startPath)) }
            guesses.append(session.url(for: "/calendars/"))
            var seen = Set<String>()
            guesses = guesses.map(DAVPath.asCollectionURL).filter { seen.insert($0).inserted }
        }

        var calendars: [CalDAVCalendar] = []
        for home in homes.map(DAVPath.asCollectionURL) + guesses {
            let guessed = !homes.map(DAVPath.asCollectionURL).contains(home)
            let response = try session.send("PROPFIND", url: home, depth: "1", body: DAVRequestBody.propfind(props))
            guard response.status == 207 else {
                if response.status == 404 { continue }   // a home-set entry that does not exist
                if guessed && [403, 405, 410, 501].contains(response.status) { continue }   // not a place to list
                throw session.failure(response, "PROPFIND", url: home)
            }
            guard let ms = Multistatus(response.body, requestPath: session.pathOf(home)) else {
                if guessed { continue }
                throw session.unreadable("PROPFIND", url: home)
            }
            for r in ms.responses where !DAVPath.same(r.path, session.pathOf(home)) {
                if let c = calendar(from: r, origin: originOf(home)), !calendars.contains(where: { $0.url == c.url }) {
                    calendars.append(c)
                }
            }
            // A guess that listed calendars is the home: the later guesses are not needed.
            if guessed && !calendars.isEmpty { break }
        }
        return calendars.sorted { $0.url < $1.url }
    }

    // MARK: - Listing

    /// RFC 6578 sync-collection (sync-level 1) from `token`; nil or empty lists everything.
    /// Throws `CalDAVSyncTokenInvalid` when the server no longer accepts the token.
    public func changes(in calendar: CalDAVCalendar, since token: String?) throws -> CalDAVChanges {
        let calendarPath = session.pathOf(calendar.url)
        var token = token.flatMap { $0.isEmpty ? nil : $0 }
        // Hrefs in answer order, by dictionaries: a calendar of thousands of objects (or of
        // deletions) is listed without a quadratic step.
        var changedEtag: [String: String] = [:]
        var changedOrder: [String] = []
        var deletedSet = Set<String>()
        var deletedOrder: [String] = []
        // A server may truncate the answer (RFC 6578 §3.6: 507 on the collection itself); then
        // the next request, with the new token, goes on where it stopped.
        for _ in 0..<10_000 {
            let body = DAVRequestBody.syncCollection(token: token)
            // RFC 6578 §3.2: Depth 0; how deep to go is the body's sync-level.
            let response = try session.send("REPORT", url: calendar.url, depth: "0", body: body)
            if response.status != 207 {
                if let token, try tokenIsRefused(response, calendar: calendar, token: token) {
                    throw CalDAVSyncTokenInvalid()
                }
                // RFC 6578 §3.4 says an empty sync-token lists everything, but Cyrus 3.6 before
                // cyrusimap/cyrus-imapd#4992 answers it 403 "Invalid sync-token": list by
                // PROPFIND instead, with the collection's own sync-token for the next time
                // (never another token-less REPORT, which would be refused again).
                if token == nil, Self.refusesTokenlessSync(response) {
                    return try listing(calendar)
                }
                throw session.failure(response, "REPORT sync-collection", url: calendar.url)
            }
            guard let ms = Multistatus(response.body, requestPath: calendarPath) else {
                throw session.unreadable("REPORT sync-collection", url: calendar.url)
            }
            var truncated = false
            for r in ms.responses {
                if DAVPath.same(r.path, calendarPath) {
                    if r.status == 507 { truncated = true }
                    continue
                }
                if r.status == 404 || r.status == 410 {
                    changedEtag[r.path] = nil
                    if deletedSet.insert(r.path).inserted { deletedOrder.append(r.path) }
                } else if r.hasSuccessfulPropstat {
                    if r.found(DAVNamespace.dav, "resourcetype")?.child(DAVNamespace.dav, "collection") != nil { continue }
                    let etag = r.found(DAVNamespace.dav, "getetag")?.trimmedText ?? ""
                    deletedSet.remove(r.path)
                    if changedEtag.updateValue(etag, forKey: r.path) == nil { changedOrder.append(r.path) }
                }
            }
            let newToken = ms.syncToken.flatMap { $0.isEmpty ? nil : $0 }
            guard truncated, let newToken, newToken != token else {
                // An href changed then deleted (or the reverse) within one listing ends as its last state says.
                var seen = Set<String>()
                let changed = changedOrder.compactMap { href -> (href: String, etag: String)? in
                    guard let etag = changedEtag[href], seen.insert(href).inserted else { return nil }
                    return (href, etag)
                }
                var seenDeleted = Set<String>()
                let deleted = deletedOrder.filter { deletedSet.contains($0) && changedEtag[$0] == nil && seenDeleted.insert($0).inserted }
                return CalDAVChanges(token: newToken ?? token, changed: changed, deleted: deleted)
            }
            token = newToken
        }
        throw ActivityError(.tempFail, session.prefix + "sync-collection of \(DAVPath.readable(calendarPath)) keeps being truncated; retry later")
    }

    /// Whether a non-207 answer to a token-less sync-collection is a refusal of that request
    /// (not a failed login, a missing calendar or a broken server).
    static func refusesTokenlessSync(_ response: DAVSession.Response) -> Bool {
        [400, 403, 405, 409, 412, 501].contains(response.status)
    }

    /// The first listing without sync-collection: every member and its etag, and the
    /// collection's DAV:sync-token (RFC 6578 §4), by one PROPFIND Depth 1.
    func listing(_ calendar: CalDAVCalendar) throws -> CalDAVChanges {
        let calendarPath = session.pathOf(calendar.url)
        let response = try session.send("PROPFIND", url: calendar.url, depth: "1",
                                        body: DAVRequestBody.propfind(["D:resourcetype", "D:getetag", "D:sync-token"]))
        guard response.status == 207 else { throw session.failure(response, "PROPFIND", url: calendar.url) }
        guard let ms = Multistatus(response.body, requestPath: calendarPath) else {
            throw session.unreadable("PROPFIND", url: calendar.url)
        }
        var token: String? = nil
        var changed: [(href: String, etag: String)] = []
        for r in ms.responses {
            if DAVPath.same(r.path, calendarPath) {
                token = r.found(DAVNamespace.dav, "sync-token").map(\.trimmedText).flatMap { $0.isEmpty ? nil : $0 }
                continue
            }
            if r.found(DAVNamespace.dav, "resourcetype")?.child(DAVNamespace.dav, "collection") != nil { continue }
            if let etag = r.found(DAVNamespace.dav, "getetag")?.trimmedText { changed.append((r.path, etag)) }
        }
        return CalDAVChanges(token: token, changed: changed, deleted: [])
    }

    /// Every member's etag by PROPFIND Depth 1, for servers without sync-collection.
    public func etags(in calendar: CalDAVCalendar) throws -> [String: String] {
        let calendarPath = session.pathOf(calendar.url)
        let response = try session.send("PROPFIND", url: calendar.url, depth: "1",
                                        body: DAVRequestBody.propfind(["D:resourcetype", "D:getetag"]))
        guard response.status == 207 else { throw session.failure(response, "PROPFIND", url: calendar.url) }
        guard let ms = Multistatus(response.body, requestPath: calendarPath) else {
            throw session.unreadable("PROPFIND", url: calendar.url)
        }
        var result: [String: String] = [:]
        for r in ms.responses where !DAVPath.same(r.path, calendarPath) {
            if r.found(DAVNamespace.dav, "resourcetype")?.child(DAVNamespace.dav, "collection") != nil { continue }
            if let etag = r.found(DAVNamespace.dav, "getetag")?.trimmedText { result[r.path] = etag }
        }
        return result
    }

    // MARK: - Fetching

    /// The items at `hrefs` by calendar-multiget, `multigetBatch` per request. Hrefs the server
    /// answers 404 for (deleted meanwhile) are absent from the result.
    public func fetch(_ hrefs: [String], from calendar: CalDAVCalendar) throws -> [CalDAVItem] {
        var items: [CalDAVItem] = []
        items.reserveCapacity(hrefs.count)
        try fetch(hrefs, from: calendar, each: { items += $0 })
        return items
    }

    /// As `fetch(_:from:)`, handing each request's items to `deliver` as they arrive, so that a
    /// caller can store them before the next request (a cut connection then loses one batch).
    public func fetch(_ hrefs: [String], from calendar: CalDAVCalendar, each deliver: ([CalDAVItem]) throws -> Void) throws {
        let calendarPath = session.pathOf(calendar.url)
        let paths = hrefs.map { DAVPath.resolve($0, against: calendarPath) }
        var start = 0
        while start < paths.count {
            let batch = Array(paths[start..<min(start + multigetBatchSize, paths.count)])
            // RFC 4791 §7.9: the server ignores Depth here; it is sent all the same (Depth 1, as
            // vdirsyncer does) because WeCom answers 403 to a REPORT without one.
            let response = try session.send("REPORT", url: calendar.url, depth: "1", body: DAVRequestBody.multiget(paths: batch))
            if response.status == 413 {
                // A server (or the proxy before it) that caps the request size: half as many
                // hrefs per request, for the rest of this client's life, and go on.
                guard batch.count > 1 else {
                    throw ActivityError(.dataError, session.prefix + "the server refuses even a one-object calendar-multiget as too large (HTTP 413 to REPORT \(DAVPath.readable(calendarPath)))")
                }
                multigetBatchSize = max(1, batch.count / 2)
                continue
            }
            start += batch.count
            guard response.status == 207 else { throw session.failure(response, "REPORT calendar-multiget", url: calendar.url) }
            guard let ms = Multistatus(response.body, requestPath: calendarPath) else {
                throw session.unreadable("REPORT calendar-multiget", url: calendar.url)
            }
            var items: [CalDAVItem] = []
            for r in ms.responses {
                guard r.status == nil || (200..<300).contains(r.status!),
                      let data = r.found(DAVNamespace.caldav, "calendar-data") else { continue }
                items.append(CalDAVItem(href: r.path, etag: r.found(DAVNamespace.dav, "getetag")?.trimmedText ?? "",
                                        data: Array(data.text.utf8)))
            }
            try deliver(items)
        }
    }

    /// Whether `url` is on the server this client talks to (same scheme, host and port).
    public func isOnThisServer(_ url: String) -> Bool {
        DAVPath.split(url: url)?.origin.lowercased() == session.origin.lowercased()
    }

    /// Whether the collection at `url` still exists: false only when the server says it does
    /// not (404 or 410, or Xandikos's 207 holding a single 404); other failures throw. Used before
    /// a calendar missing from discovery is taken as removed, so a glitch in discovery cannot
    /// empty the ledger.
    public func collectionExists(_ url: String) throws -> Bool {
        let response = try session.send("PROPFIND", url: url, depth: "0", body: DAVRequestBody.propfind(["D:resourcetype"]))
        switch response.status {
        case 207:
            guard let ms = Multistatus(response.body, requestPath: session.pathOf(url)) else {
                throw session.unreadable("PROPFIND", url: url)
            }
            if ms.responses.count == 1, ms.responses.first?.status == 404 { return false }
            return true
        case 404, 410:
            return false
        default:
            throw session.failure(response, "PROPFIND", url: url)
        }
    }

    // MARK: - Pieces

    /// PROPFIND that follows same-server redirects (RFC 6764's well-known URL answers 301/302
    /// to the context path). Nil if the resource is missing and that is not an error here.
    private func propfindFollowingRedirects(_ url: String, depth: String, props: [String],
                                            missingIsConfigError: Bool) throws -> (url: String, Multistatus)? {
        var url = url
        for _ in 0..<5 {
            let response = try session.send("PROPFIND", url: url, depth: depth, body: DAVRequestBody.propfind(props))
            switch response.status {
            case 207:
                guard let ms = Multistatus(response.body, requestPath: session.pathOf(url)) else {
                    throw session.unreadable("PROPFIND", url: url)
                }
                // Xandikos answers a PROPFIND on a missing resource with a 207 whose only
                // response has status 404, not with a 404.
                if ms.responses.count == 1, let only = ms.responses.first, only.status == 404 {
                    if missingIsConfigError { throw session.failure(notFound(), "PROPFIND", url: url) }
                    return nil
                }
                return (url, ms)
            case 301, 302, 303, 307, 308:
                // Followed here, not by libcurl: a redirect to another host is taken only over
                // https (the server names that host), and only then do the credentials go there.
                guard let next = response.redirectURL, let to = DAVPath.split(url: next),
                      session.allowHandOff(to: next) else {
                    throw session.failure(response, "PROPFIND", url: url)
                }
                url = to.origin + to.path
            case 404, 405, 410:
                if missingIsConfigError { throw session.failure(response, "PROPFIND", url: url) }
                return nil
            default:
                throw session.failure(response, "PROPFIND", url: url)
            }
        }
        throw ActivityError(.config, session.prefix + "too many redirects from \(DAVPath.readable(session.pathOf(url))); put the final URL in the account's url")
    }

    private func notFound() -> DAVSession.Response {
        DAVSession.Response(status: 404, body: [], headers: [], redirectURL: nil)
    }

    /// The response about the requested resource itself.
    private func response(in ms: Multistatus, for url: String, depth0: Bool) -> Multistatus.Response? {
        let path = session.pathOf(url)
        return ms.responses.first { DAVPath.same($0.path, path) } ?? (depth0 ? ms.responses.first : nil)
    }

    /// A calendar for events, from a PROPFIND response; nil if it is not one.
    private func calendar(from r: Multistatus.Response, origin: String) -> CalDAVCalendar? {
        guard let type = r.found(DAVNamespace.dav, "resourcetype"), type.child(DAVNamespace.caldav, "calendar") != nil else { return nil }
        // Without supported-calendar-component-set a calendar takes every component (RFC 4791 §5.2.3).
        if let comps = r.found(DAVNamespace.caldav, "supported-calendar-component-set"),
           !comps.children(DAVNamespace.caldav, "comp").contains(where: { $0.attributes["name"]?.uppercased() == "VEVENT" }) {
            return nil
        }
        let name = r.found(DAVNamespace.dav, "displayname")?.trimmedText
        let sync = r.found(DAVNamespace.dav, "supported-report-set")?.contains(DAVNamespace.dav, "sync-collection") ?? false
        return CalDAVCalendar(url: origin + DAVPath.asCollection(r.path), displayName: name?.isEmpty == false ? name : nil,
                              supportsSyncCollection: sync)
    }

    /// The hrefs of a property as absolute URLs (see `DAVPath.resolveURL`). One on another host
    /// is a hand-off (iCloud): allowed over https only, else a configuration error that says so.
    private func urls(in property: DAVElement?, base: String) throws -> [String] {
        let urls = property?.children(DAVNamespace.dav, "href").map { DAVPath.resolveURL($0.text, against: base) } ?? []
        for u in urls where !session.allowHandOff(to: u) {
            let host = DAVPath.split(url: u).map { String($0.origin[$0.origin.range(of: "://")!.upperBound...]) } ?? u
            throw ActivityError(.config, session.prefix + "the server hands this account over to \(host) without https; not sending the credentials there (ask the provider for an https URL)")
        }
        return urls
    }

    private func originOf(_ url: String) -> String { DAVPath.split(url: url)?.origin ?? session.origin }

    /// Whether a non-207 answer to sync-collection means "start again without a token".
    private func tokenIsRefused(_ response: DAVSession.Response, calendar: CalDAVCalendar, token: String) throws -> Bool {
        switch response.status {
        case 403, 409:
            // RFC 6578 §3.2: 403 with the DAV:valid-sync-token precondition (Radicale);
            // some servers use 409 or 412 without the body. Leniently, any of them.
            return true
        case 412:
            return true
        case 400, 500:
            // Xandikos (0.2.8) looks the token up as a git object and fails with 500 when it
            // is unknown. Tell that from a broken server by asking for the collection's own
            // sync-token: if that works and differs, the token was the problem.
            if isValidSyncTokenError(response) { return true }
            let probe = try session.send("PROPFIND", url: calendar.url, depth: "0", body: DAVRequestBody.propfind(["D:sync-token"]))
            guard probe.status == 207, let ms = Multistatus(probe.body, requestPath: session.pathOf(calendar.url)),
                  let me = self.response(in: ms, for: calendar.url, depth0: true) else { return false }
            let current = me.found(DAVNamespace.dav, "sync-token")?.trimmedText
            return current != nil && current != token
        default:
            return false
        }
    }

    private func isValidSyncTokenError(_ response: DAVSession.Response) -> Bool {
        guard response.status == 403 || response.status == 409 || response.status == 400,
              let root = DAVXMLReader.parse(response.body) else { return false }
        return root.contains(DAVNamespace.dav, "valid-sync-token")
    }

}
