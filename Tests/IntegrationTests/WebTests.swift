import Foundation
import Testing
@testable import ActivityCLI
import ActivityConfig
import ActivityCore
import ActivityStore

/// `activity serve` end to end: real HTTP over loopback against a store filled by syncing the
/// fixture team from a real Dovecot. Users: wang (manager of east: alice and bob), alice (rep),
/// root (admin), north (manager of north: carol).
@Suite("Web view", .serialized)
struct WebTests {
    static let week = "2026-W47"
    /// Cookie jars (curl's), kept for the test's life.
    let jars = TempDir("activity-jars")
    func newJar() -> String { jars.file(UUID().uuidString) }

    func json(_ r: HTTP.Response) throws -> [String: Any] {
        try #require(r.json as? [String: Any], "not JSON: \(r.status) \(r.text.prefix(300))")
    }

    func cli(_ team: FixtureTeam, _ args: [String]) throws -> [String: Any] {
        let r = try team.activity(args)
        #expect(r.status == 0, "\(args): \(r.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    }

    /// Compares two JSON values as parsed (key order aside).
    func same(_ a: Any?, _ b: Any?) -> Bool {
        guard let a, let b else { return a == nil && b == nil }
        return NSDictionary(dictionary: ["v": a]).isEqual(to: ["v": b])
    }

    @Test("who sees what: a manager their teams, a rep only themselves, an admin everyone — in pages, API, downloads and explain")
    func accessByRole() throws {
        let f = try WebFixture()
        let base = f.base
        let jar = newJar()
        let login = try HTTP.login(base, "wang", WebFixture.passwords["wang"]!, jar: jar)
        #expect(login.status == 303 && login.header("location") == "/")

        // The manager's API week is the CLI's week JSON of the reps they see (alice, bob), byte for byte in content.
        let apiWeek = try json(try HTTP.request("\(base)/api/week?week=\(WebTests.week)", jar: jar))
        let cliWeek = try cli(f.team, ["week", "--rep", "alice", "--rep", "bob", "--week", WebTests.week, "--format", "json"])
        #expect(same(apiWeek, cliWeek))
        #expect((apiWeek["reps"] as? [[String: Any]])?.map { $0["rep"] as? String } == ["alice", "bob"])

        // The export, as the manager downloads it, equals `export --team east --format json`.
        let apiExport = try json(try HTTP.request("\(base)/api/export?from=2026-W40&to=\(WebTests.week)&format=json", jar: jar))
        let cliExport = try cli(f.team, ["export", "--from", "2026-W40", "--to", WebTests.week, "--team", "east", "--format", "json"])
        #expect(same(apiExport["rows"], cliExport["rows"]) && same(apiExport["totals"], cliExport["totals"]) && same(apiExport["funnel"], cliExport["funnel"]))

        // The pipeline JSON is the CLI's.
        let apiPipeline = try json(try HTTP.request("\(base)/api/pipeline?date=2026-11-22", jar: jar))
        let cliPipeline = try cli(f.team, ["pipeline", "--rep", "alice", "--rep", "bob", "--date", "2026-11-22", "--format", "json"])
        #expect(same(apiPipeline, cliPipeline))

        // The team page shows each visible rep's counts as data attributes, equal to the export's rows.
        let page = try HTTP.request("\(base)/week/\(WebTests.week)", jar: jar)
        #expect(page.status == 200)
        #expect(page.text.contains("data-rep=\"alice\"") && page.text.contains("data-rep=\"bob\"") && !page.text.contains("data-rep=\"carol\""))
        for row in cliExport["rows"] as? [[String: Any]] ?? [] where row["week"] as? String == WebTests.week && row["target"] != nil && !(row["target"] is NSNull) {
            let rep = row["rep"] as? String ?? "", kind = row["kind"] as? String ?? "", actual = row["actual"] as? Int ?? -1
            let pattern = "data-rep=\"\(rep)\"[^\\n]*data-kind=\"\(kind)\" data-actual=\"\(actual)\""
            #expect(page.text.range(of: pattern, options: .regularExpression) != nil, "team page: \(rep) \(kind) \(actual)")
        }
        // … and each rep's A and B deals of the pipeline at the week's end (seed 001's 过堂 line).
        for rep in apiPipeline["reps"] as? [[String: Any]] ?? [] {
            let id = rep["rep"] as? String ?? "", deals = rep["deals"] as? [[String: Any]] ?? []
            let a = deals.filter { $0["class"] as? String == "A" }.count, b = deals.filter { $0["class"] as? String == "B" }.count
            #expect(page.text.range(of: "data-rep=\"\(id)\"[^\\n]*data-deals-a=\"\(a)\" data-deals-b=\"\(b)\"", options: .regularExpression) != nil, "team page: \(id) A \(a) B \(b)")
        }
        // Carol (team north) is 403 for wang everywhere.
        #expect(try HTTP.request("\(base)/rep/carol/\(WebTests.week)", jar: jar).status == 403)
        #expect(try HTTP.request("\(base)/api/week?week=\(WebTests.week)&rep=carol", jar: jar).status == 403)
        #expect(try HTTP.request("\(base)/api/export?from=\(WebTests.week)&format=csv&rep=carol", jar: jar).status == 403)
        #expect(try HTTP.request("\(base)/api/export?from=\(WebTests.week)&format=xlsx&team=north", jar: jar).status == 403)
        #expect(try HTTP.request("\(base)/api/pipeline?rep=carol", jar: jar).status == 403)
        #expect(try HTTP.request("\(base)/rep/nobody/\(WebTests.week)", jar: jar).status == 404)

        // Root sees carol; carol's activity ids then serve as another user's direct URLs.
        let rootJar = newJar()
        try HTTP.login(base, "root", WebFixture.passwords["root"]!, jar: rootJar)
        let all = try json(try HTTP.request("\(base)/api/week?week=\(WebTests.week)", jar: rootJar))
        #expect((all["reps"] as? [[String: Any]])?.count == 3)
        let carolActivities = try cli(f.team, ["week", "--rep", "carol", "--week", WebTests.week, "--format", "json"])
        let carolID = ((carolActivities["reps"] as? [[String: Any]])?.first?["activities"] as? [[String: Any]])?.first?["id"] as? String
        let aliceWeek = try cli(f.team, ["week", "--rep", "alice", "--week", WebTests.week, "--format", "json"])
        let aliceID = try #require(((aliceWeek["reps"] as? [[String: Any]])?.first?["activities"] as? [[String: Any]])?.first?["id"] as? String)

        // The rep alice: her own week, and nothing else.
        let aliceJar = newJar()
        try HTTP.login(base, "alice", WebFixture.passwords["alice"]!, jar: aliceJar)
        let home = try HTTP.request("\(base)/", jar: aliceJar)
        #expect(home.status == 200 && home.text.contains("王丽") && home.text.contains("id=\"counts\"") && !home.text.contains("team-week"))
        let mine = try json(try HTTP.request("\(base)/api/week?week=\(WebTests.week)", jar: aliceJar))
        #expect((mine["reps"] as? [[String: Any]])?.map { $0["rep"] as? String } == ["alice"])
        for path in ["/rep/bob/\(WebTests.week)", "/rep/bob", "/rep/carol/\(WebTests.week)",
                     "/api/week?rep=bob", "/api/export?from=\(WebTests.week)&format=xlsx&rep=bob",
                     "/api/export?from=\(WebTests.week)&format=csv&team=north", "/api/pipeline?rep=bob"] {
            #expect(try HTTP.request(base + path, jar: aliceJar).status == 403, "alice: \(path)")
        }
        // The team page of a rep is their own week.
        let teamPage = try HTTP.request("\(base)/week/\(WebTests.week)", jar: aliceJar)
        #expect(teamPage.status == 303 && teamPage.header("location") == "/rep/alice/\(WebTests.week)")
        if let carolID {
            #expect(try HTTP.request("\(base)/explain/\(HTTP.escape(carolID))", jar: aliceJar).status == 403)
            #expect(try HTTP.request("\(base)/api/explain/\(HTTP.escape(carolID))", jar: aliceJar).status == 403)
            #expect(try HTTP.request("\(base)/explain/\(HTTP.escape(carolID))", jar: jar).status == 403)
        }
        // Her own explain: the CLI's explain JSON.
        let explain = try json(try HTTP.request("\(base)/api/explain/\(HTTP.escape(aliceID))", jar: aliceJar))
        #expect(same(explain, try cli(f.team, ["explain", aliceID, "--format", "json"])))
        #expect(try HTTP.request("\(base)/explain/\(HTTP.escape(aliceID))", jar: aliceJar).status == 200)
        // Her export download holds her rows only.
        let csv = try HTTP.request("\(base)/api/export?from=2026-W40&to=\(WebTests.week)&format=csv", jar: aliceJar)
        #expect(csv.status == 200 && csv.header("content-disposition")?.contains("attachment") == true)
        let csvReps = Set(csv.text.split(whereSeparator: \.isNewline).dropFirst().map { $0.split(separator: ",").first.map(String.init) ?? "" })
        #expect(csvReps == ["alice"])
        let xlsx = try HTTP.request("\(base)/api/export?from=2026-W40&to=\(WebTests.week)&format=xlsx", jar: aliceJar)
        #expect(xlsx.status == 200 && xlsx.body.starts(with: [0x50, 0x4B]))  // a ZIP (XLSX)

        // HTTP Basic works for programs, with the same rule.
        #expect(try HTTP.request("\(base)/api/week?rep=alice", user: "alice:\(WebFixture.passwords["alice"]!)").status == 200)
        #expect(try HTTP.request("\(base)/api/week?rep=bob", user: "alice:\(WebFixture.passwords["alice"]!)").status == 403)
        // /healthz needs no login.
        let health = try HTTP.request("\(base)/healthz")
        #expect(health.status == 200 && (health.json as? [String: Any])?["status"] as? String == "ok")
    }

    @Test("login: CSRF, wrong and missing credentials, throttling per login and per address, cookie flags, expiry and logout")
    func loginSecurity() throws {
        let f = try WebFixture()
        let base = f.base
        // Without a login: pages redirect to the login form, the API is 401 with a Basic challenge.
        let page = try HTTP.request("\(base)/week/\(WebTests.week)")
        #expect(page.status == 303 && page.header("location")?.hasPrefix("/login?next=") == true)
        let api = try HTTP.request("\(base)/api/week")
        #expect(api.status == 401 && api.header("www-authenticate")?.hasPrefix("Basic") == true)
        #expect(try HTTP.request("\(base)/api/week", user: "alice:wrong").status == 401)
        #expect(try HTTP.request("\(base)/api/week", headers: ["Authorization": "Basic !!!"]).status == 401)
        #expect(try HTTP.request("\(base)/api/week", headers: ["Cookie": "activity_session=" + String(repeating: "a", count: 64)]).status == 401)

        // POST /login without its CSRF token (or with another) is refused, even with the right password.
        let jar = newJar()
        let form = try HTTP.request("\(base)/login", jar: jar)
        #expect(form.csrf != nil)
        #expect(form.setCookies.contains { $0.contains("HttpOnly") && $0.contains("SameSite=Lax") })
        let noToken = try HTTP.request("\(base)/login", method: "POST", form: ["login": "wang", "password": WebFixture.passwords["wang"]!], jar: jar)
        #expect(noToken.status == 403)
        let otherToken = try HTTP.request("\(base)/login", method: "POST",
                                          form: ["login": "wang", "password": WebFixture.passwords["wang"]!, "csrf": String(repeating: "0", count: 64)], jar: jar)
        #expect(otherToken.status == 403)

        // A right login: the session cookie is HttpOnly, SameSite, not Secure on http; the store keeps only its hash.
        let ok = try HTTP.login(base, "wang", WebFixture.passwords["wang"]!, jar: jar)
        #expect(ok.status == 303)
        let cookie = try #require(ok.setCookies.first { $0.hasPrefix("activity_session=") })
        #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && !cookie.contains("Secure"))
        let token = String(cookie.dropFirst("activity_session=".count).prefix(64))
        let store = try Store(path: f.team.store)
        #expect(try store.webSession(tokenHash: token) == nil)
        #expect(try store.webSession(tokenHash: WebSecrets.sha256(token))?.login == "wang")
        #expect(try HTTP.request("\(base)/", jar: jar).status == 200)

        // Logout needs the session's CSRF token.
        #expect(try HTTP.request("\(base)/logout", method: "POST", form: [:], jar: jar).status == 403)

        // An expired session is no session.
        try store.expireWebSessions(login: "wang", at: Date().addingTimeInterval(-1))
        #expect(try HTTP.request("\(base)/", jar: jar).status == 303)
        #expect(try HTTP.request("\(base)/api/week", jar: jar).status == 401)

        // Logout ends the session in the store.
        let jar2 = newJar()
        try HTTP.login(base, "root", WebFixture.passwords["root"]!, jar: jar2)
        let home = try HTTP.request("\(base)/", jar: jar2)
        let out = try HTTP.request("\(base)/logout", method: "POST", form: ["csrf": home.csrf ?? ""], jar: jar2)
        #expect(out.status == 303)
        #expect(try HTTP.request("\(base)/api/week", jar: jar2).status == 401)

        // Throttling per login: five wrong passwords, then even the right one is refused (429).
        let jar3 = newJar()
        for _ in 0..<5 { #expect(try HTTP.login(base, "north", "wrong", jar: jar3).status == 401) }
        #expect(try HTTP.login(base, "north", WebFixture.passwords["north"]!, jar: jar3).status == 429)
        #expect(try HTTP.request("\(base)/api/week", user: "north:\(WebFixture.passwords["north"]!)").status == 429)
        // Per address (behind a local proxy: X-Forwarded-For): twenty failures over many logins block that address only.
        let proxy = ["X-Forwarded-For": "203.0.113.9"]
        for i in 0..<20 { _ = try HTTP.login(base, "guess\(i)", "wrong", jar: newJar(), headers: proxy) }
        #expect(try HTTP.login(base, "alice", WebFixture.passwords["alice"]!, jar: newJar(), headers: proxy).status == 429)
        #expect(try HTTP.login(base, "alice", WebFixture.passwords["alice"]!, jar: newJar(), headers: ["X-Forwarded-For": "203.0.113.10"]).status == 303)

        // A login with a line break cannot forge a log line.
        _ = try HTTP.login(base, "x\nFORGED web login: login=root", "wrong", jar: newJar(), headers: ["X-Forwarded-For": "203.0.113.11"])
        // HEAD is GET without the body.
        #expect(HTTP.raw(port: f.server.port, Array("HEAD /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8)).hasPrefix("HTTP/1.1 200"))

        // The log has the logins, failures and throttling, never a password.
        let log = f.server.stderr
        #expect(!log.contains("\nFORGED") && log.contains("x?FORGED"))
        #expect(log.contains("web login: login=wang") && log.contains("web login failed: login=north") && log.contains("throttled"))
        for pw in WebFixture.passwords.values { #expect(!log.contains(pw)) }
        #expect(!log.contains("wrong\""))
    }

    @Test("hostile input: markup in subjects shows as typed; traversal, oversized and malformed requests are refused and the server goes on")
    func hostileInput() throws {
        let f = try WebFixture { dovecot in
            try dovecot.deliver(user: "alice", folder: "Sent", file: Repo.path("Fixtures/web/hostile.eml"))
        }
        let base = f.base
        let jar = newJar()
        try HTTP.login(base, "alice", WebFixture.passwords["alice"]!, jar: jar)
        let page = try HTTP.request("\(base)/rep/alice/\(WebTests.week)", jar: jar)
        #expect(page.status == 200)
        #expect(page.text.contains("&lt;script&gt;alert(&#39;subject&#39;)&lt;/script&gt; &quot;&gt;&lt;img src=x onerror=alert(1)&gt;"))
        #expect(!page.text.contains("<script") && !page.text.contains("<img"))
        #expect(page.header("content-security-policy")?.contains("default-src 'none'") == true)
        let week = try json(try HTTP.request("\(base)/api/week?week=\(WebTests.week)", jar: jar))
        let hostile = ((week["reps"] as? [[String: Any]])?.first?["activities"] as? [[String: Any]])?.first { ($0["title"] as? String)?.contains("<script>") == true }
        let id = try #require(hostile?["id"] as? String, "the hostile mail made no activity")
        let explain = try HTTP.request("\(base)/explain/\(HTTP.escape(id))", jar: jar)
        #expect(explain.status == 200 && !explain.text.contains("<script") && !explain.text.contains("<img") && explain.text.contains("&lt;script&gt;"))
        let team = try HTTP.request("\(base)/week/\(WebTests.week)", jar: newJar())
        #expect(team.status == 303)

        // Path traversal and odd paths: refused, never a file.
        for path in ["/../../etc/passwd", "/rep/..%2f..%2fetc%2fpasswd/2026-W47", "/rep/alice/..%2F..%2F", "/explain/..%2f..%2fetc%2fpasswd",
                     "/%2e%2e/%2e%2e/etc/passwd", "/rep/alice/2026-W47/../../bob", "/api/../healthz", "/rep//alice"] {
            let r = try HTTP.request(base + path, jar: jar)
            #expect([400, 403, 404].contains(r.status), "\(path): \(r.status)")
            #expect(!r.text.contains("root:x:0:0"))
        }
        #expect(try HTTP.request("\(base)/week/2026-W99", jar: newJar(), user: "root:\(WebFixture.passwords["root"]!)").status == 400)
        #expect(try HTTP.request("\(base)/api/export?from=nonsense&format=csv", user: "root:\(WebFixture.passwords["root"]!)").status == 400)
        #expect(try HTTP.request("\(base)/api/export?from=2026-W40&format=exe", user: "root:\(WebFixture.passwords["root"]!)").status == 400)
        #expect(try HTTP.request("\(base)/api/export?from=1990-W01&format=csv", user: "root:\(WebFixture.passwords["root"]!)").status == 400)

        // Oversized: a 1 MB login body is 413; a 200 KB header is refused; the server still answers.
        let big = try HTTP.request("\(base)/login", method: "POST", headers: ["Content-Type": "application/x-www-form-urlencoded"],
                                   body: Data(repeating: UInt8(ascii: "a"), count: 1_000_000))
        #expect(big.status == 413)
        let hugeHeader = HTTP.raw(port: f.server.port, Array("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: \(String(repeating: "b", count: 200_000))\r\n\r\n".utf8))
        #expect(!hugeHeader.hasPrefix("HTTP/1.1 200"))
        // Malformed requests: garbage, a bad request line, a bad Content-Length.
        for junk in ["\u{0}\u{1}\u{2}garbage\r\n\r\n", "GET\r\n\r\n", "GET / HTTP/9.9\r\n\r\n",
                     "POST /login HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n", "GET /%zz HTTP/1.1\r\nHost: x\r\n\r\n"] {
            let answer = HTTP.raw(port: f.server.port, Array(junk.utf8))
            #expect(!answer.hasPrefix("HTTP/1.1 200") && !answer.hasPrefix("HTTP/1.1 5"), "\(junk.debugDescription): \(answer.prefix(60))")
        }
        #expect(try HTTP.request("\(base)/healthz").status == 200)
        #expect(try HTTP.request("\(base)/api/week", method: "DELETE", user: "root:\(WebFixture.passwords["root"]!)").status == 405)
    }

    @Test("in a real browser (headless Chromium through Selenium): a manager logs in, sees the export's numbers, opens a rep, explains, downloads XLSX; a session expires; a rep sees only their week")
    func browser() throws {
        let f = try WebFixture()
        let export = try cli(f.team, ["export", "--from", WebTests.week, "--to", WebTests.week, "--team", "east", "--format", "json"])
        var counts: [String: [String: Int]] = [:]
        for row in export["rows"] as? [[String: Any]] ?? [] where !(row["target"] is NSNull) && row["target"] != nil {
            counts[row["rep"] as? String ?? "", default: [:]][row["kind"] as? String ?? ""] = row["actual"] as? Int
        }
        #expect(Set(counts.keys) == ["alice", "bob"])
        let dir = TempDir("activity-browser")
        let expected: [String: Any] = ["manager": ["wang", WebFixture.passwords["wang"]!], "rep": ["alice", WebFixture.passwords["alice"]!],
                                       "counts": counts, "others": ["bob", "carol"]]
        try JSONSerialization.data(withJSONObject: expected).write(to: URL(fileURLWithPath: dir.file("expected.json")))
        // Screenshots stay under .build/web-screenshots for people to look at.
        let shots = Repo.path(".build/web-screenshots")
        try? FileManager.default.removeItem(atPath: shots)
        try FileManager.default.createDirectory(atPath: shots, withIntermediateDirectories: true)
        let r = try run("/usr/bin/env", ["python3", Repo.path("Tests/Browser/web_view.py"), f.base, WebTests.week, dir.file("expected.json"),
                                         f.team.store, shots])
        #expect(r.status == 0, "browser test failed:\n\(r.stdout)\n\(r.stderr.suffix(3000))")
        #expect(r.stdout.contains("browser: all checks passed"))
        for name in ["1-manager-team-week.png", "2-manager-rep-week.png", "3-explain.png", "4-rep-own-week-phone.png"] {
            #expect(FileManager.default.fileExists(atPath: "\(shots)/\(name)"), "\(name)")
        }
    }

    @Test("adjustments over the web: a manager corrects their team's week with the CSRF token (JSON and the rep page's form); a rep, another team's manager, a missing token and a manager's alias are refused; an admin aliases")
    func adjustOverTheWeb() throws {
        let f = try WebFixture()
        let base = f.base
        func aliceActivities(_ jar: String) throws -> [[String: Any]] {
            let week = try json(try HTTP.request("\(base)/api/week?week=\(WebTests.week)&rep=alice", jar: jar))
            return (week["reps"] as? [[String: Any]])?.first?["activities"] as? [[String: Any]] ?? []
        }
        func post(_ body: [String: Any], jar: String? = nil, user: String? = nil, csrf: String?) throws -> HTTP.Response {
            var headers = ["Content-Type": "application/json"]
            if let csrf { headers["X-CSRF-Token"] = csrf }
            return try HTTP.request("\(base)/api/adjust", method: "POST", headers: headers,
                                    body: try JSONSerialization.data(withJSONObject: body), jar: jar, user: user)
        }
        let wang = newJar()
        try HTTP.login(base, "wang", WebFixture.passwords["wang"]!, jar: wang)
        let csrf = try #require(try json(try HTTP.request("\(base)/api/me", jar: wang))["csrf"] as? String)
        let quote = try #require(try aliceActivities(wang).first { $0["kind"] as? String == "closing" })
        let id = try #require(quote["id"] as? String)
        let hostile = "<script>alert(1)</script> \"><img src=x onerror=alert(2)>"

        // Without the token, with a wrong one: 403, nothing recorded.
        #expect(try post(["action": "void", "activity": id, "reason": "x"], jar: wang, csrf: nil).status == 403)
        #expect(try post(["action": "void", "activity": id, "reason": "x"], jar: wang, csrf: String(repeating: "0", count: 64)).status == 403)
        // A bad request names what is wrong.
        let noReason = try post(["action": "void", "activity": id], jar: wang, csrf: csrf)
        #expect(noReason.status == 400 && noReason.text.contains("--reason is required"), "\(noReason.text)")
        #expect(try post(["action": "void", "activity": "0123456789abcdef", "reason": "x"], jar: wang, csrf: csrf).status == 404)

        // The manager voids one of alice's activities: 201, recorded under their login, seen at once.
        let made = try post(["action": "void", "activity": id, "reason": hostile, "by": "someone-else"], jar: wang, csrf: csrf)
        #expect(made.status == 201, "\(made.status) \(made.text)")
        let entry = try json(made)
        #expect(entry["id"] as? Int == 1 && entry["by"] as? String == "wang" && entry["action"] as? String == "void")
        let voided = try #require(try aliceActivities(wang).first { $0["id"] as? String == id })
        #expect(voided["counted"] as? Bool == false && (voided["adjusted"] as? [String: Any])?["reason"] as? String == hostile)
        let cliWeek = try cli(f.team, ["week", "--rep", "alice", "--rep", "bob", "--week", WebTests.week, "--format", "json"])
        #expect(same(try json(try HTTP.request("\(base)/api/week?week=\(WebTests.week)", jar: wang)), cliWeek))
        // The rep page shows it void, with the reason escaped, and offers the manager the forms.
        let page = try HTTP.request("\(base)/rep/alice/\(WebTests.week)", jar: wang)
        #expect(page.text.contains("<tr data-id=\"\(id)\" class=\"void\">"))
        #expect(!page.text.contains("<script>alert(1)") && page.text.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(page.text.contains("action=\"/api/adjust\"") && page.text.contains("id=\"adjust-add\""))

        // The page's own form: reclassify through a form post, sent back to the page.
        let pageCSRF = try #require(page.csrf)
        let other = try #require(try aliceActivities(wang).first { $0["kind"] as? String == "follow_up" && $0["counted"] == nil })
        let form = try HTTP.request("\(base)/api/adjust", method: "POST",
                                    form: ["csrf": pageCSRF, "action": "reclassify", "activity": other["id"] as? String ?? "",
                                           "kind": "visit", "reason": "其实是面谈", "next": "/rep/alice/\(WebTests.week)"], jar: wang)
        #expect(form.status == 303 && form.header("location") == "/rep/alice/\(WebTests.week)", "\(form.status) \(form.text)")
        #expect(try aliceActivities(wang).first { $0["id"] as? String == other["id"] as? String }?["kind"] as? String == "visit")

        // A rep may not adjust, not even her own week; the page offers no forms.
        let alice = newJar()
        try HTTP.login(base, "alice", WebFixture.passwords["alice"]!, jar: alice)
        let aliceCSRF = try #require(try json(try HTTP.request("\(base)/api/me", jar: alice))["csrf"] as? String)
        #expect(try post(["action": "void", "activity": id, "reason": "x"], jar: alice, csrf: aliceCSRF).status == 403)
        #expect(!(try HTTP.request("\(base)/rep/alice/\(WebTests.week)", jar: alice).text.contains("action=\"/api/adjust\"")))
        // Another team's manager may not touch alice's ledger, by any action.
        let north = newJar()
        try HTTP.login(base, "north", WebFixture.passwords["north"]!, jar: north)
        let northCSRF = try #require(try json(try HTTP.request("\(base)/api/me", jar: north))["csrf"] as? String)
        #expect(try post(["action": "reclassify", "activity": id, "kind": "demo", "reason": "x"], jar: north, csrf: northCSRF).status == 403)
        #expect(try post(["action": "add", "rep": "alice", "kind": "visit", "at": "2026-11-18T10:00", "org": "a.com", "title": "t", "reason": "x"],
                         jar: north, csrf: northCSRF).status == 403)
        #expect(try post(["action": "revoke", "adjustment": 1, "reason": "x"], jar: north, csrf: northCSRF).status == 403)
        // Aliases change every rep's ledger: not for a manager, for an admin (HTTP Basic needs no token).
        let alias: [String: Any] = ["action": "alias", "org": "brightwave.co.uk", "to": "brightwave.com", "reason": "renamed"]
        #expect(try post(alias, jar: wang, csrf: csrf).status == 403)
        let admin = try post(alias, user: "root:\(WebFixture.passwords["root"]!)", csrf: nil)
        #expect(admin.status == 201, "\(admin.text)")
        // The audit trail has exactly the three that were allowed, in order.
        let list = try cli(f.team, ["adjust", "list", "--format", "json"])
        #expect((list["adjustments"] as? [[String: Any]])?.map { "\($0["id"] ?? "") \($0["action"] ?? "") \($0["by"] ?? "")" }
                == ["1 void wang", "2 reclassify wang", "3 alias root"])
    }

