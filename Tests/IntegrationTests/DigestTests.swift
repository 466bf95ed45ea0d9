import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `activity digest` and the daemon's `[digest] send_at` (issue 17) against a real SMTP server on
/// loopback (aiosmtpd), each message read back with Python's email package.
@Suite("The Monday digest", .serialized)
struct DigestTests {
    static let week = "2026-W47"
    static let emails = ["zhao": "zhao@hxsoft.cn", "qian": "qian@hxsoft.cn", "alice": "alice@hxsoft.cn", "carol": "carol@hxsoft.cn"]
    /// Who may see whom (Users.swift's rule): the manager of east, the admin, two reps.
    static let visible = ["zhao@hxsoft.cn": ["alice", "bob"], "qian@hxsoft.cn": ["alice", "bob", "carol"],
                          "alice@hxsoft.cn": ["alice"], "carol@hxsoft.cn": ["carol"]]
    static let scope = ["zhao@hxsoft.cn": "华东区", "qian@hxsoft.cn": "全公司", "alice@hxsoft.cn": "王丽",
                        "carol@hxsoft.cn": "Carol <b>Chen</b> & Co"]
    static let names = ["alice": "王丽", "bob": "张伟", "carol": "Carol <b>Chen</b> & Co"]
    static let labels = ["lead": "线索", "qualified": "确认", "contact": "接洽", "visit": "拜访", "demo": "演示", "closing": "商务",
                         "onboarding": "实施", "payment": "回款", "follow_up": "跟进"]
    static let headlineOrder = ["visit", "demo", "lead", "closing", "contact", "qualified", "onboarding", "payment", "follow_up"]

    static let users = """

        [[user]]
        login = "zhao"
        name = "赵经理"
        email = "zhao@hxsoft.cn"
        role = "manager"
        teams = ["east"]

        [[user]]
        login = "qian"
        name = "钱总"
        email = "qian@hxsoft.cn"
        role = "admin"

        [[user]]
        login = "alice"
        name = "王丽"
        email = "alice@hxsoft.cn"
        role = "rep"
        rep = "alice"

        [[user]]
        login = "carol"
        name = "Carol"
        email = "carol@hxsoft.cn"
        role = "rep"
        rep = "carol"

        [[user]]
        login = "bob"
        name = "张伟"
        role = "rep"
        rep = "bob"

        """

    /// The fixture team with users, `[mail]` pointing at `sink`, and carol renamed to test escaping.
    static func team(_ dovecot: Dovecot, _ sink: SMTPSink, extra: String = "", pollEvery: String? = nil) throws -> FixtureTeam {
        let team = try FixtureTeam(imapURL: "imap://127.0.0.1:\(dovecot.imapPort)", extra: users + """

            [mail]
            smtp_url = "\(sink.url)"
            from = "销售活动周报 <activity@hxsoft.cn>"
            username = "activity"
            password_file = "secrets/smtp"
            timeout = "20s"
            \(extra)
            """, edit: { text in
                let renamed = text.replacingOccurrences(of: "name = \"Carol Chen\"", with: "name = \"Carol <b>Chen</b> & Co\"")
                return pollEvery.map { FixtureTeam.polling(every: $0)(renamed) } ?? renamed
            })
        team.dir.write("secrets/smtp", "smtp-secret\n", mode: 0o600)
        return team
    }

    static func format(_ d: Double) -> String { d == d.rounded() ? String(Int(d)) : String(d) }

    static let englishLabels = ["lead": "leads", "qualified": "qualified leads", "contact": "contacts", "visit": "visits", "demo": "demos",
                                "closing": "closings", "onboarding": "onboardings", "payment": "payments", "follow_up": "follow-ups"]
    static let englishScope = ["zhao@hxsoft.cn": "华东区", "qian@hxsoft.cn": "All teams", "alice@hxsoft.cn": "王丽",
                               "carol@hxsoft.cn": "Carol <b>Chen</b> & Co"]
    /// What a Chinese digest says around the names and numbers: none of it may be in an English one.
    static let chineseWords = ["销售活动周报", "每人对照指标", "未达标", "逾期跟进", "到期跟进", "类商机", "附件", "无可见", "差距", "达标",
                               "落后", "接近", "天未回复", "下一步", "停滞", "全公司", "本周", "步骤", "其他"]

