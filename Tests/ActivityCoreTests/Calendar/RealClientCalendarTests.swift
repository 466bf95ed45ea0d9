import Foundation
import Testing
@testable import ActivityCore

/// Calendars as real clients write them (issue 13): each test reads a file under
/// Fixtures/recurrence shaped like what Google, Outlook/Exchange, Apple or Confluence store, and
/// names the RFC section it proves. recurring-ical-events (scripts/oracle) agrees on the
/// THISANDFUTURE and PERIOD files; on the revision and Exchange all-day files it counts meetings
/// that did not happen, which is what these tests pin down.
@Suite("Calendars as real clients write them")
struct RealClientCalendarTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../../Fixtures/recurrence").standardizedFileURL
    static let shanghai = TimeZone(identifier: "Asia/Shanghai")!

    static func calendar(_ file: String) throws -> ICalendar {
        try ICalendar.parse(bytes: [UInt8](try Data(contentsOf: fixtures.appendingPathComponent(file))))
    }

    static func expand(_ file: String, from: String = "2026-11-01T00:00:00+08:00", to: String = "2027-01-01T00:00:00+08:00")
        throws -> RecurrenceExpander.Expansion {
        let f = ISO8601DateFormatter()
        return RecurrenceExpander.expand(try calendar(file), from: f.date(from: from)!, to: f.date(from: to)!, floatingZone: shanghai)
    }

    static func iso(_ d: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: d)
    }

    /// "start–end summary" per instance, UTC.
    static func lines(_ e: RecurrenceExpander.Expansion) -> [String] {
        e.instances.map { "\(iso($0.start))–\(iso($0.end)) \($0.summary)" }
    }

    // MARK: - Revisions: SEQUENCE (3.8.7.4) against EXDATE (3.8.5.1) and UNTIL (3.3.10)

    @Test("RFC 5545 3.8.7.4 + 3.3.10: Google's 'this and following' ends the series early; an older override past the new UNTIL is a visit that no longer happens")
    func olderOverridePastNewUntilIsDropped() throws {
        let e = try Self.expand("revision-until-google.ics")
        #expect(Self.lines(e) == [
            "2026-11-03T02:00:00Z–2026-11-03T03:30:00Z 拜访华为 坂田基地",
            "2026-11-11T06:00:00Z–2026-11-11T07:30:00Z 拜访华为 坂田基地（改到周三）",
        ])
        #expect(e.notes.contains { $0.contains("20261124T020000Z") && $0.contains("dropped") })
    }

    @Test("RFC 5545 3.8.7.4 + 3.8.5.1: Outlook EXDATEs a day in a newer series; the older override of that day goes, an older override of a day still there stays, in its new week")
    func olderOverrideOfExdatedDayIsDropped() throws {
        let e = try Self.expand("revision-exdate-outlook.ics")
        #expect(e.instances.map { Self.iso($0.start) } == [
            "2026-11-03T02:00:00Z", "2026-11-10T02:00:00Z", "2026-11-25T02:00:00Z", "2026-12-01T02:00:00Z", "2026-12-08T02:00:00Z",
        ])
        #expect(!e.instances.contains { $0.summary.contains("3 pm") })
        #expect(e.instances.filter { $0.summary == "Demo for Acme (moved to Wednesday)" }.count == 1)
        #expect(e.instances.first { $0.summary.contains("Wednesday") }?.recurrenceID == "20261124T020000Z")
    }

    @Test("RFC 5545 3.8.7.4: an override as new as the series is kept even where the series has no such instance")
    func currentOverrideStays() throws {
        let text = try String(contentsOf: Self.fixtures.appendingPathComponent("revision-exdate-outlook.ics"), encoding: .utf8)
            .replacingOccurrences(of: "DTSTAMP:20261106T020000Z\r\nSEQUENCE:1", with: "DTSTAMP:20261106T020000Z\r\nSEQUENCE:3")
        let f = ISO8601DateFormatter()
        let e = RecurrenceExpander.expand(try ICalendar.parse(text), from: f.date(from: "2026-11-01T00:00:00Z")!,
                                          to: f.date(from: "2027-01-01T00:00:00Z")!, floatingZone: Self.shanghai)
        #expect(e.instances.contains { $0.summary == "Demo for Acme (moved to 3 pm)" })
    }

    // MARK: - RANGE=THISANDFUTURE (3.2.13, 3.8.4.4)

    @Test("RFC 5545 3.2.13 + 3.8.4.4: a THISANDFUTURE override moves and resizes every later instance the same way (Thursday 15:00, 1 h → Friday 10:00, 1.5 h)")
    func thisAndFutureShiftsLaterInstances() throws {
        let e = try Self.expand("thisandfuture-apple.ics")
        #expect(Self.lines(e) == [
            "2026-11-05T07:00:00Z–2026-11-05T08:00:00Z Demo for Acme",
            "2026-11-12T07:00:00Z–2026-11-12T08:00:00Z Demo for Acme",
            "2026-11-20T02:00:00Z–2026-11-20T03:30:00Z Demo for Acme (Friday mornings)",
            "2026-11-27T02:00:00Z–2026-11-27T03:30:00Z Demo for Acme (Friday mornings)",
            "2026-12-04T02:00:00Z–2026-12-04T03:30:00Z Demo for Acme (Friday mornings)",
            "2026-12-11T02:00:00Z–2026-12-11T03:30:00Z Demo for Acme (Friday mornings)",
        ])
        // Each keeps its own RECURRENCE-ID, so a mailed copy of one instance still matches it.
        #expect(e.instances.map(\.recurrenceID) == ["20261105T070000Z", "20261112T070000Z", "20261119T070000Z",
                                                    "20261126T070000Z", "20261203T070000Z", "20261210T070000Z"])
        #expect(e.instances.dropFirst(2).allSatisfy { $0.location == "Acme 上海办公室 5F" })
    }

    @Test("RFC 5545 3.8.4.4: an instance moved by THISANDFUTURE into the window counts, one moved out of it does not")
    func thisAndFutureWindowUsesNewStart() throws {
        // The window ends on Friday 2026-11-27 08:00 (+08): Thursday 26th 15:00 moved to Friday 27th 10:00 falls outside.
        let e = try Self.expand("thisandfuture-apple.ics", from: "2026-11-20T09:00:00+08:00", to: "2026-11-27T08:00:00+08:00")
        #expect(e.instances.map { Self.iso($0.start) } == ["2026-11-20T02:00:00Z"])
    }

    @Test("RFC 5545 3.8.4.4 and 3.8.5.2: THISANDFUTURE and PERIOD instances start and end where recurring-ical-events says")
    func agreesWithOracleOnShiftsAndPeriods() throws {
        guard let root = RecurrenceOracleTests.repositoryRoot() else {
            Issue.record("scripts/oracle/expand.py not found")
            return
        }
        let files = ["thisandfuture-apple.ics", "rdate-period-confluence.ics"].map { Self.fixtures.appendingPathComponent($0) }
        switch RecurrenceOracleTests.runOracle(root: root, files: files, from: "2026-11-01", to: "2027-01-01", tz: "Asia/Shanghai") {
        case .failure(let failure):
            Issue.record(Comment(rawValue: failure.message))
        case .success(let rows):
            for file in files {
                // Times only: the oracle gives every shifted instance the override's RECURRENCE-ID
                // (it copies the component); ours keeps each instance's own, so that a mailed copy
                // of one of them still matches it (thisAndFutureShiftsLaterInstances).
                let oracle = rows.filter { $0.file.hasSuffix(file.lastPathComponent) }.map { "\($0.start)–\($0.end ?? "")" }.sorted()
                let ours = try Self.expand(file.lastPathComponent).instances.map { "\(Self.iso($0.start))–\(Self.iso($0.end))" }.sorted()
                #expect(oracle.count >= 5)
                #expect(ours == oracle, "\(file.lastPathComponent)")
            }
        }
    }

    // MARK: - RDATE;VALUE=PERIOD (3.8.5.2)

    @Test("RFC 5545 3.8.5.2 + 3.3.9: an RDATE;VALUE=PERIOD instance lasts as long as its period (explicit end or duration), the rule's instances as DTEND says")
    func rdatePeriodKeepsItsOwnLength() throws {
        let e = try Self.expand("rdate-period-confluence.ics")
        #expect(Self.lines(e).map { String($0.prefix(41)) } == [
            "2026-11-16T01:00:00Z–2026-11-16T02:00:00Z",
            "2026-11-18T06:00:00Z–2026-11-18T10:00:00Z",
            "2026-11-20T02:00:00Z–2026-11-20T04:30:00Z",
            "2026-11-23T01:00:00Z–2026-11-23T02:00:00Z",
            "2026-11-30T01:00:00Z–2026-11-30T02:00:00Z",
        ])
        #expect(e.instances.allSatisfy { $0.summary == "安装培训 招商银行 信用卡中心" })
    }

    // MARK: - Exchange's all-day series with DATE-TIME RECURRENCE-IDs (3.8.4.4)

    @Test("RFC 5545 3.8.4.4: Exchange names an all-day instance with a DATE-TIME RECURRENCE-ID (China Standard Time midnight, or that midnight in UTC); the override replaces that day — five days of the fair, not seven")
    func exchangeAllDayOverrideReplacesItsDay() throws {
        let e = try Self.expand("allday-override-exchange.ics")
        #expect(e.instances.count == 5)
        #expect(e.instances.map(\.recurrenceID) == ["20261116", "20261117", "20261118", "20261119", "20261120"])
        #expect(e.instances.allSatisfy { $0.isAllDay })
        #expect(e.instances[2].summary == "高交会 展台值守 Hi-Tech Fair（华为来访）")
        #expect(e.instances[3].summary == "高交会 展台值守 Hi-Tech Fair（最后一天提前撤展）")
        #expect(e.instances.map { $0.startDay?.day } == [16, 17, 18, 19, 20])
    }

    // MARK: - RRULE parts (3.3.10) and RSCALE (RFC 7529)

    @Test("RFC 5545 3.3.10: a misspelt UNTIL (UNTL=, UTTL=) makes that series malformed — refused and named, not repeated forever; the file's other meeting counts")
    func misspeltRulePartRefusesTheSeries() throws {
        let cal = try Self.calendar("rrule-misspelt-parts.ics")
        #expect(cal.events.map { $0.problem != nil } == [true, true, false])
        #expect(cal.events[0].problem?.contains("UNTL") == true)
        #expect(cal.events[1].problem?.contains("UTTL") == true)
        let e = try Self.expand("rrule-misspelt-parts.ics")
        #expect(e.instances.map(\.summary) == ["拜访华为 坂田基地"])
        #expect(e.refused.map(\.uid) == ["weekly-visit-ping-an@hxsoft.cn", "biweekly-demo-acme@hxsoft.cn"])
        #expect(e.notes.contains { $0.contains("refused") && $0.contains("UNTL") })
    }

    @Test("RFC 7529 section 3: an RSCALE the engine does not support (CHINESE) refuses that series only; RSCALE=GREGORIAN is the ordinary rule")
    func unsupportedRscaleRefusesTheSeriesNotTheFile() throws {
        let e = try Self.expand("rscale-chinese.ics", from: "2026-11-01T00:00:00+08:00", to: "2028-01-01T00:00:00+08:00")
        #expect(e.refused.map(\.uid) == ["lunar-new-year-visit@hxsoft.cn"])
        #expect(e.refused.first?.reason.contains("RSCALE=CHINESE") == true)
        #expect(e.instances.map { Self.iso($0.start) } == ["2026-11-30T02:00:00Z", "2026-12-31T02:00:00Z", "2027-01-31T02:00:00Z"])
        #expect(throws: ActivityError.self) { try RecurrenceRule.parse("FREQ=MONTHLY;RSCALE=GREGORIAN;SKIP=BACKWARD;BYMONTHDAY=31") }
        #expect(try RecurrenceRule.parse("FREQ=MONTHLY;RSCALE=gregorian;SKIP=OMIT;BYMONTHDAY=31").byMonthDay == [31])
        // X- parts stay ignored, and VTIMEZONE rules keep reading unknown parts leniently.
        #expect(try RecurrenceRule.parse("FREQ=WEEKLY;X-GOOGLE-FOO=1").frequency == .weekly)
        #expect(try RecurrenceRule.parse("FREQ=YEARLY;BYMONTH=3;NEWPART=1", allowUnknownParts: true).byMonth == [3])
    }
}