    @Test("the pages' cache: a sync while the server runs shows at the next request")
    func seesASync() throws {
        let f = try WebFixture()
        let admin = "root:\(WebFixture.passwords["root"]!)"
        func aliceActivities() throws -> Int {
            let week = try json(try HTTP.request("\(f.base)/api/week?week=\(WebTests.week)&rep=alice", user: admin))
            return ((week["reps"] as? [[String: Any]])?.first?["activities"] as? [Any])?.count ?? -1
        }
        let before = try aliceActivities()
        #expect(try aliceActivities() == before)  // from the cache
        try f.dovecot.deliver(user: "alice", folder: "Sent", file: Repo.path("Fixtures/web/hostile.eml"))
        let sync = try f.team.activity(["sync", "--once"])
        #expect(sync.status == 0, "\(sync.stderr)")
        let after = try aliceActivities()
        let cliWeek = try cli(f.team, ["week", "--rep", "alice", "--week", WebTests.week, "--format", "json"])
        let cliCount = ((cliWeek["reps"] as? [[String: Any]])?.first?["activities"] as? [Any])?.count
        #expect(after > before && after == cliCount, "before \(before), after \(after), CLI \(cliCount ?? -1)")
        let page = try HTTP.request("\(f.base)/rep/alice/\(WebTests.week)", user: admin)
        #expect(page.text.contains("&lt;script&gt;"))
    }

