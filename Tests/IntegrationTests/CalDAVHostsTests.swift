import ActivityCore
import ActivityTransport
import Foundation
import Testing

/// Hosted CalDAV services as HOSTS.md describes them, reproduced with real Radicale servers and
/// scripts/fault-proxy in front of them: WeCom's 403 without Depth, request-size caps (413),
/// Feishu's and DingTalk's missing principal or home, iCloud's hand-off to another host, and
/// Google's Bearer tokens.
@Suite("CalDAV hosts: WeCom, Feishu, DingTalk, iCloud, Google and size caps", .serialized)
struct CalDAVHostsTests {
    static let users = ["alice": "pw-alice"]

    static func radicale(tls: Bool = false) throws -> Radicale {
        try Radicale(users: users, collectionsFrom: Repo.path("Fixtures/caldav"), tls: tls)
    }

    static func client(_ url: String, caFile: String? = nil, bearer: String? = nil) throws -> CalDAVClient {
        try CalDAVClient(endpoint: CalDAVEndpoint(url: url, username: "alice", password: bearer == nil ? "pw-alice" : "",
                                                  caFile: caFile, account: "alice-cal", timeout: 20, bearerToken: bearer))
    }

    func sync(_ team: FixtureTeam) throws -> Run {
        try team.activity(["sync", "--once", "--account", "alice-cal"])
    }

    /// The fixture ledger of alice's calendars (Fixtures/caldav/expected.json), week by week.
    func expectFixtureLedger(_ team: FixtureTeam) throws {
        for (week, expected) in CalendarSyncTests.expected.weeks {
            #expect((try team.counts(week)["alice"] ?? [:]).filter { $0.value > 0 } == expected, "\(week)")
        }
    }

    /// WeCom's refusal, as aluxnimm/outlookcaldavsynchronizer#433 quotes it.
    static let weComRefusal = #"<?xml version="1.0" encoding="utf-8"?><D:multistatus xmlns:D="DAV:"><D:response><D:href>/</D:href><D:propstat><D:status>HTTP/1.0 403 Forbidden</D:status></D:propstat><D:error><CC:propfind-finite-depth xmlns:CC="DAV:"/></D:error><D:responsedescription>request on collections with depth in header of "Infinity" is not allow</D:responsedescription></D:response></D:multistatus>"#

    static func respond(_ status: String, headers: [String] = [], body: String = "") -> String {
        let bytes = body.utf8.count
        return "respond=HTTP/1.1 \(status)\\r\\n" + headers.map { $0 + "\\r\\n" }.joined()
            + "Content-Length: \(bytes)\\r\\nConnection: close\\r\\n\\r\\n" + body
    }

    // MARK: - WeCom: Depth on every PROPFIND and REPORT

    @Test("every PROPFIND and REPORT of a sync carries Depth 0 or 1: behind a proxy answering WeCom's 403 to any without, the sync gives the fixture ledger")
    func depthOnEveryRequest() throws {
        let server = try Self.radicale()
        let proxy = try FaultProxy(to: server.port, rules: [
            #"when-up=(?is)\A(?:PROPFIND|REPORT) (?!.*\r\ndepth: [01]\r\n),"# + Self.respond("403 Forbidden", headers: ["Content-Type: application/xml"], body: Self.weComRefusal),
        ])
        let team = try FixtureTeam(imapURL: "imap://127.0.0.1:9", caldavURL: "http://127.0.0.1:\(proxy.port)/alice/")
        let r = try sync(team)
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(!proxy.fired("respond"), "\(proxy.log)")
        try expectFixtureLedger(team)
        let davRequests = proxy.requests.filter { $0.hasPrefix("PROPFIND ") || $0.hasPrefix("REPORT ") }
        #expect(davRequests.count >= 5)
        #expect(davRequests.allSatisfy { $0.lowercased().contains("\r\ndepth: 0\r\n") || $0.lowercased().contains("\r\ndepth: 1\r\n") })
        #expect(davRequests.contains { $0.contains("calendar-multiget") && $0.contains("\r\nDepth: 1\r\n") })
    }