    /// The English subject: `Sales activity W47 East: 2 of 3 reps behind on visits`.
    static func expectedEnglishSubject(_ email: String, rows: [[String: Any]]) -> String {
        let reps = visible[email]!
        let head = "Sales activity W\(week.suffix(2)) \(englishScope[email]!): "
        func short(_ rep: String, _ kind: String) -> [String: Any]? {
            rows.first { row in
                guard row["rep"] as? String == rep, row["kind"] as? String == kind, let t = row["target"] as? Double else { return false }
                return Double(row["actual"] as? Int ?? 0) < t
            }
        }
        if reps.count == 1 {
            let kinds = headlineOrder.filter { short(reps[0], $0) != nil }
            guard let first = kinds.first, let row = short(reps[0], first) else { return head + "all targets met" }
            return head + "behind on \(englishLabels[first]!) (\(row["actual"] as? Int ?? 0)/\(format(row["target"] as? Double ?? 0)))"
                + (kinds.count > 1 ? " and \(kinds.count - 1) more" : "")
        }
        var best: (String, Int)? = nil
        for k in headlineOrder {
            let n = reps.filter { short($0, k) != nil }.count
            if n > 0, best == nil || n > best!.1 { best = (k, n) }
        }
        guard let best else { return head + "all \(reps.count) on target" }
        return head + "\(best.1) of \(reps.count) reps behind on \(englishLabels[best.0]!)"
    }

    /// The subject the digest must have, from `export --format json`'s rows of the visible reps.
    static func expectedSubject(_ email: String, rows: [[String: Any]]) -> String {
        let reps = visible[email]!
        let head = "销售活动周报 \(week) \(scope[email]!)："
        func short(_ rep: String, _ kind: String) -> [String: Any]? {
            rows.first { row in
                guard row["rep"] as? String == rep, row["kind"] as? String == kind, let t = row["target"] as? Double else { return false }
                return Double(row["actual"] as? Int ?? 0) < t
            }
        }
        if email == "alice@hxsoft.cn" || email == "carol@hxsoft.cn" {
            let kinds = headlineOrder.filter { short(reps[0], $0) != nil }
            guard let first = kinds.first, let row = short(reps[0], first) else { return head + "全部达标" }
            return head + "\(labels[first]!) \(row["actual"] as? Int ?? 0)/\(format(row["target"] as? Double ?? 0))"
                + (kinds.count > 1 ? " 等 \(kinds.count) 项" : "") + "未达标"
        }
        var best: (String, Int)? = nil
        for k in headlineOrder {
            let n = reps.filter { short($0, k) != nil }.count
            if n > 0, best == nil || n > best!.1 { best = (k, n) }
        }
        guard let best else { return head + "\(reps.count) 人全部达标" }
        return head + "\(reps.count) 人中 \(best.1) 人\(labels[best.0]!)未达标"
    }

