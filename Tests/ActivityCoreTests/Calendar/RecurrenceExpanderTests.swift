import Foundation
import Testing
@testable import ActivityCore

@Suite("Recurrence expansion")
struct RecurrenceExpanderTests {
    static let utc = TimeZone(identifier: "UTC")!
    static let shanghai = TimeZone(identifier: "Asia/Shanghai")!

    static func date(_ text: String) -> Date {
        let f = ISO8601DateFormatter()
        f.formatOptions = text.count == 10 ? [.withFullDate] : [.withInternetDateTime]
        return f.date(from: text)!
    }

    static func iso(_ d: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: d)
    }

    static func calendar(_ body: String) throws -> ICalendar {
        try ICalendar.parse("BEGIN:VCALENDAR\nVERSION:2.0\n" + body + "\nEND:VCALENDAR\n")
    }

    static func starts(_ body: String, from: String = "2026-01-01T00:00:00Z", to: String = "2028-01-01T00:00:00Z",
                       zone: TimeZone = utc) throws -> [String] {
        RecurrenceExpander.instances(of: try calendar(body), from: date(from), to: date(to), floatingZone: zone).map { iso($0.start) }
    }

    @Test("a weekly New York meeting keeps 09:00 local time across the DST change")
    func newYorkWallClock() throws {
        let got = try Self.starts("""
        BEGIN:VEVENT
        UID:ny
        DTSTART;TZID=America/New_York:20260302T090000
        RRULE:FREQ=WEEKLY;COUNT=3
        END:VEVENT
        """)
        #expect(got == ["2026-03-02T14:00:00Z", "2026-03-09T13:00:00Z", "2026-03-16T13:00:00Z"])
    }

    @Test("a daily Berlin event keeps its local time when summer time ends")
    func berlinWallClock() throws {
        let got = try Self.starts("""
        BEGIN:VEVENT
        UID:be
        DTSTART;TZID=W. Europe Standard Time:20261024T100000
        RRULE:FREQ=DAILY;COUNT=3
        END:VEVENT
        """)
        #expect(got == ["2026-10-24T08:00:00Z", "2026-10-25T09:00:00Z", "2026-10-26T09:00:00Z"])
    }

    @Test("an instance at a nonexistent local time moves forward by the gap")
    func springForwardGap() throws {
        let got = try Self.starts("""
        BEGIN:VEVENT
        UID:gap
        DTSTART;TZID=America/New_York:20260301T023000
        RRULE:FREQ=WEEKLY;COUNT=3
        END:VEVENT
        """)
        // 8 March 02:30 does not exist; read with the offset before the gap it is 03:30 EDT.
        #expect(got == ["2026-03-01T07:30:00Z", "2026-03-08T07:30:00Z", "2026-03-15T06:30:00Z"])
    }

    @Test("DTSTART is the first instance and counts in COUNT even when it is off the rule")
    func offRuleStartCounts() throws {
        let got = try Self.starts("""
        BEGIN:VEVENT
        UID:off
        DTSTART:20261118T090000Z
        RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=3
        END:VEVENT
        """)
        #expect(got == ["2026-11-18T09:00:00Z", "2026-11-23T09:00:00Z", "2026-11-30T09:00:00Z"])
    }

    @Test("UNTIL in UTC bounds the series inclusively as an instant; a DATE UNTIL bounds all-day series by date")
    func untilBounds() throws {
        let timed = try Self.starts("""
        BEGIN:VEVENT
        UID:u1
        DTSTART;TZID=America/New_York:20261105T090000
        RRULE:FREQ=DAILY;UNTIL=20261110T140000Z
        END:VEVENT
        """)
        #expect(timed.last == "2026-11-10T14:00:00Z")
        #expect(timed.count == 6)
        let cut = try Self.starts("""
        BEGIN:VEVENT
        UID:u2
        DTSTART;TZID=America/New_York:20261105T090000
        RRULE:FREQ=DAILY;UNTIL=20261110T135959Z
        END:VEVENT
        """)
        #expect(cut.count == 5)
        let allDay = try Self.starts("""
        BEGIN:VEVENT
        UID:u3
        DTSTART;VALUE=DATE:20261105
        RRULE:FREQ=DAILY;UNTIL=20261107
        END:VEVENT
        """, zone: Self.shanghai)
        #expect(allDay == ["2026-11-04T16:00:00Z", "2026-11-05T16:00:00Z", "2026-11-06T16:00:00Z"])
    }

    @Test("RFC 5545's WKST example: the week start changes which days an every-other-week rule picks")
    func weekStart() throws {
        func run(_ wkst: String) throws -> [String] {
            try Self.starts("""
            BEGIN:VEVENT
            UID:wk-\(wkst)
            DTSTART;TZID=America/New_York:19970805T090000
            RRULE:FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST=\(wkst)
            END:VEVENT
            """, from: "1997-01-01T00:00:00Z", to: "1998-01-01T00:00:00Z").map { String($0.prefix(10)) }
        }
        #expect(try run("MO") == ["1997-08-05", "1997-08-10", "1997-08-19", "1997-08-24"])
        #expect(try run("SU") == ["1997-08-05", "1997-08-17", "1997-08-19", "1997-08-31"])
    }

    @Test("monthly day 31 skips short months, -1 is the last day, yearly 20MO is the 20th Monday")
    func monthDays() throws {
        let d31 = try Self.starts("BEGIN:VEVENT\nUID:a\nDTSTART:20260131T080000Z\nRRULE:FREQ=MONTHLY;COUNT=4\nEND:VEVENT")
        #expect(d31.map { String($0.prefix(10)) } == ["2026-01-31", "2026-03-31", "2026-05-31", "2026-07-31"])
        let last = try Self.starts("BEGIN:VEVENT\nUID:b\nDTSTART:20260131T080000Z\nRRULE:FREQ=MONTHLY;BYMONTHDAY=-1;COUNT=3\nEND:VEVENT")
        #expect(last.map { String($0.prefix(10)) } == ["2026-01-31", "2026-02-28", "2026-03-31"])
        let twentieth = try Self.starts("BEGIN:VEVENT\nUID:c\nDTSTART:20260518T080000Z\nRRULE:FREQ=YEARLY;BYDAY=20MO;COUNT=2\nEND:VEVENT")
        #expect(twentieth.map { String($0.prefix(10)) } == ["2026-05-18", "2027-05-17"])
        let lastWorkday = try Self.starts("BEGIN:VEVENT\nUID:d\nDTSTART:20260130T080000Z\nRRULE:FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;COUNT=3\nEND:VEVENT")
        #expect(lastWorkday.map { String($0.prefix(10)) } == ["2026-01-30", "2026-02-27", "2026-03-31"])
    }

    @Test("an all-day event spanning several days belongs to its start date in the rep's zone")
    func allDayMultiDay() throws {
        let cal = try Self.calendar("""
        BEGIN:VEVENT
        UID:trip
        SUMMARY:客户现场培训
        DTSTART;VALUE=DATE:20261116
        DTEND;VALUE=DATE:20261119
        END:VEVENT
        """)
        let got = RecurrenceExpander.instances(of: cal, from: Self.date("2026-11-15T00:00:00Z"), to: Self.date("2026-11-22T00:00:00Z"),
                                               floatingZone: Self.shanghai)
        #expect(got.count == 1)
        let i = try #require(got.first)
        #expect(i.isAllDay)
        #expect(i.startDay == DateComponents(year: 2026, month: 11, day: 16))
        #expect(Self.iso(i.start) == "2026-11-15T16:00:00Z")
        #expect(Self.iso(i.end) == "2026-11-18T16:00:00Z")
        #expect(i.recurrenceID == nil)
        #expect(i.summary == "客户现场培训")
    }

    @Test("DTEND defaults: a DATE lasts one day, a DATE-TIME none; DURATION counts days on the wall clock")
    func endDefaults() throws {
        let cal = try Self.calendar("""
        BEGIN:VEVENT
        UID:e1
        DTSTART;VALUE=DATE:20261116
        END:VEVENT
        BEGIN:VEVENT
        UID:e2
        DTSTART:20261116T080000Z
        END:VEVENT
        BEGIN:VEVENT
        UID:e3
        DTSTART;TZID=Europe/Berlin:20261024T100000
        DURATION:P1DT30M
        END:VEVENT
        """)
        let got = RecurrenceExpander.instances(of: cal, from: Self.date("2026-10-01T00:00:00Z"), to: Self.date("2026-12-01T00:00:00Z"),
                                               floatingZone: Self.utc)
        let byUID = Dictionary(uniqueKeysWithValues: got.map { ($0.uid, $0) })
        #expect(byUID["e1"].map { $0.end.timeIntervalSince($0.start) } == 86_400)
        #expect(byUID["e2"].map { $0.end == $0.start } == true)
        // One nominal day across the end of summer time is 25 hours, plus 30 minutes.
        #expect(byUID["e3"].map { $0.end.timeIntervalSince($0.start) } == 91_800)
    }

    static let series = """
    BEGIN:VEVENT
    UID:weekly-demo
    SEQUENCE:2
    SUMMARY:Weekly demo
    DTSTART;TZID=Asia/Shanghai:20261102T100000
    DTEND;TZID=Asia/Shanghai:20261102T110000
    RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=6
    EXDATE;TZID=Asia/Shanghai:20261109T100000
    RDATE;TZID=Asia/Shanghai:20261105T150000
    END:VEVENT
    BEGIN:VEVENT
    UID:weekly-demo
    SEQUENCE:3
    RECURRENCE-ID;TZID=Asia/Shanghai:20261116T100000
    SUMMARY:Weekly demo (moved to the next week)
    DTSTART;TZID=Asia/Shanghai:20261124T140000
    DTEND;TZID=Asia/Shanghai:20261124T150000
    END:VEVENT
    BEGIN:VEVENT
    UID:weekly-demo
    SEQUENCE:3
    RECURRENCE-ID:20261130T020000Z
    STATUS:CANCELLED
    SUMMARY:Weekly demo
    DTSTART;TZID=Asia/Shanghai:20261130T100000
    END:VEVENT
    """

    @Test("EXDATE removes, RDATE adds, an override replaces its instance and a cancelled one stays marked")
    func overridesExdatesRdates() throws {
        let cal = try Self.calendar(Self.series)
        let got = RecurrenceExpander.instances(of: cal, from: Self.date("2026-11-01T00:00:00Z"), to: Self.date("2026-12-31T00:00:00Z"),
                                               floatingZone: Self.utc)
        #expect(got.map { Self.iso($0.start) } == [
            "2026-11-02T02:00:00Z",   // DTSTART
            "2026-11-05T07:00:00Z",   // RDATE
            // 11-09 excluded
            "2026-11-23T02:00:00Z",
            "2026-11-24T06:00:00Z",   // the 11-16 instance, moved
            "2026-11-30T02:00:00Z",   // cancelled override
            "2026-12-07T02:00:00Z",
        ])
        #expect(got.map(\.recurrenceID) == ["20261102T020000Z", "20261105T070000Z", "20261123T020000Z", "20261116T020000Z",
                                            "20261130T020000Z", "20261207T020000Z"])
        #expect(got[3].summary == "Weekly demo (moved to the next week)")
        #expect(got[3].sequence == 3)
        #expect(got[3].end.timeIntervalSince(got[3].start) == 3600)
        #expect(got[4].status == "CANCELLED")
        // The cancelled override has no DTEND: it keeps the master's length.
        #expect(got[4].end.timeIntervalSince(got[4].start) == 3600)
        #expect(got.allSatisfy { $0.uid == "weekly-demo" })
    }

    @Test("an override moving an instance into another week counts there and not in its original week")
    func overrideAcrossWeeks() throws {
        let cal = try Self.calendar(Self.series)
        // ISO week 2026-W47 in Shanghai: Mon 16 Nov 00:00 +08 to Mon 23 Nov 00:00 +08.
        let w47 = RecurrenceExpander.instances(of: cal, from: Self.date("2026-11-15T16:00:00Z"), to: Self.date("2026-11-22T16:00:00Z"),
                                               floatingZone: Self.shanghai)
        #expect(w47.isEmpty)
        let w48 = RecurrenceExpander.instances(of: cal, from: Self.date("2026-11-22T16:00:00Z"), to: Self.date("2026-11-29T16:00:00Z"),
                                               floatingZone: Self.shanghai)
        #expect(w48.map(\.recurrenceID) == ["20261123T020000Z", "20261116T020000Z"])
        // Moved in from outside the window: the override of an instance before the window still appears.
        let late = try Self.calendar("""
        BEGIN:VEVENT
        UID:m
        DTSTART:20261102T090000Z
        RRULE:FREQ=WEEKLY;COUNT=2
        END:VEVENT
        BEGIN:VEVENT
        UID:m
        RECURRENCE-ID:20261102T090000Z
        DTSTART:20261125T090000Z
        END:VEVENT
        """)
        let got = RecurrenceExpander.instances(of: late, from: Self.date("2026-11-20T00:00:00Z"), to: Self.date("2026-11-30T00:00:00Z"),
                                               floatingZone: Self.utc)
        #expect(got.map(\.recurrenceID) == ["20261102T090000Z"])
    }

    @Test("an override without its master (a single mailed instance) is still an instance; plain events have no recurrence id")
    func orphanOverride() throws {
        let cal = try Self.calendar("""
        BEGIN:VEVENT
        UID:orphan
        RECURRENCE-ID;TZID=China Standard Time:20261117T100000
        DTSTART;TZID=China Standard Time:20261118T100000
        DURATION:PT45M
        END:VEVENT
        BEGIN:VEVENT
        UID:single
        DTSTART:20261118T030000Z
        END:VEVENT
        BEGIN:VEVENT
        UID:single
        SEQUENCE:1
        DTSTART:20261119T030000Z
        END:VEVENT
        """)
        let got = RecurrenceExpander.instances(of: cal, from: Self.date("2026-11-01T00:00:00Z"), to: Self.date("2026-12-01T00:00:00Z"),
                                               floatingZone: Self.utc)
        #expect(got.map(\.uid) == ["orphan", "single"])
        #expect(got[0].recurrenceID == "20261117T020000Z")
        #expect(got[0].end.timeIntervalSince(got[0].start) == 2700)
        #expect(got[1].recurrenceID == nil)
        #expect(Self.iso(got[1].start) == "2026-11-19T03:00:00Z")   // the higher SEQUENCE wins
    }

    @Test("floating times are read in the rep's zone")
    func floating() throws {
        let body = "BEGIN:VEVENT\nUID:f\nDTSTART:20261117T100000\nEND:VEVENT"
        #expect(try Self.starts(body, zone: Self.shanghai) == ["2026-11-17T02:00:00Z"])
        #expect(try Self.starts(body, zone: TimeZone(identifier: "Europe/Berlin")!) == ["2026-11-17T09:00:00Z"])
    }

    @Test("only instances that start inside [from, to) are returned")
    func halfOpenWindow() throws {
        let body = "BEGIN:VEVENT\nUID:w\nDTSTART:20261116T000000Z\nDTEND:20261116T020000Z\nRRULE:FREQ=DAILY;COUNT=5\nEND:VEVENT"
        let got = try Self.starts(body, from: "2026-11-17T00:00:00Z", to: "2026-11-19T00:00:00Z")
        #expect(got == ["2026-11-17T00:00:00Z", "2026-11-18T00:00:00Z"])
        #expect(try Self.starts(body, from: "2026-11-17T01:00:00Z", to: "2026-11-17T01:00:00Z").isEmpty)
    }

    @Test("hostile rules end quickly: huge COUNT, rules that never match, second-by-second series from long ago")
    func hostileRules() throws {
        let clock = Date()
        // Never matches (30 February), with and without COUNT, from year 1.
        #expect(try Self.starts("BEGIN:VEVENT\nUID:h1\nDTSTART:00010101T000000Z\nRRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30\nEND:VEVENT").isEmpty)
        #expect(try Self.starts("BEGIN:VEVENT\nUID:h2\nDTSTART:19000101T000000Z\nRRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30;COUNT=1000000000\nEND:VEVENT").isEmpty)
        #expect(try Self.starts("BEGIN:VEVENT\nUID:h3\nDTSTART:19000101T000000Z\nRRULE:FREQ=SECONDLY;BYMONTH=2;BYMONTHDAY=30;COUNT=5\nEND:VEVENT").isEmpty)
        #expect(try Self.starts("BEGIN:VEVENT\nUID:h3b\nDTSTART:19000101T000000Z\nRRULE:FREQ=SECONDLY;BYSECOND=60;COUNT=5\nEND:VEVENT").isEmpty)
        // A huge COUNT on a daily rule from 1900: the window still comes out right.
        let daily = try Self.starts("BEGIN:VEVENT\nUID:h4\nDTSTART:19000101T090000Z\nRRULE:FREQ=DAILY;COUNT=99999999999999999999\nEND:VEVENT",
                                    from: "2026-11-16T00:00:00Z", to: "2026-11-23T00:00:00Z")
        #expect(daily.count == 7)
        // Every second since 1970, no COUNT: the window is reached directly; the limit caps the answer.
        let cal = try Self.calendar("BEGIN:VEVENT\nUID:h5\nDTSTART:19700101T000000Z\nRRULE:FREQ=SECONDLY\nEND:VEVENT")
        let seconds = RecurrenceExpander.instances(of: cal, from: Self.date("2026-11-17T00:00:00Z"), to: Self.date("2026-11-17T01:00:00Z"),
                                                   floatingZone: Self.utc)
        #expect(seconds.count == 3600)
        let capped = RecurrenceExpander.expand(cal, from: Self.date("2026-11-17T00:00:00Z"), to: Self.date("2026-11-18T00:00:00Z"),
                                               floatingZone: Self.utc, maxInstances: 1000)
        #expect(capped.instances.count == 1000)
        #expect(!capped.notes.isEmpty)
        // Every minute since 2000 with an endless COUNT: the per-series limit stops it before the window.
        let minutely = try Self.calendar("BEGIN:VEVENT\nUID:h6\nDTSTART:20000101T000000Z\nRRULE:FREQ=MINUTELY;COUNT=999999999\nEND:VEVENT")
        let none = RecurrenceExpander.expand(minutely, from: Self.date("2026-11-17T00:00:00Z"), to: Self.date("2026-11-18T00:00:00Z"),
                                             floatingZone: Self.utc)
        #expect(none.instances.isEmpty)
        #expect(none.notes.contains { $0.contains("h6") })
        // A window of a century is clamped to ten years.
        let wide = RecurrenceExpander.expand(try Self.calendar("BEGIN:VEVENT\nUID:h7\nDTSTART:20260101T000000Z\nRRULE:FREQ=YEARLY\nEND:VEVENT"),
                                             from: Self.date("2026-01-01T00:00:00Z"), to: Self.date("2126-01-01T00:00:00Z"), floatingZone: Self.utc)
        #expect(wide.instances.count == 11)
        #expect(Date().timeIntervalSince(clock) < 30)
    }

    @Test("the iteration limit ends a rule that matches too rarely to reach the window")
    func workLimit() {
        let rule = try! RecurrenceRule.parse("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO;COUNT=100")
        let start = CivilTime.localSeconds(year: 1, month: 1, day: 1, hour: 0, minute: 0, second: 0)
        let clock = Date()
        let got = RecurrenceIterator(rule: rule, start: start, isDate: false)
            .occurrences(startLocal: nil, endLocal: Int.max / 2, isAfterUntil: { _ in false }, limits: .init(maxOccurrences: 1000, maxWork: 100_000))
        #expect(got.count < 100)
        #expect(Date().timeIntervalSince(clock) < 10)
    }
}
