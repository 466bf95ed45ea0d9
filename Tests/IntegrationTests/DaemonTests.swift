import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `activity daemon` against real servers: it polls, picks up what arrives, survives a dead
/// server, shares no store, and stops cleanly on SIGTERM even when started with it blocked.
@Suite("The daemon against Dovecot and Radicale", .serialized)
struct DaemonTests {
    static let newMailRef = "20261120093000.new-quote@hxsoft.cn"
    static let newEventUID = "new-visit-20261121-cmbchina@hxsoft.cn"

    @Test("a mail and an event added on the servers show up in week within seconds, and SIGTERM exits 0 at once")
    func picksUpNewItemsAndStopsOnSIGTERM() throws {
        let dovecot = try Dovecot(users: FixtureTeam.users, maildirFrom: Repo.path("Fixtures/mail"))
        let radicale = try Radicale(users: ["alice": "pw-alice"], collectionsFrom: Repo.path("Fixtures/caldav"))
        let team = try FixtureTeam(imapURL: "imap://127.0.0.1:\(dovecot.imapPort)", caldavURL: radicale.principalURL("alice"),
                                   edit: FixtureTeam.polling(every: "1s"))
        let daemon = try DaemonProcess(config: team.config)
        let synced = try eventually {
            let s = try team.status()
            return s.count == 4 && s.values.allSatisfy { $0["state"] as? String == "ok" }
        }
        #expect(synced != nil, "every account should sync: \(daemon.stderr)")

        try dovecot.deliver(user: "alice", folder: "Sent", file: Repo.path("Fixtures/new-items/new-quote.eml"))
        try radicale.put("alice", calendar: "work", name: "onsite-cmb-check.ics",
                         ics: try String(contentsOfFile: Repo.path("Fixtures/new-items/onsite-cmb-check.ics"), encoding: .utf8))
        let seen = try eventually(timeout: 10) {
            let lines = try team.activityLines("2026-W47")
            return lines.contains { $0.hasSuffix(Self.newMailRef) } && lines.contains { $0.contains(Self.newEventUID) }
        }
        #expect(seen != nil, "the new mail and event should reach the ledger: \(daemon.stderr)")
        if let seen { print("daemon: new mail and event in the ledger after \(String(format: "%.2f", seen)) s") }
        let lines = try team.activityLines("2026-W47")
        #expect(lines.contains("alice closing newco.com.cn \(Self.newMailRef)"))
        #expect(lines.contains { $0.hasPrefix("alice visit ") && $0.contains(Self.newEventUID) })

        let (status, seconds) = daemon.stop(SIGTERM)
        #expect(status == 0, "\(daemon.stderr)")
        #expect(seconds < 3, "SIGTERM took \(seconds) s")
        print("daemon: SIGTERM to exit in \(String(format: "%.3f", seconds)) s")
        #expect(daemon.stderr.contains("daemon stopped"))
        #expect(!daemon.stderr.contains("pw-alice"), "no secret in the log")
    }

    @Test("when one account's server dies the other accounts go on syncing, and status names the failure")
    func oneServerDies() throws {
        let dovecot = try Dovecot(users: FixtureTeam.users, maildirFrom: Repo.path("Fixtures/mail"))
        let carols = try Dovecot(users: ["carol": "pw-carol"], maildirFrom: Repo.path("Fixtures/mail"))
        let team = try FixtureTeam(imapURL: "imap://127.0.0.1:\(dovecot.imapPort)") {
            FixtureTeam.polling(every: "1s")($0.replacingOccurrences(
                of: "id = \"carol-mail\"\nrep = \"carol\"\nkind = \"imap\"\nurl = \"imap://127.0.0.1:\(dovecot.imapPort)\"",
                with: "id = \"carol-mail\"\nrep = \"carol\"\nkind = \"imap\"\nurl = \"imap://127.0.0.1:\(carols.imapPort)\""))
        }
        let daemon = try DaemonProcess(config: team.config)
        #expect(try eventually { try team.status().values.filter { $0["state"] as? String == "ok" }.count == 3 } != nil,
                "\(daemon.stderr)")

        carols.stop()
        let failing = try eventually { try team.status()["carol-mail"]?["state"] as? String == "failing" }
        #expect(failing != nil, "\(daemon.stderr)")
        let status = try team.status()
        #expect((status["carol-mail"]?["last_error"] as? String)?.contains("127.0.0.1:\(carols.imapPort)") == true)
        #expect((status["carol-mail"]?["last_error"] as? String)?.contains("cannot connect") == true)