    @Test("serve refuses a non-loopback listen without an https base_url (78) unless told; user hash makes yescrypt hashes")
    func listenAndHash() throws {
        let team = try FixtureTeam(imapURL: "imap://127.0.0.1:9",
                                   extra: "\n[[user]]\nlogin = \"x\"\nrole = \"admin\"\npassword_hash = \"\(try WebFixture.hash("pw"))\"\n")
        let refused = try team.activity(["serve", "--listen", "0.0.0.0:\(freePort())"])
        #expect(refused.status == 78)
        #expect(refused.stderr.contains("not loopback") && refused.stderr.contains("--insecure-listen"))
        let a = try WebFixture.hash("same password"), b = try WebFixture.hash("same password")
        #expect(a.hasPrefix("$y$") && b.hasPrefix("$y$") && a != b)
        #expect(WebSecrets.verify("same password", hash: a) && !WebSecrets.verify("other", hash: a))
        #expect(WebSecrets.constantTimeEqual("abc", "abc") && !WebSecrets.constantTimeEqual("abc", "abd") && !WebSecrets.constantTimeEqual("abc", "ab"))
        #expect(WebSecrets.randomToken().count == 64 && WebSecrets.randomToken() != WebSecrets.randomToken())
        #expect(WebSecrets.sha256("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        // Large answers are gzipped for clients that accept it: gzip(1) reads it back.
        let text = String(repeating: "{\"rep\":\"王丽\",\"kind\":\"visit\"}\n", count: 5000)
        let gz = TempDir("activity-gz")
        FileManager.default.createFile(atPath: gz.file("a.gz"), contents: Data(try #require(WebSecrets.gzip(Array(text.utf8)))))
        #expect(try run("/bin/gzip", ["-dc", gz.file("a.gz")]).stdout == text)

        let empty = try run("/bin/sh", ["-c", "printf '' | \"$0\" user hash", Repo.binary])
        #expect(empty.status == 64)

        // With an https base_url (a TLS proxy in front) the session cookie is Secure, and a non-loopback listen is allowed.
        let tls = try FixtureTeam(imapURL: "imap://127.0.0.1:9",
                                  extra: "\n[[user]]\nlogin = \"x\"\nrole = \"admin\"\npassword_hash = \"\(try WebFixture.hash("pw"))\"\n[web]\nbase_url = \"https://activity.example.com\"\n")
        _ = try Store(path: tls.store)
        let server = try WebServerProcess(config: tls.config)
        let ok = try HTTP.login(server.base, "x", "pw", jar: newJar())
        #expect(ok.status == 303)
        #expect(ok.setCookies.first { $0.hasPrefix("activity_session=") }?.contains("; Secure") == true)
    }

    @Test("request parsing (what the fuzz target serve checks): after login, a next with a tab or other control character goes to /, since a browser drops tabs and so reads /<tab>/evil.example as //evil.example")
    func safeNextControls() {
        #expect(WebApp.safeNext("/rep/alice/2026-W47?x=1") == "/rep/alice/2026-W47?x=1")
        #expect(WebApp.safeNext("/rep/王丽") == "/rep/王丽")
        for hostile in ["//evil.example", "/\\evil.example", "/\t/evil.example", "/\t\t/evil.example", "/\n/evil.example",
                        "/\r/evil.example", "/\u{0}", "/a\u{7F}b", "/a\u{1B}b", "/a\u{85}b", "https://evil.example", ""] {
            #expect(WebApp.safeNext(hostile) == "/", "\(hostile.debugDescription)")
        }
        // As the login form sends it back: next=/%09/evil.example.
        #expect(WebApp.safeNext(WebRequest.formDecode("next=%2F%09%2Fevil.example")["next"]) == "/")
    }

    @Test("request parsing (what the fuzz target serve checks): logSafe shows Unicode's line and paragraph separators as ?, like control characters — a log viewer that breaks lines at U+2028 would show a forged line")
    func logSafeSeparators() {
        #expect(WebApp.logSafe("alice\u{2028}web login: login=root role=admin") == "alice?web login: login=root role=admin")
        #expect(WebApp.logSafe("a\u{2029}b\u{85}c\nd\re\u{0}f") == "a?b?c?d?e?f")
        #expect(WebApp.logSafe("王丽 wang") == "王丽 wang")
        #expect(WebApp.logSafe(String(repeating: "é", count: 100)).unicodeScalars.count == 64)
    }

    @Test("request parsing: logSafe shows bidirectional overrides and isolates as ?, so a login holding U+202E (right-to-left override) cannot read as another name in a terminal")
    func logSafeBidi() {
        #expect(WebApp.logSafe("mallory\u{202E}nimda=elor") == "mallory?nimda=elor")
        #expect(WebApp.logSafe("a\u{2066}b\u{2069}c\u{200F}d\u{061C}e\u{202A}f") == "a?b?c?d?e?f")
        #expect(WebApp.logSafe("👩\u{200D}💻 zhao") == "👩\u{200D}💻 zhao", "a zero-width joiner inside an emoji is not a bidi control")
    }

    @Test("request parsing (what the fuzz target serve checks): an organisation given as an address with nothing after the @ is refused, not recorded as the empty name")
    func organisationEmptyDomain() throws {
        #expect(try AdjustmentRequest.organisation("Zhao@Huawei.com", option: "--org") == "huawei.com")
        #expect(try AdjustmentRequest.organisation(" hint:华为 坂田@基地 ", option: "--org") == "hint:华为 坂田@基地")
        #expect(try AdjustmentRequest.organisation("a@b@Huawei.COM", option: "--org") == "huawei.com")
        for hostile in ["@", "zhao@", "zhao@  ", "  @ ", ""] {
            #expect(throws: ActivityError.self, "\(hostile.debugDescription)") { try AdjustmentRequest.organisation(hostile, option: "--org") }
        }
        #expect(try AdjustmentRequest.organisation("zhao@ huawei.com", option: "--to") == "huawei.com")
    }

    @Test("request parsing (what the fuzz target serve checks): delimiters are found in the bytes, not in Characters — a combining mark after /, :, ; or & makes one Character with it and hid the delimiter")
    func delimitersBeforeCombiningMarks() {
        // Basic credentials whose password starts with a combining mark (the fuzzer's find).
        let pair = "zhao:\u{301}pw"
        let credentials = WebInput.basicCredentials("Basic " + Data(pair.utf8).base64EncodedString())
        #expect(credentials?.login == "zhao" && credentials?.password == "\u{301}pw")
        // After login: //<variation selector>evil.example is another site (IDNA drops the selector).
        for hostile in ["//\u{FE0F}evil.example", "/\\\u{301}evil.example", "//\u{301}evil.example"] {
            #expect(WebApp.safeNext(hostile) == "/", "\(hostile.debugDescription)")
        }
        #expect(WebApp.safeNext("/rep/a\u{301}") == "/rep/a\u{301}")
        // A path segment never holds a slash, whatever follows it.
        #expect(WebApp.segments("/rep/a/\u{301}b") == ["rep", "a", "\u{301}b"])
        for path in ["/explain/%2F%CC%81", "/rep/a%5C%CC%81", "/rep/%00%CC%81"] {
            #expect(WebApp.segments(path) == nil, "\(path.debugDescription)")
        }
        #expect(WebApp.segments("/rep/\u{301}a") == ["rep", "\u{301}a"])
        #expect(WebApp.segments("/rep/zhao\u{301}") == ["rep", "zhao\u{301}"])
        // Cookies and forms split at every ; & and =.
        let request = WebRequest(method: "GET", path: "/", query: "a=1&\u{301}b=2&c=\u{301}3", headers: ["cookie": "a=1;\u{301}b=2"], body: [], remote: "127.0.0.1")
        #expect(request.cookies == ["a": "1", "\u{301}b": "2"])
        #expect(request.queryItems == ["a": "1", "\u{301}b": "2", "c": "\u{301}3"])
    }

    @Test("request parsing (what the fuzz target serve checks): --at (and POST /api/adjust's at) refuses an offset beyond ±18:00 and digits other than ASCII's, instead of crashing the server")
    func adjustTimeHostile() throws {
        let zone = TimeZone(identifier: "Asia/Shanghai")!, now = Date(timeIntervalSince1970: 1_796_515_200)
        let ok = try AdjustmentRequest.time("2026-11-17T10:00:00+14:00", zone: zone, now: now)
        #expect(ok == Date(timeIntervalSince1970: 1_794_859_200))
        #expect(try AdjustmentRequest.time("2026-11-17 10:00", zone: zone, now: now) == Date(timeIntervalSince1970: 1_794_880_800))
        for hostile in ["2026-11-17T10:00+20:00", "2026-11-17T10:00-1900", "2026-11-17T10:00+23:59",
                        "２０２６-11-17T10:00", "2026-11-17T１０:00", "2026-11-17T10:00+０８:00", "٢٠٢٦-11-17T10:00", "2026-11-17T10:0\u{301}0"] {
            #expect(throws: ActivityError.self, "\(hostile.debugDescription)") { try AdjustmentRequest.time(hostile, zone: zone, now: now) }
        }
    }

    @Test("the one escaping function: subjects, org names and titles as text in every page")
    func escaping() throws {
        let evil = "<script>alert(1)</script>\"><img src=x onerror=alert(2)>'"
        #expect(WebPages.h(evil) == "&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;img src=x onerror=alert(2)&gt;&#39;")
        var config = Config.empty()
        config.reps = [Config.Rep(id: "r1", name: evil, emails: ["r@x.cn"], team: "east")]
        let zone = config.timeZone
        let week = ISOWeek("2026-W47")!
        let activity = Activity(rep: "r1", kind: .visit, at: week.start(in: zone).addingTimeInterval(3600), org: evil, title: evil,
                                rule: evil, sourceType: .imap, account: "a", ref: evil)
        let repWeek = RepWeek.build(rep: config.profile(config.reps[0]), week: week, activities: [activity], reached: [evil: 4],
                                    exchanges: [(org: evil, lastOut: week.start(in: zone).addingTimeInterval(-20 * 86400), lastIn: nil)],
                                    targets: [.visit: 2], followUpAfterDays: 7, now: week.end(in: zone))
        let user = Config.User(login: "u", name: evil, email: nil, role: .admin)
        let session = WebApp.Session(user: user, csrf: String(repeating: "a", count: 64))
        let deals = Pipeline.deals([evil: Pipeline.Standing(stage: 4, lastActivity: week.start(in: zone))], on: week.end(in: zone), in: zone,
                                   unanswered: [evil])
        #expect(!deals.isEmpty)
        let pages = [
            WebPages.repWeek(session: session, rep: config.reps[0], week: repWeek, deals: deals, config: config),
            WebPages.teamWeek(session: session, week: week, weeks: [repWeek],
                              heatMap: ExportReport(export: LedgerExport.build(from: week, to: week, reps: [.init(id: "r1", name: evil, team: "east", startDate: nil)],
                                                                               teams: [.init(id: "east", name: evil)], plan: TargetPlan(defaults: [.visit: 2], tenure: [], teams: [:], reps: [:]),
                                                                               counts: ["r1": [week: [.visit: 1]]], organisations: [:]),
                                                    timeZone: zone, team: nil, openWeeks: []), config: config),
            WebPages.explain(session: session, activity: activity, items: [ExplainCommand.eventJSON(id: evil, summary: evil, organizer: evil, attendees: [evil],
                                                                                                   start: activity.at, verdict: ItemVerdict(itemKey: evil, activities: [], ignored: evil), zone: zone)], config: config),
            WebPages.loginPage(csrf: "x", next: evil, error: evil, login: evil),
            WebPages.errorPage(status: 404, message: evil),
            // The export's HTML (a web download too): the pipeline section's rep names and organisations.
            ExportHTML.page(ExportReport(export: LedgerExport.build(from: week, to: week, reps: [.init(id: "r1", name: evil, team: "east", startDate: nil)],
                                                                    teams: [.init(id: "east", name: evil)], plan: TargetPlan(defaults: [.visit: 2], tenure: [], teams: [:], reps: [:]),
                                                                    counts: ["r1": [week: [.visit: 1]]], organisations: [:]),
                                         timeZone: zone, team: nil, openWeeks: [],
                                         pipeline: PipelineCommand.Review(day: "2026-11-22", rows: [(config.reps[0], zone, deals)]))),
        ]
        for page in pages {
            #expect(!page.contains("<script") && !page.contains("<img") && !page.contains("alert(2)>") && !page.contains("\"><img"), "\(page.prefix(200))")
            #expect(page.contains("&lt;script&gt;"))
        }
    }
}
