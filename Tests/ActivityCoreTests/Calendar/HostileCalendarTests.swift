import Foundation
import Testing
@testable import ActivityCore

/// Calendar objects that stay inside every per-series limit but multiply series, zones or
/// overrides. Found while fuzzing: libFuzzer's inputs (32 KB) are too small to reach them, so
/// they were probed at the sizes a server stores (Radicale takes a 4.7 MB object with one UID and
/// 30,000 overrides). Before the per-calendar budget, 40,000 daily series in 4 MB took 2.6 GB and
/// more than two minutes for two months of window; 2,000 VTIMEZONEs with a costly RRULE each, in
/// 540 KB, took 34 s to resolve.
@Suite("Hostile calendars: one calendar's expansion is bounded as a whole")
struct HostileCalendarTests {
    static let utc = TimeZone(identifier: "UTC")!
    static let from = Date(timeIntervalSince1970: 1_763_596_800)     // 2025-11-20
    static let to = Date(timeIntervalSince1970: 1_826_668_800)       // 2027-11-20: the two-year ledger window

    static func calendar(_ components: [String]) throws -> ICalendar {
        try ICalendar.parse((["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//hostile//EN"] + components + ["END:VCALENDAR", ""])
            .joined(separator: "\r\n"))
    }

    @Test("thousands of daily series stop at the calendar's instance limit, marked truncated")
    func manySeries() throws {
        var lines: [String] = []
        for i in 0..<2_000 {
            lines += ["BEGIN:VEVENT", "UID:daily-\(i)", "DTSTART:20260101T010000Z", "RRULE:FREQ=DAILY", "SUMMARY:拜访", "END:VEVENT"]
        }
        let clock = Date()
        let e = RecurrenceExpander.expand(try Self.calendar(lines), from: Self.from, to: Self.to, floatingZone: Self.utc)
        #expect(e.instances.count == RecurrenceExpander.Limits.maxInstancesPerCalendar)
        #expect(e.truncated)
        #expect(e.notes.count <= 21, "notes are capped: \(e.notes.count)")
        #expect(e.notes.contains { $0.contains("events not expanded") })
        #expect(Date().timeIntervalSince(clock) < 60)
    }

    @Test("one UID with 30,000 overrides stops at the limit")
    func manyOverrides() throws {
        var lines = ["BEGIN:VEVENT", "UID:one", "DTSTART:20260101T000000Z", "RRULE:FREQ=HOURLY", "SUMMARY:回访", "END:VEVENT"]
        for h in 0..<30_000 {
            let day = Date(timeIntervalSince1970: 1_767_225_600 + TimeInterval(h) * 3600)   // 2026-01-01 + h hours
            let f = DateFormatter()
            f.locale = Locale(identifier: "en_US_POSIX")
            f.timeZone = Self.utc
            f.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
            let rid = f.string(from: day)
            lines += ["BEGIN:VEVENT", "UID:one", "RECURRENCE-ID:\(rid)", "DTSTART:\(f.string(from: day.addingTimeInterval(1800)))",
                      "SUMMARY:回访", "END:VEVENT"]
        }
        let e = RecurrenceExpander.expand(try Self.calendar(lines), from: Self.from, to: Self.to, floatingZone: Self.utc)
        #expect(e.instances.count <= RecurrenceExpander.Limits.maxInstancesPerCalendar)
        #expect(e.truncated)
    }

    @Test("hundreds of costly VTIMEZONEs: the first ones are computed, the rest read as floating with a note")
    func manyZones() throws {
        var lines: [String] = []
        for i in 0..<200 {
            lines += ["BEGIN:VTIMEZONE", "TZID:Zone\(i)", "BEGIN:STANDARD", "DTSTART:19700101T000000", "TZOFFSETFROM:+0800",
                      "TZOFFSETTO:+0800", "RRULE:FREQ=SECONDLY;BYMONTH=2;BYMONTHDAY=30", "END:STANDARD", "END:VTIMEZONE",
                      "BEGIN:VEVENT", "UID:z\(i)", "DTSTART;TZID=Zone\(i):20261117T100000", "SUMMARY:拜访", "END:VEVENT"]
        }
        let clock = Date()
        let e = RecurrenceExpander.expand(try Self.calendar(lines), from: Self.from, to: Self.to, floatingZone: Self.utc)
        #expect(e.instances.count == 200)
        #expect(e.truncated)
        #expect(e.notes.contains { $0.contains("was not computed") })
        #expect(Date().timeIntervalSince(clock) < 30)
    }

    @Test("an ordinary calendar is not touched by the per-calendar limits")
    func ordinaryCalendar() throws {
        let e = RecurrenceExpander.expand(try Self.calendar([
            "BEGIN:VTIMEZONE", "TZID:Asia/Shanghai", "BEGIN:STANDARD", "DTSTART:19700101T000000", "TZOFFSETFROM:+0800",
            "TZOFFSETTO:+0800", "END:STANDARD", "END:VTIMEZONE",
            "BEGIN:VEVENT", "UID:weekly", "DTSTART;TZID=Asia/Shanghai:20260105T093000", "RRULE:FREQ=WEEKLY;BYDAY=MO",
            "SUMMARY:回访 - 平安科技", "END:VEVENT",
        ]), from: Self.from, to: Self.to, floatingZone: Self.utc)
        #expect(!e.truncated)
        #expect(e.notes.isEmpty)
        #expect(e.instances.count == 98)   // Mondays from 2026-01-05 to 2027-11-15
    }
}