    @Test("each user gets one digest of their reps only: subject, numbers in HTML and text as the export, the XLSX; once, and again with --force")
    func digestsOfTheWeek() throws {
        let dovecot = try Dovecot(users: FixtureTeam.users, maildirFrom: Repo.path("Fixtures/mail"))
        let sink = try SMTPSink(user: "activity:smtp-secret")
        let team = try DigestTests.team(dovecot, sink)
        #expect(try team.activity(["sync", "--once"]).status == 0)
        let r = try team.activity(["digest", "--week", DigestTests.week])
        #expect(r.status == 0, "\(r.stderr)")
        let messages = sink.messages
        #expect(messages.map(\.rcpt).sorted { $0[0] < $1[0] } == DigestTests.visible.keys.sorted().map { [$0] }, "one message per user with an email, to that user only")
        #expect(sink.connections == 1, "the four messages of the run go over one connection")

        let export = try team.activity(["export", "--from", DigestTests.week, "--to", DigestTests.week, "--format", "json"])
        let exportJSON = try #require(try JSONSerialization.jsonObject(with: Data(export.stdout.utf8)) as? [String: Any])
        let rows = exportJSON["rows"] as? [[String: Any]] ?? []
        #expect(rows.count == 27)
        var messageIDs: [String: String] = [:]
        for message in messages {
            let email = message.rcpt[0]
            let reps = DigestTests.visible[email]!
            let files = TempDir("activity-digest-parts")
            let m = try readEML(message.path, attachments: files.path)
            #expect((m["bad_lines"] as? [Int])?.isEmpty == true, "\(email): lines over 76 characters or without CRLF")
            #expect((m["defects"] as? [String])?.isEmpty == true, "\(email): \(m["defects"] ?? "")")
            #expect(m["structure"] as? [String] == ["multipart/mixed", "multipart/alternative", "text/plain", "text/html",
                                                     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"])
            #expect(m["to"] as? [String] == [email])
            #expect(m["from_address"] as? String == "activity@hxsoft.cn")
            #expect(m["from_name"] as? String == "销售活动周报")
            let subject = m["subject"] as? String ?? ""
            #expect(subject == DigestTests.expectedSubject(email, rows: rows), "\(email)")
            let id = m["message_id"] as? String ?? ""
            #expect(id.hasPrefix("<digest.\(DigestTests.week).") && id.hasSuffix("@hxsoft.cn>"))
            messageIDs[email] = id
            let html = m["html"] as? String ?? ""
            let text = m["text"] as? String ?? ""
            let teamView = reps.count > 1
            for row in rows {
                guard let rep = row["rep"] as? String, let kind = row["kind"] as? String else { continue }
                let actual = row["actual"] as? Int ?? -1
                guard reps.contains(rep) else {
                    #expect(!html.contains("data-cell=\"\(rep):"), "\(email) sees \(rep)")
                    continue
                }
                guard let target = row["target"] as? Double else { continue }
                let t = DigestTests.format(target), label = DigestTests.labels[kind]!
                if teamView {
                    #expect(html.range(of: "data-cell=\"\(rep):\(kind)\"[^>]*>\(actual)&nbsp;/&nbsp;\(t)</td>", options: .regularExpression) != nil,
                            "\(email): \(rep) \(kind) \(actual)/\(t) in the HTML")
                    let line = text.split(separator: "\n").first { $0.contains("(\(rep)):") } ?? ""
                    #expect(line.contains("\(label) \(actual)/\(t)"), "\(email): \(rep) \(kind) in the text: \(line)")
                } else {
                    #expect(html.range(of: "data-cell=\"\(rep):\(kind)\"[^>]*>\(actual)</td>", options: .regularExpression) != nil)
                    #expect(text.contains("- \(label): \(actual)/\(t) "), "\(email): \(kind) in the text")
                }
            }
            // Nothing about a rep the user may not see: not the name, not the numbers.
            for (rep, name) in DigestTests.names where !reps.contains(rep) {
                let escaped = name.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
                #expect(!html.contains(escaped) && !text.contains(name) && !text.contains("(\(rep))"), "\(email) reads about \(rep)")
            }
            // Names are escaped in the HTML; the subject and text carry them as they are.
            if reps.contains("carol") {
                #expect(html.contains("Carol &lt;b&gt;Chen&lt;/b&gt; &amp; Co") && !html.contains("<b>Chen</b>"))
            }
            #expect(!html.contains("src=") && !html.contains("<link") && !html.contains("url(") && html.range(of: "https?://", options: .regularExpression) == nil,
                    "no external resources")