    @Test("Xandikos too: every PROPFIND and REPORT of a sync carries Depth 0 or 1 (requests read from the bytes sent, several per kept-alive connection)")
    func depthOnEveryRequestXandikos() throws {
        let server = try Xandikos(users: Self.users, collectionsFrom: Repo.path("Fixtures/caldav"))
        let proxy = try FaultProxy(to: server.port, rules: [])
        let team = try FixtureTeam(imapURL: "imap://127.0.0.1:9", caldavURL: "http://127.0.0.1:\(proxy.port)/alice/")
        let r = try sync(team)
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        try expectFixtureLedger(team)
        // Each request's head: from its request line to the blank line.
        let heads = proxy.requests.flatMap { bytes in
            bytes.components(separatedBy: "\r\n\r\n").compactMap { chunk -> String? in
                guard let r = chunk.range(of: #"(PROPFIND|REPORT|GET|PUT|OPTIONS) \S+ HTTP/1\.1\r\n"#, options: .regularExpression) else { return nil }
                return String(chunk[r.lowerBound...])
            }
        }
        let dav = heads.filter { $0.hasPrefix("PROPFIND ") || $0.hasPrefix("REPORT ") }
        #expect(dav.count >= 5, "\(heads.count) requests")
        #expect(dav.allSatisfy { $0.contains("\r\nDepth: 0") || $0.contains("\r\nDepth: 1") }, "\(dav.filter { !$0.contains("Depth") })")
    }

    // MARK: - Servers that cap the request size

    @Test("a 413 to a calendar-multiget halves the batch and goes on: every object arrives, later requests stay small")
    func payloadTooLargeHalvesTheBatch() throws {
        let server = try Self.radicale()
        let proxy = try FaultProxy(to: server.port, rules: [
            "when-up=calendar-multiget,count=2," + Self.respond("413 Payload Too Large"),
        ])
        let client = try Self.client("http://127.0.0.1:\(proxy.port)/alice/work/")
        let calendar = try #require(try client.discoverCalendars().first)
        let listed = try client.etags(in: calendar)
        #expect(listed.count == 5)
        var batches: [Int] = []
        try client.fetch(listed.keys.sorted(), from: calendar, each: { batches.append($0.count) })
        #expect(batches.reduce(0, +) == 5)
        #expect(batches == [1, 1, 1, 1, 1], "5 → 413, 2 → 413, then 1 at a time: \(batches)")
        #expect(client.multigetBatchSize == 1)
        #expect(proxy.log.filter { $0.contains(" respond ") }.count == 2)
    }

    @Test("a sync through a server that answers 413 to the first multigets gives the fixture ledger")
    func payloadTooLargeSync() throws {
        let server = try Self.radicale()
        let proxy = try FaultProxy(to: server.port, rules: [
            "when-up=calendar-multiget,count=3," + Self.respond("413 Request Entity Too Large"),
        ])
        let team = try FixtureTeam(imapURL: "imap://127.0.0.1:9", caldavURL: "http://127.0.0.1:\(proxy.port)/alice/")
        let r = try sync(team)
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        try expectFixtureLedger(team)
    }

    // MARK: - Feishu and DingTalk: non-standard discovery

    /// Radicale compresses its answers when asked to (libcurl asks): the proxy's replace rules
    /// need them plain, so the request's Accept-Encoding is renamed on the way up.
    static let plainAnswers = #"dir=up,count=*,replace=^Accept-Encoding:=>X-Accept-Encoding-Was:"#
    /// Rewritten answers change length: Content-Length goes (Radicale answers HTTP/1.0 and
    /// closes, so the body ends with the connection).
    static let noContentLength = #"count=*,replace=^Content-Length: \d+\r\n=>"#

    /// Removes current-user-principal and/or calendar-home-set from Radicale's answers, and
    /// answers 404 on /.well-known/caldav (Feishu: neither is there).
    static func stripping(principal: Bool, home: Bool) -> [String] {
        var rules = ["when-up=\\A[A-Z]+ /\\.well-known/," + respond("404 Not Found"), plainAnswers, noContentLength]
        if principal { rules.append("count=*,replace=<current-user-principal><href>[^<]*</href></current-user-principal>=>") }
        if home { rules.append("count=*,replace=<C:calendar-home-set><href>[^<]*</href></C:calendar-home-set>=>") }
        return rules
    }

    @Test("Feishu: with no principal, no calendar home and no well-known URL, a pasted calendar URL is that calendar")
    func feishuPastedCollection() throws {
        let server = try Self.radicale()
        let proxy = try FaultProxy(to: server.port, rules: Self.stripping(principal: true, home: true))
        let url = "http://127.0.0.1:\(proxy.port)/alice/work/"
        let calendars = try Self.client(url).discoverCalendars()
        #expect(calendars == [CalDAVCalendar(url: url, displayName: "work", supportsSyncCollection: true)])
    }

    @Test("Feishu: a home URL on a server that names no principal or home falls back to a Depth 1 listing, and the sync gives the fixture ledger")
    func feishuHomeFallsBackToDepth1() throws {
        let server = try Self.radicale()
        let proxy = try FaultProxy(to: server.port, rules: Self.stripping(principal: true, home: true))
        let base = "http://127.0.0.1:\(proxy.port)"
        let calendars = try Self.client(base + "/alice/").discoverCalendars()
        #expect(calendars.map(\.url) == [base + "/alice/meetings/", base + "/alice/work/"])
        #expect(proxy.log.contains { $0.contains("when-up matched b'PROPFIND /.well-known/caldav") }, "\(proxy.log)")
        #expect(proxy.requests.contains { $0.hasPrefix("PROPFIND /alice/ ") && $0.contains("\r\nDepth: 1\r\n") })
        #expect(proxy.log.filter { $0.contains(" down replace ") }.count >= 2, "\(proxy.log)")
        let team = try FixtureTeam(imapURL: "imap://127.0.0.1:9", caldavURL: base + "/alice/")
        let r = try sync(team)
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        try expectFixtureLedger(team)
    }

    @Test("DingTalk: a principal without calendar-home-set is listed with Depth 1, found from the server root")
    func dingTalkPrincipalWithoutHome() throws {
        let server = try Self.radicale()
        let proxy = try FaultProxy(to: server.port, rules: Array(Self.stripping(principal: false, home: true).dropFirst()))
        let base = "http://127.0.0.1:\(proxy.port)"
        let calendars = try Self.client(base + "/").discoverCalendars()
        #expect(calendars.map(\.url) == [base + "/alice/meetings/", base + "/alice/work/"])
    }

    // MARK: - iCloud: discovery hands off to another host

    @Test("iCloud: a calendar home on another https host is followed there, with the credentials, and its calendars sync from that host")
    func handOffToAnotherHttpsHost() throws {
        let front = try Self.radicale()                 // caldav.icloud.com
        let partition = try Self.radicale(tls: true)    // pNN-caldav.icloud.com
        let proxy = try FaultProxy(to: front.port, rules: [
            Self.plainAnswers, Self.noContentLength,
            "count=*,replace=<C:calendar-home-set><href>/alice/</href>=><C:calendar-home-set><href>\(partition.base)/alice/</href>",
        ])
        let client = try Self.client("http://127.0.0.1:\(proxy.port)/alice/", caFile: partition.caFile)
        let calendars = try client.discoverCalendars()
        #expect(calendars.map(\.url) == [partition.calendarURL("alice", "meetings"), partition.calendarURL("alice", "work")])
        let work = try #require(calendars.last)
        let changes = try client.changes(in: work, since: nil)
        #expect(changes.changed.count == 5)
        #expect(try client.fetch(changes.changed.map(\.href), from: work).count == 5)
    }

    @Test("a redirect to another https host is followed by activity itself (libcurl follows none); one to another plain http host is refused")
    func redirectsAcrossHosts() throws {
        let front = try Self.radicale()
        let partition = try Self.radicale(tls: true)
        let moved = try FaultProxy(to: front.port, rules: [
            "when-up=\\APROPFIND /alice/ ," + Self.respond("301 Moved Permanently", headers: ["Location: \(partition.base)/alice/"]),
        ])
        let calendars = try Self.client("http://127.0.0.1:\(moved.port)/alice/", caFile: partition.caFile).discoverCalendars()
        #expect(calendars.map(\.url) == [partition.calendarURL("alice", "meetings"), partition.calendarURL("alice", "work")])

        let plain = try Self.radicale()
        let watch = try FaultProxy(to: plain.port, rules: [])
        let downgraded = try FaultProxy(to: front.port, rules: [
            "when-up=\\APROPFIND /alice/ ," + Self.respond("302 Found", headers: ["Location: http://localhost:\(watch.port)/alice/"]),
        ])
        #expect(throws: ActivityError.self) { _ = try Self.client("http://127.0.0.1:\(downgraded.port)/alice/").discoverCalendars() }
        #expect(watch.connections == 0)
    }

    @Test("iCloud-like hand-off to a plain http host is refused: no credentials go there, and the error says why")
    func handOffOverHttpIsRefused() throws {
        let front = try Self.radicale()
        let elsewhere = try Self.radicale()
        let watch = try FaultProxy(to: elsewhere.port, rules: [])
        let proxy = try FaultProxy(to: front.port, rules: [
            Self.plainAnswers, Self.noContentLength,
            "count=*,replace=<C:calendar-home-set><href>/alice/</href>=><C:calendar-home-set><href>http://localhost:\(watch.port)/alice/</href>",
        ])
        #expect {
            _ = try Self.client("http://127.0.0.1:\(proxy.port)/alice/").discoverCalendars()
        } throws: { error in
            let e = error as? ActivityError
            return e?.code == .config && e?.message.contains("without https") == true && e?.message.contains("localhost:\(watch.port)") == true
        }
        #expect(watch.connections == 0)
    }

