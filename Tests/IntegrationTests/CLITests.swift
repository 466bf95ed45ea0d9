import Foundation
import Testing

/// The command line's promises of INTERFACE.md that need no server.
@Suite("Command line")
struct CLITests {
    @Test("explain FILE.eml --format json works without a config or a store")
    func explainWithoutConfig() throws {
        let dir = TempDir()
        let r = try run(Repo.binary, ["explain", Repo.path("Fixtures/new-items/new-quote.eml"), "--format", "json"],
                        environment: ["ACTIVITY_CONFIG": ""], cwd: dir.path)
        #expect(r.status == 0, "\(r.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        let item = try #require((json?["items"] as? [[String: Any]])?.first)
        #expect(item["type"] as? String == "mail")
        #expect(item["id"] as? String == "20261120093000.new-quote@hxsoft.cn")
        #expect(item["subject"] as? String == "新致远项目报价单（第一版）")
        #expect(item["from"] as? String == "alice@hxsoft.cn")
        #expect(item["to"] as? [String] == ["chen.gang@newco.com.cn"])
        #expect(item["date"] as? String == "2026-11-20T09:30:00+08:00")
        let kinds = (item["activities"] as? [[String: Any]])?.compactMap { $0["kind"] as? String }
        #expect(kinds == ["lead", "closing"])
        #expect(item["ignored"] is NSNull)
    }