            // The attachment: the export of the user's reps for the week, read by openpyxl.
            let attachments = m["attachments"] as? [[String: Any]] ?? []
            #expect(attachments.count == 1)
            let name = attachments.first?["filename"] as? String ?? ""
            let safeScope = String(DigestTests.scope[email]!.map { "/\\:*?\"<>|".contains($0) ? "_" : $0 })
            #expect(name == "销售活动周报-\(DigestTests.week)-\(safeScope).xlsx")
            let read = try run("/usr/bin/env", ["python3", Repo.path("scripts/oracle/read-xlsx.py"), files.file((name as NSString).lastPathComponent)])
            #expect(read.status == 0, "\(read.stderr)")
            let book = try JSONSerialization.jsonObject(with: Data(read.stdout.utf8)) as? [String: Any]
            let sheet = (book?["rows"] as? [String: Any])?["rows"] as? [[Any]] ?? []
            #expect(Set(sheet.compactMap { $0.first as? String }) == Set(reps), "\(email): the XLSX holds only the user's reps")
            for line in sheet {
                guard let rep = line[0] as? String, let kind = line[4] as? String else { continue }
                let row = rows.first { $0["rep"] as? String == rep && $0["kind"] as? String == kind }
                #expect((line[5] as? NSNumber)?.intValue == row?["actual"] as? Int, "\(email): XLSX \(rep) \(kind)")
            }
        }

        // Sent once per user and week: a second run sends nothing; --force sends again, with the same Message-IDs.
        let again = try team.activity(["digest", "--week", DigestTests.week])
        #expect(again.status == 0)
        #expect(again.stdout.contains("already sent"))
        #expect(sink.messages.count == 4)
        let status = try team.activity(["status", "--format", "json"])
        let digests = (try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])?["digests"] as? [[String: Any]] ?? []
        #expect(digests.map { $0["state"] as? String } == ["sent", "sent", "sent", "sent"])
        let forced = try team.activity(["digest", "--week", DigestTests.week, "--force"])
        #expect(forced.status == 0)
        let all = sink.messages
        #expect(all.count == 8)
        #expect(sink.connections == 2, "one more connection for the forced run")
        for message in all.dropFirst(4) {
            #expect(try readEML(message.path)["message_id"] as? String == messageIDs[message.rcpt[0]])
        }
    }

    @Test("a 4xx is retried by the next run; a refused recipient (5xx) does not stop the others and shows in status")
    func failures() throws {
        let dovecot = try Dovecot(users: FixtureTeam.users, maildirFrom: Repo.path("Fixtures/mail"))
        let sink = try SMTPSink(user: "activity:smtp-secret", refuse: ["alice@hxsoft.cn"])
        let team = try DigestTests.team(dovecot, sink)
        #expect(try team.activity(["sync", "--once"]).status == 0)
        sink.tempFail(true)
        let first = try team.activity(["digest", "--week", DigestTests.week])
        #expect(first.status == 75, "\(first.stderr)")
        #expect(first.stderr.contains("451") && !first.stderr.contains("smtp-secret"))
        #expect(sink.messages.isEmpty)
        func states() throws -> [String: (String, String)] {
            let s = try team.activity(["status", "--format", "json"])
            let list = (try JSONSerialization.jsonObject(with: Data(s.stdout.utf8)) as? [String: Any])?["digests"] as? [[String: Any]] ?? []
            return Dictionary(list.map { ($0["user"] as? String ?? "", ($0["state"] as? String ?? "", $0["last_error"] as? String ?? "")) }) { a, _ in a }
        }
        #expect(try states().values.map(\.0).sorted() == ["failed", "failed", "failed", "failed"])

        sink.tempFail(false)
        let before = sink.connections
        let second = try team.activity(["digest", "--week", DigestTests.week])
        #expect(second.status == 65, "\(second.stderr)")
        #expect(sink.messages.map { $0.rcpt[0] }.sorted() == ["carol@hxsoft.cn", "qian@hxsoft.cn", "zhao@hxsoft.cn"])
        // zhao and qian on one connection; libcurl closes it after alice's refusal, carol's opens another.
        #expect(sink.connections - before == 2, "\(sink.connections - before) connections")
        let after = try states()
        #expect(after["alice"]?.0 == "refused")
        #expect(after["alice"]?.1.contains("550") == true)
        #expect(after["zhao"]?.0 == "sent")
        let table = try team.activity(["status"])
        #expect(table.stdout.contains("refused") && table.stdout.contains("alice@hxsoft.cn"))

        // Refused stays refused (no retry storm); nobody else is sent twice.
        let third = try team.activity(["digest", "--week", DigestTests.week])
        #expect(third.status == 0)
        #expect(third.stdout.contains("refused before"))
        #expect(sink.messages.count == 3)
    }

    @Test("no mail server: exit 69, nobody marked sent; the next run, with the server up, sends everyone's")
    func serverDown() throws {
        let dovecot = try Dovecot(users: FixtureTeam.users, maildirFrom: Repo.path("Fixtures/mail"))
        let port = freePort()
        let team = try FixtureTeam(imapURL: "imap://127.0.0.1:\(dovecot.imapPort)", extra: DigestTests.users + """

            [mail]
            smtp_url = "smtp://127.0.0.1:\(port)"
            from = "销售活动周报 <activity@hxsoft.cn>"
            """)
        #expect(try team.activity(["sync", "--once"]).status == 0)
        let down = try team.activity(["digest", "--week", DigestTests.week])
        #expect(down.status == 69, "\(down.stderr)")
        #expect(down.stdout.contains("retried later"))
        // Everyone waits, and `status` says so: the first as failed, the others as not tried.
        let status = try team.activity(["status", "--format", "json"])
        let digests = (try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])?["digests"] as? [[String: Any]] ?? []
        #expect(digests.map { $0["state"] as? String } == ["failed", "failed", "failed", "failed"])
        #expect(digests.filter { ($0["last_error"] as? String ?? "").hasPrefix("not tried: ") }.count == 3, "\(digests)")
        #expect(digests.allSatisfy { ($0["last_error"] as? String ?? "").contains("127.0.0.1:\(port)") })
        let sink = try SMTPSink(port: port)
        let up = try team.activity(["digest", "--week", DigestTests.week])
        #expect(up.status == 0, "\(up.stderr)")
        #expect(sink.messages.count == 4, "\(up.stdout)")
        #expect(sink.connections == 1)
    }

    @Test("smtp:// to a host that is not loopback needs STARTTLS: a server without it gets nothing (exit 78)")
    func startTLSRequired() throws {
        // A non-loopback address of this machine, if it has one.
        let ips = (try? run("/usr/bin/hostname", ["-I"]))?.stdout.split(separator: " ").map(String.init) ?? []
        guard let ip = ips.first(where: { $0.contains(".") && !$0.hasPrefix("127.") }) else { return }
        let dovecot = try Dovecot(users: FixtureTeam.users, maildirFrom: Repo.path("Fixtures/mail"))
        let sink = try SMTPSink(user: "activity:smtp-secret", host: ip)
        let team = try DigestTests.team(dovecot, sink)
        #expect(try team.activity(["sync", "--once"]).status == 0)
        let r = try team.activity(["digest", "--week", DigestTests.week])
        #expect(r.status == 78, "\(r.stderr)")
        #expect(r.stderr.contains("STARTTLS"))
        #expect(sink.messages.isEmpty)
    }

    @Test("hosted mail: AUTH XOAUTH2 with an access token from the [mail] refresh token, never the token in logs")
    func xoauth2() throws {
        let dovecot = try Dovecot(users: FixtureTeam.users, maildirFrom: Repo.path("Fixtures/mail"))
        let oauth = try OAuth2Server(user: "activity", refreshToken: "refresh-for-digest")
        let sink = try SMTPSink(user: "activity:unused", xoauth2Introspect: oauth.introspectionURL)
        let team = try FixtureTeam(imapURL: "imap://127.0.0.1:\(dovecot.imapPort)", extra: DigestTests.users + """

            [mail]
            smtp_url = "\(sink.url)"
            from = "销售活动周报 <activity@hxsoft.cn>"
            username = "activity"
            oauth2_token_url = "\(oauth.tokenURL)"
            oauth2_client_id = "\(OAuth2Server.clientID)"
            oauth2_client_secret_file = "secrets/smtp-client"
            oauth2_refresh_token_file = "secrets/smtp-refresh"
            """)
        team.dir.write("secrets/smtp-client", OAuth2Server.clientSecret + "\n", mode: 0o600)
        team.dir.write("secrets/smtp-refresh", "refresh-for-digest\n", mode: 0o600)
        #expect(try team.activity(["sync", "--once"]).status == 0)
        let r = try team.activity(["digest", "--week", DigestTests.week], environment: ["ACTIVITY_LOG": "debug"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(sink.messages.count == 4)
        #expect(sink.authLog == ["XOAUTH2 ok"], "one login for the run's one connection")
        #expect(sink.connections == 1)
        #expect(oauth.tokenRequests == ["refresh_token ok"])
        #expect(!r.stderr.contains("refresh-for-digest") && !r.stderr.contains(OAuth2Server.clientSecret))
    }

    @Test("--dry-run --output writes one .eml per user whatever was sent, sends nothing; the HTML renders in Chromium")
    func dryRunAndRendering() throws {
        let dovecot = try Dovecot(users: FixtureTeam.users, maildirFrom: Repo.path("Fixtures/mail"))
        let sink = try SMTPSink(user: "activity:smtp-secret")
        let team = try DigestTests.team(dovecot, sink)
        #expect(try team.activity(["sync", "--once"]).status == 0)
        #expect(try team.activity(["digest", "--week", DigestTests.week]).status == 0)
        let out = TempDir("activity-digest-dry")
        let r = try team.activity(["digest", "--week", DigestTests.week, "--dry-run", "--output", out.path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(sink.messages.count == 4)
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path).sorted() == ["alice.eml", "carol.eml", "qian.eml", "zhao.eml"])
        #expect(try team.activity(["digest", "--dry-run"]).status == 64)

        let zhao = try readEML(out.file("zhao.eml"))
        let page = out.file("zhao.html")
        try (zhao["html"] as? String ?? "").write(toFile: page, atomically: true, encoding: .utf8)
        let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }
        let browser = try #require(chromium, "headless Chromium is missing: run scripts/install-deps")
        let profile = TempDir("activity-chromium")
        let png = out.file("zhao.png")
        // A phone's width: the digest is read on phones.
        let shot = try run("/usr/bin/timeout", ["120", browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                                                "--hide-scrollbars", "--user-data-dir=\(profile.path)", "--window-size=420,1300",
                                                "--screenshot=\(png)", "file://\(page)"], environment: ["HOME": profile.path])
        #expect(shot.status == 0, "\(shot.stderr.suffix(2000))")
        let image = try Data(contentsOf: URL(fileURLWithPath: png))
        #expect(Array(image.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        #expect(image.count > 20_000, "a blank page would be a few kilobytes")
        if let keep = ProcessInfo.processInfo.environment["ACTIVITY_TEST_ARTIFACTS"], !keep.isEmpty {
            try? FileManager.default.createDirectory(atPath: keep, withIntermediateDirectories: true)
            for (file, name) in [(png, "digest-zhao.png"), (page, "digest-zhao.html"), (out.file("zhao.eml"), "digest-zhao.eml")] {
                try? FileManager.default.removeItem(atPath: keep + "/" + name)
                try? FileManager.default.copyItem(atPath: file, toPath: keep + "/" + name)
            }
        }
    }

    @Test("kill -9 between sending and recording leaves nobody without a digest: one duplicate with the same Message-ID")
    func crashAroundTheSend() throws {
        let dovecot = try Dovecot(users: FixtureTeam.users, maildirFrom: Repo.path("Fixtures/mail"))
        let sink = try SMTPSink(user: "activity:smtp-secret")
        let team = try DigestTests.team(dovecot, sink)
        #expect(try team.activity(["sync", "--once"]).status == 0)
        let crashed = try team.activity(["digest", "--week", DigestTests.week], environment: ["ACTIVITY_CRASH_AT": "digest.sent:2"])
        #expect(crashed.status == 137)
        #expect(sink.messages.count == 2)
        let marked = try team.activity(["digest", "--week", DigestTests.week], environment: ["ACTIVITY_CRASH_AT": "digest.marked:2"])
        #expect(marked.status == 137, "killed after marking the third user, before sending")
        #expect(try team.activity(["digest", "--week", DigestTests.week]).status == 0)
        let messages = sink.messages
        let byUser = Dictionary(grouping: messages, by: { $0.rcpt[0] })
        #expect(Set(byUser.keys) == Set(DigestTests.visible.keys), "everyone has their digest")
        #expect(messages.count == 5, "exactly one duplicate: \(messages.map { $0.rcpt[0] })")
        for (_, copies) in byUser where copies.count > 1 {
            #expect(Set(try copies.map { try readEML($0.path)["message_id"] as? String ?? "" }).count == 1)
        }
    }

    @Test("the server going away in the middle of a run: the users before are sent, that one failed, the next on a new connection; the next run sends only the missing one")
    func serverGoesAwayMidRun() throws {
        let dovecot = try Dovecot(users: FixtureTeam.users, maildirFrom: Repo.path("Fixtures/mail"))
        // The third MAIL FROM (alice's: users go in config order zhao, qian, alice, carol) gets 421 and a closed connection.
        let sink = try SMTPSink(user: "activity:smtp-secret", dropAt: 3)
        let team = try DigestTests.team(dovecot, sink)
        #expect(try team.activity(["sync", "--once"]).status == 0)
        let first = try team.activity(["digest", "--week", DigestTests.week])
        #expect(first.status == 75, "\(first.stderr)")
        #expect(first.stderr.contains("421") && first.stderr.contains("127.0.0.1:\(sink.port)"), "\(first.stderr)")
        #expect(sink.messages.map { $0.rcpt[0] } == ["zhao@hxsoft.cn", "qian@hxsoft.cn", "carol@hxsoft.cn"])
        #expect(sink.connections == 2, "zhao, qian and alice's attempt on the first; carol on a second")
        let status = try team.activity(["status", "--format", "json"])
        let digests = (try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])?["digests"] as? [[String: Any]] ?? []
        let states = Dictionary(digests.map { ($0["user"] as? String ?? "", $0["state"] as? String ?? "") }) { a, _ in a }
        #expect(states == ["zhao": "sent", "qian": "sent", "alice": "failed", "carol": "sent"])

        let second = try team.activity(["digest", "--week", DigestTests.week])
        #expect(second.status == 0, "\(second.stderr)")
        let messages = sink.messages
        #expect(messages.map { $0.rcpt[0] }.sorted() == DigestTests.visible.keys.sorted(), "everyone once, nobody twice")
        #expect(sink.connections == 3)
        #expect(Set(try messages.map { try readEML($0.path)["message_id"] as? String ?? "" }).count == 4)
    }

    @Test("English digests: [digest] language = \"en\" for everyone but a user with language = \"zh\"; the whole mail in that language")
    func englishDigests() throws {
        let dovecot = try Dovecot(users: FixtureTeam.users, maildirFrom: Repo.path("Fixtures/mail"))
        let sink = try SMTPSink(user: "activity:smtp-secret")
        let team = try DigestTests.team(dovecot, sink, extra: "\n[digest]\nlanguage = \"en\"\n")
        let config = try String(contentsOfFile: team.config, encoding: .utf8)
        try config.replacingOccurrences(of: "login = \"zhao\"\n", with: "login = \"zhao\"\nlanguage = \"zh\"\n")
            .write(toFile: team.config, atomically: true, encoding: .utf8)
        #expect(try team.activity(["sync", "--once"]).status == 0)
        let r = try team.activity(["digest", "--week", DigestTests.week])
        #expect(r.status == 0, "\(r.stderr)")
        let export = try team.activity(["export", "--from", DigestTests.week, "--to", DigestTests.week, "--format", "json"])
        let rows = (try JSONSerialization.jsonObject(with: Data(export.stdout.utf8)) as? [String: Any])?["rows"] as? [[String: Any]] ?? []
        #expect(sink.messages.count == 4)
        for message in sink.messages {
            let email = message.rcpt[0]
            let files = TempDir("activity-digest-en")
            let m = try readEML(message.path, attachments: files.path)
            #expect((m["defects"] as? [String])?.isEmpty == true, "\(email): \(m["defects"] ?? "")")
            let subject = m["subject"] as? String ?? "", html = m["html"] as? String ?? "", text = m["text"] as? String ?? ""
            let name = (m["attachments"] as? [[String: Any]])?.first?["filename"] as? String ?? ""
            if email == "zhao@hxsoft.cn" {
                #expect(subject == DigestTests.expectedSubject(email, rows: rows), "the user's own language wins")
                #expect(html.contains("<html lang=\"zh-CN\">") && text.contains("每人对照指标"))
                #expect(name.hasPrefix("销售活动周报-"))
                continue
            }
            #expect(subject == DigestTests.expectedEnglishSubject(email, rows: rows), "\(email)")
            #expect(html.contains("<html lang=\"en\">"))
            for word in DigestTests.chineseWords {
                #expect(!html.contains(word) && !text.contains(word), "\(email): \"\(word)\" in an English digest")
            }
            let safeScope = String(DigestTests.englishScope[email]!.map { "/\\:*?\"<>|".contains($0) ? "_" : $0 })
            #expect(name == "Sales-activity-\(DigestTests.week)-\(safeScope).xlsx")
            let reps = DigestTests.visible[email]!
            for row in rows {
                guard let rep = row["rep"] as? String, reps.contains(rep), let kind = row["kind"] as? String,
                      let target = row["target"] as? Double else { continue }
                let actual = row["actual"] as? Int ?? -1, t = DigestTests.format(target)
                let label = DigestTests.englishLabels[kind]!.prefix(1).uppercased() + DigestTests.englishLabels[kind]!.dropFirst()
                if reps.count > 1 {
                    let line = text.split(separator: "\n").first { $0.contains("(\(rep)):") } ?? ""
                    #expect(line.contains("\(label) \(actual)/\(t)"), "\(email): \(rep) \(kind) in the text: \(line)")
                    #expect(html.contains(">\(label)</th>"), "\(email): the \(label) column")
                } else {
                    #expect(text.contains("- \(label): \(actual)/\(t) "), "\(email): \(kind) in the text")
                    #expect(html.range(of: "data-cell=\"\(rep):\(kind)\"[^>]*>\(actual)</td>", options: .regularExpression) != nil)
                }
            }
            if reps.contains("carol") {
                #expect(html.contains("Carol &lt;b&gt;Chen&lt;/b&gt; &amp; Co") && !html.contains("<b>Chen</b>"), "names escaped in English too")
            }
        }
    }

    @Test("config check logs in to the [mail] server without sending: ok, wrong password (77, and the digest too), nothing listening (69)")
    func configCheckReachesTheMailServer() throws {
        let dovecot = try Dovecot(users: FixtureTeam.users, maildirFrom: Repo.path("Fixtures/mail"))
        let sink = try SMTPSink(user: "activity:smtp-secret")
        let team = try DigestTests.team(dovecot, sink)
        let ok = try team.activity(["config", "check"])
        #expect(ok.status == 0, "\(ok.stdout)\(ok.stderr)")
        let line = ok.stdout.split(separator: "\n").first { $0.hasPrefix("[mail]") } ?? ""
        #expect(line.contains("smtp") && line.contains("127.0.0.1:\(sink.port)") && line.contains("ok: logged in as activity"), "\(ok.stdout)")
        #expect(line.contains("no message sent"))
        #expect(sink.messages.isEmpty && sink.connections == 1, "one connection, no message")

        team.dir.write("secrets/smtp", "wrong-secret\n", mode: 0o600)
        let refused = try team.activity(["config", "check"])
        #expect(refused.status == 77, "\(refused.stdout)\(refused.stderr)")
        let refusedLine = refused.stdout.split(separator: "\n").first { $0.hasPrefix("[mail]") } ?? ""
        #expect(refusedLine.contains("failed: mail server 127.0.0.1:\(sink.port): login refused") && refusedLine.contains("[mail] username"),
                "\(refused.stdout)")
        #expect(!refused.stdout.contains("wrong-secret") && !refused.stderr.contains("wrong-secret"))
        #expect(sink.messages.isEmpty)
        // The digest meets the same refusal: exit 77, nobody sent, everyone waiting in status.
        #expect(try team.activity(["sync", "--once"]).status == 0)
        let digest = try team.activity(["digest", "--week", DigestTests.week])
        #expect(digest.status == 77, "\(digest.stdout)\(digest.stderr)")
        #expect(digest.stderr.contains("login refused") && digest.stderr.contains("[mail] username") && !digest.stderr.contains("wrong-secret"))
        #expect(sink.messages.isEmpty)
        let status = try team.activity(["status", "--format", "json"])
        let digests = (try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])?["digests"] as? [[String: Any]] ?? []
        #expect(digests.map { $0["state"] as? String } == ["failed", "failed", "failed", "failed"], "\(digests)")

        let port = freePort()
        let config = try String(contentsOfFile: team.config, encoding: .utf8)
        try config.replacingOccurrences(of: sink.url, with: "smtp://127.0.0.1:\(port)").write(toFile: team.config, atomically: true, encoding: .utf8)
        let down = try team.activity(["config", "check"])
        #expect(down.status == 69, "\(down.stdout)\(down.stderr)")
        let downLine = down.stdout.split(separator: "\n").first { $0.hasPrefix("[mail]") } ?? ""
        #expect(downLine.contains("127.0.0.1:\(port)") && downLine.contains("cannot connect"), "\(down.stdout)")
    }

    @Test("the daemon sends last week's digest at send_at once, retries a 4xx at the next poll, and not again after a restart")
    func daemonSendsOnce() throws {
        let dovecot = try Dovecot(users: FixtureTeam.users, maildirFrom: Repo.path("Fixtures/mail"))
        let sink = try SMTPSink(user: "activity:smtp-secret")
        // send_at: today 00:00 in the ledger zone, which has passed.
        var cal = Calendar(identifier: .iso8601)
        cal.timeZone = TimeZone(identifier: "Asia/Shanghai")!
        let day = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][(cal.component(.weekday, from: Date()) + 5) % 7]
        let team = try DigestTests.team(dovecot, sink, extra: "\n[digest]\nsend_at = \"\(day) 00:00\"\n", pollEvery: "2s")
        sink.tempFail(true)
        let daemon = try DaemonProcess(config: team.config)
        #expect(eventually(timeout: 60) { daemon.stderr.contains("digest not sent") } != nil, "\(daemon.stderr.suffix(3000))")
        sink.tempFail(false)
        #expect(eventually(timeout: 60) { sink.messages.count == 4 } != nil, "\(daemon.stderr.suffix(3000))")
        let weekShown = try readEML(sink.messages[0].path)["subject"] as? String ?? ""
        var shanghai = Calendar(identifier: .iso8601)
        shanghai.timeZone = TimeZone(identifier: "Asia/Shanghai")!
        let last = shanghai.date(byAdding: .day, value: -7, to: Date())!
        let lastWeek = String(format: "%04d-W%02d", shanghai.component(.yearForWeekOfYear, from: last), shanghai.component(.weekOfYear, from: last))
        #expect(weekShown.contains(lastWeek), "\(weekShown) is last week's")
        #expect(daemon.stop().status == 0)

        let restarted = try DaemonProcess(config: team.config)
        #expect(eventually(timeout: 30) { restarted.stderr.contains("account synced") } != nil)
        sleep(4)
        #expect(restarted.stop().status == 0)
        #expect(sink.messages.count == 4, "not sent again after a restart")
    }
}