    // MARK: - Google Calendar: OAuth 2.0 Bearer

    @Test("Google: a caldav account with oauth2_* keys gets an access token from the token endpoint and sends it as Bearer, never a password; the sync gives the fixture ledger")
    func bearerTokenSync() throws {
        let server = try Self.radicale()
        let oauth = try OAuth2Server(user: "alice", refreshToken: "rt-calendar-alice")
        let basic = Data("alice:pw-alice".utf8).base64EncodedString()
        // Google's shape: 401 with WWW-Authenticate: Bearer unless a token the endpoint issued
        // comes along; Radicale itself checks Basic, so the proxy swaps the one for the other.
        let proxy = try FaultProxy(to: server.port, rules: [
            #"when-up=(?s)\A(?!.*\r\nAuthorization: Bearer at-[A-Za-z0-9_-]+\r\n),"#
                + Self.respond("401 Unauthorized", headers: [#"WWW-Authenticate: Bearer realm="https://accounts.google.com/""#]),
            "dir=up,count=*,replace=^Authorization: Bearer at-[A-Za-z0-9_-]+=>Authorization: Basic \(basic)",
        ])
        let team = try FixtureTeam(imapURL: "imap://127.0.0.1:9", caldavURL: "http://127.0.0.1:\(proxy.port)/alice/") { text in
            text.replacingOccurrences(of: "password_file = \"secrets/alice-cal\"", with: """
                oauth2_token_url = "\(oauth.tokenURL)"
                oauth2_client_id = "\(OAuth2Server.clientID)"
                oauth2_client_secret_file = "secrets/client"
                oauth2_refresh_token_file = "secrets/alice-cal-refresh"
                """)
        }
        team.dir.write("secrets/client", OAuth2Server.clientSecret + "\n", mode: 0o600)
        team.dir.write("secrets/alice-cal-refresh", "rt-calendar-alice\n", mode: 0o600)
        let r = try sync(team)
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(!proxy.fired("respond"), "\(proxy.log)")
        #expect(oauth.tokenRequests == ["refresh_token ok"])
        try expectFixtureLedger(team)
        #expect(!proxy.requests.isEmpty)
        #expect(proxy.requests.allSatisfy { $0.contains("\r\nAuthorization: Bearer at-") })
    }

    @Test("Google: a refused Bearer token is a login refusal (77) naming the account")
    func bearerRefused() throws {
        let server = try Self.radicale()
        let proxy = try FaultProxy(to: server.port, rules: [
            Self.respond("401 Unauthorized", headers: [#"WWW-Authenticate: Bearer error="invalid_token""#]),
        ])
        #expect {
            _ = try Self.client("http://127.0.0.1:\(proxy.port)/alice/", bearer: "at-expired").discoverCalendars()
        } throws: { ($0 as? ActivityError)?.code == .noPermission && ($0 as? ActivityError)?.message.contains("access token") == true }
    }
}