    @Test("explain FILE.eml takes a mail's time from a Date header with a numeric zone, else from the newest Received: header, else none",
          arguments: [
        ("sunday-late.eml", "2026-11-15T23:50:00+08:00", "header", nil),
        ("sunday-late-no-zone.eml", "2026-11-15T23:50:06+08:00", "received", "date from the newest Received: header: Date header has no zone"),
        ("cst-zone.eml", "2026-11-10T15:20:07+08:00", "received", "date from the newest Received: header: Date header's zone CST is ambiguous"),
        ("no-zone.eml", "2026-11-10T15:20:07+08:00", "received", "date from the newest Received: header: Date header has no zone"),
        ("chinese-afternoon.eml", "2026-11-10T15:20:07+08:00", "received", "date from the newest Received: header: Date header has no zone"),
        ("no-date.eml", "2026-11-10T15:20:07+08:00", "received", "date from the newest Received: header: no Date header"),
        ("no-date-no-received.eml", nil, nil, "no date: no Date header; no Received: header"),
    ] as [(String, String?, String?, String?)])
    func explainDates(_ file: String, _ date: String?, _ source: String?, _ note: String?) throws {
        let r = try activity(["explain", Repo.path("Fixtures/dates/\(file)"), "--format", "json"], environment: ["ACTIVITY_CONFIG": ""])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        let item = try #require((json?["items"] as? [[String: Any]])?.first)
        #expect(item["date"] as? String == date, "\(file)")
        #expect(item["date_source"] as? String == source, "\(file)")
        #expect(item["date_note"] as? String == note, "\(file)")
        if date == nil { #expect(item["date"] is NSNull) }
        let table = try activity(["explain", Repo.path("Fixtures/dates/\(file)")], environment: ["ACTIVITY_CONFIG": ""])
        #expect(table.stdout.contains(note ?? "date:    \(date ?? "")"), "\(table.stdout)")
    }

    @Test("explain of a newsletter says why it counts for nothing")
    func explainNewsletter() throws {
        let r = try activity(["explain", Repo.path("Fixtures/new-items/newsletter.eml"), "--format", "json"], environment: ["ACTIVITY_CONFIG": ""])
        #expect(r.status == 0)
        #expect(r.stdout.contains("\"ignored\": \"automated mail (List-Unsubscribe header)\"") || r.stdout.contains("\"ignored\": \"automated mail (List-Id header)\""))
    }

    @Test("a missing input file exits 66, a file that is not mail exits 65")
    func badFiles() throws {
        let dir = TempDir()
        #expect(try activity(["explain", dir.file("nope.eml")]).status == 66)
        dir.write("junk.eml", "\u{0}\u{1}binary junk without headers")
        #expect(try activity(["explain", dir.file("junk.eml")]).status == 65)
    }

    @Test("a broken config exits 78 naming the file, line and key")
    func brokenConfig() throws {
        let dir = TempDir()
        dir.write("activity.toml", "[ledger]\ntimezone = \"Asia/Shanghai\"\nshared_credit = \"both\"\n")
        let r = try activity(["--config", dir.file("activity.toml"), "week"])
        #expect(r.status == 78)
        #expect(r.stderr.contains("\(dir.file("activity.toml")):3: [ledger] key shared_credit: must be \"each\" or \"organizer\""))
    }

    @Test("a usage error exits 64")
    func usage() throws {
        #expect(try activity(["week", "--week", "2026-W99"]).status == 64)
        #expect(try activity(["frobnicate"]).status == 64)
    }

    @Test("a password file readable by others is refused with 77")
    func looseSecret() throws {
        let dir = TempDir()
        let template = try String(contentsOfFile: Repo.path("Fixtures/demo/activity.toml.in"), encoding: .utf8)
        dir.write("activity.toml", template.replacingOccurrences(of: "{{IMAP_URL}}", with: "imap://127.0.0.1:9")
            .replacingOccurrences(of: "{{STORE}}", with: "sqlite:a.db"))
        dir.write("secrets/alice", "pw\n", mode: 0o644)
        let r = try activity(["--config", dir.file("activity.toml"), "sync", "--account", "alice-mail"])
        #expect(r.status == 77)
        #expect(r.stdout.contains("chmod 600"))
    }
}

@Suite("Manual pages")
struct ManPageTests {
    @Test("man -l renders activity.1 and activity.toml.5 without warnings", arguments: ["man/activity.1", "man/activity.toml.5"])
    func rendersCleanly(page: String) throws {
        let r = try run("/usr/bin/man", ["--warnings", "-l", Repo.path(page)], environment: ["MANWIDTH": "100", "LC_ALL": "C.UTF-8", "MANPAGER": "cat", "PAGER": "cat"])
        #expect(r.status == 0)
        #expect(r.stderr.isEmpty, "\(r.stderr)")
        #expect(r.stdout.contains("activity"))
    }
}

@Suite("Calendar files on the command line")
struct CalendarCLITests {
    @Test("ics expand prints one JSON line per instance in [from, to), in UTC, with the moved override in its new week")
    func icsExpand() throws {
        let r = try activity(["ics", "expand", Repo.path("Fixtures/caldav/alice/meetings/recurring-followup.ics"),
                              "--from", "2026-11-01", "--to", "2026-12-01", "--tz", "Asia/Shanghai", "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(lines.count == 3)
        #expect(lines.map { $0?["start"] as? String } == ["2026-11-03T08:00:00Z", "2026-11-23T02:00:00Z", "2026-11-24T08:00:00Z"])
        #expect(lines[1]?["recurrence_id"] as? String == "20261117T080000Z")
        #expect(lines[1]?["all_day"] as? Bool == false)
    }

    @Test("ics expand refuses a file that is not iCalendar with 65, a missing one with 66")
    func icsExpandErrors() throws {
        #expect(try activity(["ics", "expand", Repo.path("README.md"), "--from", "2026-11-01", "--to", "2026-12-01"]).status == 65)
        #expect(try activity(["ics", "expand", "/nonexistent.ics", "--from", "2026-11-01", "--to", "2026-12-01"]).status == 66)
        #expect(try activity(["ics", "expand", Repo.path("Fixtures/caldav/alice/meetings/cancelled.ics"), "--from", "2026-13-01", "--to", "2026-12-01"]).status == 64)
    }

    @Test("explain FILE.ics says a meeting at a customer's office is a visit, and why a weekly meeting counts for nothing")
    func explainICS() throws {
        let r = try activity(["explain", Repo.path("Fixtures/caldav/alice/meetings/onsite-external.ics"), "--format", "json"], environment: ["ACTIVITY_CONFIG": ""])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        let item = try #require((json?["items"] as? [[String: Any]])?.first)
        #expect(item["type"] as? String == "event")
        #expect((item["activities"] as? [[String: Any]])?.compactMap { $0["kind"] as? String } == ["lead", "visit"])
        let weekly = try activity(["explain", Repo.path("Fixtures/caldav/alice/meetings/internal-weekly.ics"), "--format", "json"], environment: ["ACTIVITY_CONFIG": ""])
        #expect(weekly.stdout.contains("\"ignored\": \"internal meeting (\\\"周会\\\" is on the ignore list)\""))
    }
}
