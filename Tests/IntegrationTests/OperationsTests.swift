import Foundation
import Testing
import ActivityConfig
import ActivitySync

/// What an operator meets besides the daemon: `config check` per account, the progress bar.
@Suite("Config check and progress", .serialized)
struct OperationsTests {
    @Test("config check logs in to IMAP and discovers CalDAV calendars, reporting per account")
    func configCheckReachesEveryKind() throws {
        let dovecot = try Dovecot(users: FixtureTeam.users, maildirFrom: Repo.path("Fixtures/mail"))
        let radicale = try Radicale(users: ["alice": "pw-alice"], collectionsFrom: Repo.path("Fixtures/caldav"))
        let team = try FixtureTeam(imapURL: "imap://127.0.0.1:\(dovecot.imapPort)", caldavURL: radicale.principalURL("alice"))
        let r = try team.activity(["config", "check"])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("alice-mail") && $0.contains("ok: logged in; ") && $0.contains("sent folder: Sent") })
        #expect(lines.contains { $0.hasPrefix("bob-mail") && $0.contains("sent folder: 已发送") })
        #expect(lines.contains { $0.hasPrefix("alice-cal") && $0.contains("ok: logged in; 2 of 2 calendars: ") && $0.contains("sync-collection") },
                "\(r.stdout)")
    }

    @Test("config check names a calendar the server lacks (78) and a refused login (77), per account")
    func configCheckReportsFailures() throws {
        let dovecot = try Dovecot(users: FixtureTeam.users, maildirFrom: Repo.path("Fixtures/mail"))
        let radicale = try Radicale(users: ["alice": "pw-alice"], collectionsFrom: Repo.path("Fixtures/caldav"))
        let missing = try FixtureTeam(imapURL: "imap://127.0.0.1:\(dovecot.imapPort)", caldavURL: radicale.principalURL("alice"),
                                      extra: "calendars = [\"personal\"]\n")
        let r = try missing.activity(["config", "check"])
        #expect(r.status == 78, "\(r.stdout)")
        #expect(r.stdout.contains("alice-cal") && r.stdout.contains("has no calendar \"personal\""), "\(r.stdout)")
        #expect(r.stdout.contains("alice-mail") && r.stdout.contains("ok: logged in"))

        let refused = try FixtureTeam(imapURL: "imap://127.0.0.1:\(dovecot.imapPort)", caldavURL: radicale.principalURL("alice"),
                                      calendarPassword: "wrong-password")
        let w = try refused.activity(["config", "check"])
        #expect(w.status == 77, "\(w.stdout)")
        #expect(w.stdout.contains("alice-cal") && !w.stdout.contains("wrong-password"))
    }

    @Test("ServerCheck, which config check tabulates, marks a refused login by its type (isRefusedLogin, 77) on IMAP and CalDAV alike, whatever the words")
    func serverCheckTypesARefusedLogin() throws {
        let dovecot = try Dovecot(users: FixtureTeam.users, maildirFrom: Repo.path("Fixtures/mail"))
        let radicale = try Radicale(users: ["alice": "pw-alice"], collectionsFrom: Repo.path("Fixtures/caldav"))
        let team = try FixtureTeam(imapURL: "imap://127.0.0.1:\(dovecot.imapPort)", caldavURL: radicale.principalURL("alice"),
                                   calendarPassword: "wrong-password")
        team.dir.write("secrets/bob", "wrong-password\n", mode: 0o600)
        let config = try Config.load(path: team.config)
        let check = ServerCheck(config: config, credentials: CredentialSource())
        var refused: [String] = []
        for a in config.accounts {
            switch check.account(a) {
            case .success(let detail):
                #expect(detail.hasPrefix("logged in"), "\(a.id): \(detail)")
            case .failure(let e):
                #expect(e.isRefusedLogin && e.code == .noPermission, "\(a.id): \(e.message)")
                refused.append(a.id)
            }
        }
        #expect(refused.sorted() == ["alice-cal", "bob-mail"], "\(refused)")
    }

    @Test("the CLI reaches servers only through Sync: none of its files imports Transport")
    func cliDoesNotImportTransport() throws {
        let root = Repo.path("Sources/ActivityCLI")
        let files = try #require(FileManager.default.enumerator(atPath: root)).compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") }
        #expect(files.count > 20)
        for file in files {
            let text = try String(contentsOfFile: root + "/" + file, encoding: .utf8)
            #expect(!text.contains("import ActivityTransport"), "\(file)")
        }
    }

    @Test("no progress bar when stderr is not a terminal; one when asked for")
    func progressOnlyOnATerminal() throws {
        let dovecot = try Dovecot(users: FixtureTeam.users, maildirFrom: Repo.path("Fixtures/mail"))
        let team = try FixtureTeam(imapURL: "imap://127.0.0.1:\(dovecot.imapPort)")
        let auto = try team.activity(["sync", "--once", "--account", "alice-mail"])
        #expect(auto.status == 0)
        #expect(auto.stderr.isEmpty, "stderr is a file here: \(auto.stderr.debugDescription)")
        let other = try team.activity(["sync", "--once", "--account", "bob-mail", "--progress", "always"])
        #expect(other.status == 0)
        #expect(other.stderr.contains("\rbob-mail INBOX ["), "\(other.stderr.debugDescription)")
        #expect(other.stderr.contains("] 15/15 "), "\(other.stderr.debugDescription)")
        #expect(!other.stdout.contains("\r"), "progress never goes to stdout")
    }

    @Test("on a terminal (tmux) the first sync shows folder, messages done of total and rate")
    func progressOnATerminal() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux") else {
            Issue.record("tmux is not installed (scripts/install-deps installs it)")
            return
        }
        let dovecot = try Dovecot(users: FixtureTeam.users, maildirFrom: Repo.path("Fixtures/mail"))
        let team = try FixtureTeam(imapURL: "imap://127.0.0.1:\(dovecot.imapPort)")
        let session = "activity-progress-\(getpid())"
        let done = team.dir.file("done")
        let command = "ACTIVITY_LOG=error '\(Repo.binary)' --config '\(team.config)' sync --once --account alice-mail >/dev/null; touch '\(done)'; sleep 30"
        // Through unblock-signals: tmux's server must not keep the test's descriptors open.
        #expect(try run(Repo.path("scripts/unblock-signals"), ["/usr/bin/tmux", "new-session", "-d", "-s", session, "-x", "120", "-y", "10", command]).status == 0)
        defer { _ = try? run("/usr/bin/tmux", ["kill-session", "-t", session]) }
        #expect(eventually(timeout: 20) { FileManager.default.fileExists(atPath: done) } != nil)
        let screen = try run("/usr/bin/tmux", ["capture-pane", "-p", "-t", session]).stdout
        // The bar of the last folder stays on screen: account, folder, bar, done/total, rate.
        let bar = screen.split(separator: "\n").first { $0.hasPrefix("alice-mail Sent [") }
        #expect(bar != nil, "\(screen)")
        #expect(bar?.contains("] 23/23 ") == true && bar?.hasSuffix("/s") == true, "\(screen)")
    }

    @Test("the systemd unit passes systemd-analyze verify and stays well hardened",
          .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-analyze")))
    func systemdUnitVerifies() throws {
        // verify checks that ExecStart exists: point it at the binary under test.
        let dir = TempDir("activity-unit")
        let unit = try String(contentsOfFile: Repo.path("Config/activity.service"), encoding: .utf8)
        #expect(unit.contains("ExecStart=/usr/local/bin/activity --config /etc/activity/activity.toml daemon"))
        dir.write("activity.service", unit.replacingOccurrences(of: "/usr/local/bin/activity", with: Repo.binary))
        let verify = try run("/usr/bin/systemd-analyze", ["verify", "--man=no", dir.file("activity.service")])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        #expect(verify.stderr.isEmpty, "\(verify.stderr)")
        let security = try run("/usr/bin/systemd-analyze", ["security", "--offline=yes", dir.file("activity.service")])
        let score = security.stdout.split(separator: "\n").last { $0.contains("Overall exposure level") }
        let value = score.flatMap { line in line.split(separator: " ").compactMap { Double($0) }.first }
        #expect(value.map { $0 <= 2.0 } == true, "\(score ?? "no score")")
    }
}