        // The others still sync: a new mail of alice's reaches the ledger while carol's server is down.
        try dovecot.deliver(user: "alice", folder: "Sent", file: Repo.path("Fixtures/new-items/new-quote.eml"))
        #expect(try eventually(timeout: 10) { try team.activityLines("2026-W47").contains { $0.hasSuffix(Self.newMailRef) } } != nil,
                "\(daemon.stderr)")
        let later = try team.status()
        #expect(later["alice-mail"]?["state"] as? String == "ok")
        #expect(later["bob-mail"]?["state"] as? String == "ok")
        #expect(later["carol-mail"]?["state"] as? String == "failing")
        // And it backs off: the retry is announced with a growing delay, not every second.
        #expect(daemon.stderr.contains("account will be retried"))
        #expect(daemon.stderr.contains("account=carol-mail"))

        let table = try team.activity(["status"])
        #expect(table.stdout.contains("carol-mail") && table.stdout.contains("cannot connect"), "\(table.stdout)")
        #expect(daemon.stop().status == 0)
    }

    @Test("a second daemon or sync on the same store exits 75 naming the store and the holder's pid")
    func storeIsLocked() throws {
        let dovecot = try Dovecot(users: FixtureTeam.users, maildirFrom: Repo.path("Fixtures/mail"))
        let team = try FixtureTeam(imapURL: "imap://127.0.0.1:\(dovecot.imapPort)", edit: FixtureTeam.polling(every: "1s"))
        let daemon = try DaemonProcess(config: team.config)
        let locked = try eventually {
            guard FileManager.default.fileExists(atPath: team.store + ".lock") else { return false }
            return try !team.status().isEmpty
        }
        #expect(locked != nil, "\(daemon.stderr)")
        usleep(300_000)
        for command in [["sync", "--once"], ["daemon"], ["rebuild"]] {
            let r = try team.activity(command)
            #expect(r.status == 75, "\(command): \(r.stderr)")
            #expect(r.stderr.contains("store \(team.store)"), "\(r.stderr)")
            #expect(r.stderr.contains("pid \(daemon.pid)"), "\(r.stderr)")
        }
        // Reading is not locked out.
        #expect(try team.activity(["status"]).status == 0)
        #expect(try team.activity(["week", "--week", "2026-W47"]).status == 0)
        #expect(daemon.stop().status == 0)
        // The lock goes with its holder.
        #expect(try team.activity(["sync", "--once"]).status == 0)
    }

    @Test("SIGTERM during a large first sync stops at the next commit within seconds; the next sync completes it without duplicates")
    func stopsMidSyncAtACommit() throws {
        let mail = TempDir("activity-bigbox")
        let total = try LargeMailbox.write(into: mail, user: "alice", messages: 6000)
        let dovecot = try Dovecot(users: FixtureTeam.users, maildirFrom: mail.path)
        let team = try FixtureTeam(imapURL: "imap://127.0.0.1:\(dovecot.imapPort)")
        let daemon = try DaemonProcess(config: team.config, arguments: ["--account", "alice-mail"])
        // Stop once the first batches are committed, well before the end.
        let started = try eventually(timeout: 30) {
            guard FileManager.default.fileExists(atPath: team.store) else { return false }
            let r = try run("/usr/bin/sqlite3", [team.store, "SELECT count(*) FROM mail"])
            return (Int(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0) >= 500
        }
        #expect(started != nil, "\(daemon.stderr)")
        let (status, seconds) = daemon.stop(SIGTERM)
        #expect(status == 0, "\(daemon.stderr)")
        #expect(seconds < 5, "SIGTERM mid-sync took \(seconds) s")
        print("daemon: SIGTERM mid-sync to exit in \(String(format: "%.3f", seconds)) s")
        let partial = Int(try run("/usr/bin/sqlite3", [team.store, "SELECT count(*) FROM mail"]).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        #expect(partial > 0 && partial < total, "the sync should have stopped part-way: \(partial) of \(total)")
        #expect(daemon.stderr.contains("interrupted by shutdown"), "\(daemon.stderr)")
        let rest = try team.activity(["sync", "--once", "--account", "alice-mail"])
        #expect(rest.status == 0, "\(rest.stderr)")
        #expect(newItems(rest.stdout)["alice-mail"] == total - partial, "\(rest.stdout)")
        let count = try run("/usr/bin/sqlite3", [team.store, "SELECT count(*), count(DISTINCT key) FROM mail WHERE rep = 'alice'"])
        #expect(count.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "\(total)|\(total)")
    }

    @Test("a sync stuck on a silent server does not hold up shutdown beyond --shutdown-grace")
    func stuckSyncIsAbandonedAfterTheGrace() throws {
        let silent = try SilentServer()
        let team = try FixtureTeam(imapURL: "imap://127.0.0.1:\(silent.port)", edit: FixtureTeam.polling(every: "1s"))
        let daemon = try DaemonProcess(config: team.config, arguments: ["--account", "alice-mail", "--shutdown-grace", "1s"])
        // The first poll starts within a second and then waits for a greeting that never comes.
        #expect(try eventually { try !(team.status()["alice-mail"]?["last_attempt"] is NSNull) } != nil, "\(daemon.stderr)")
        usleep(300_000)
        let (status, seconds) = daemon.stop(SIGTERM)
        #expect(status == 0, "\(daemon.stderr)")
        #expect(seconds > 0.9 && seconds < 4, "took \(seconds) s")
        print("daemon: SIGTERM with a sync stuck on a silent server: exit after \(String(format: "%.2f", seconds)) s")
        #expect(daemon.stderr.contains("stopped without waiting for syncs still running"), "\(daemon.stderr)")
    }

    @Test("a sync started with SIGTERM blocked still ends at once on SIGTERM")
    func syncIsNotDeafToSIGTERM() throws {
        // A server that accepts connections and never says a word: the sync waits on it.
        let silent = try SilentServer()
        let team = try FixtureTeam(imapURL: "imap://127.0.0.1:\(silent.port)")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Repo.binary)
        p.arguments = ["--config", team.config, "sync", "--once", "--account", "alice-mail"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        usleep(500_000)
        #expect(p.isRunning)
        let start = Date()
        kill(p.processIdentifier, SIGTERM)
        while p.isRunning && Date().timeIntervalSince(start) < 5 { usleep(5_000) }
        let stopped = !p.isRunning
        if !stopped { kill(p.processIdentifier, SIGKILL) }
        p.waitUntilExit()
        #expect(stopped, "sync ignored SIGTERM")
        #expect(p.terminationReason == .uncaughtSignal && p.terminationStatus == SIGTERM)
    }
}

/// A TCP listener on loopback that accepts connections (the kernel does, from its backlog) and
/// never answers.
final class SilentServer {
    let fd: Int32
    let port: Int

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.fd = fd
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        guard bound == 0, listen(fd, 16) == 0 else { throw HarnessError(description: "cannot listen on loopback") }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        port = Int(UInt16(bigEndian: addr.sin_port))
    }

    deinit { close(fd) }
}

/// A mailbox far larger than the fixtures, for interrupted syncs and the progress bar: short
/// English and Chinese mails from customers to alice, one file each, in Maildir form.
enum LargeMailbox {
    /// Writes `messages` mails into `dir/USER/Maildir/cur`; returns how many.
    static func write(into dir: TempDir, user: String, messages: Int) throws -> Int {
        let cur = dir.file("\(user)/Maildir/cur")
        try FileManager.default.createDirectory(atPath: cur, withIntermediateDirectories: true)
        let orgs = ["acme.com.cn", "newco.com.cn", "cmbchina.com", "pingan.com.cn", "huawei.com"]
        let base = 1_790_000_000
        for i in 0..<messages {
            let org = orgs[i % orgs.count]
            let t = base + i * 600
            let subject = i % 2 == 0 ? "Re: 项目进展 \(i)" : "Question about the proposal \(i)"
            let text = """
                Message-ID: <bulk-\(i)@\(org)>
                Date: \(rfc5322(t))
                From: Contact \(i) <contact\(i % 50)@\(org)>
                To: alice@hxsoft.cn
                Subject: \(subject)
                MIME-Version: 1.0
                Content-Type: text/plain; charset=utf-8

                Hello.

                """
            // Not "TIMESTAMP.…": the harness would touch each file's mtime, one process per file.
            let name = "bulk\(i).M1P1:2,S"
            _ = FileManager.default.createFile(atPath: "\(cur)/\(name)", contents: Data(text.replacingOccurrences(of: "\n", with: "\r\n").utf8))
        }
        return messages
    }

    static func rfc5322(_ t: Int) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "Asia/Shanghai")
        f.dateFormat = "EEE, d MMM yyyy HH:mm:ss Z"
        return f.string(from: Date(timeIntervalSince1970: TimeInterval(t)))
    }
}
