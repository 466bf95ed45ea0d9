import Foundation
import Testing
@testable import ActivityCore

@Suite("iCalendar parsing")
struct ICalParserTests {
    static let invitation = """
    BEGIN:VCALENDAR\r
    PRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN\r
    VERSION:2.0\r
    METHOD:request\r
    BEGIN:VEVENT\r
    UID:040000008200E00074C5B7101A82E008\r
    SEQUENCE:3\r
    STATUS:confirmed\r
    SUMMARY;LANGUAGE=zh-CN:产品演示\\, 第二轮\\; 请准时\\nAgenda\\\\done\r
    DESCRIPTION:Line one\\nLine two with a very long text that Outlook folds at seventy-fi\r
     ve octets, continuing here\r
    LOCATION:https://meeting.tencent.com/dm/abc\r
    ORGANIZER;CN="Wang, Li: Sales; East":MAILTO:Wang.Li@Example.COM\r
    ATTENDEE;ROLE=req-participant;PARTSTAT=accepted;CN=Zhang San:mailto:zhang@customer.cn\r
    ATTENDEE;CN="Buyer";PARTSTAT=DECLINED;RSVP=TRUE:mailto:BUYER@customer.cn\r
    DTSTART;TZID=China Standard Time:20261117T100000\r
    DTEND;TZID=China Standard Time:20261117T113000\r
    URL:https://example.com/e/1\r
    BEGIN:VALARM\r
    TRIGGER:-PT15M\r
    ACTION:DISPLAY\r
    DESCRIPTION:Reminder that must not replace the event's\r
    END:VALARM\r
    END:VEVENT\r
    END:VCALENDAR\r

    """

    @Test("an Outlook invitation yields its method, texts, people and times")
    func outlookInvitation() throws {
        let cal = try ICalendar.parse(Self.invitation)
        #expect(cal.method == "REQUEST")
        #expect(cal.events.count == 1)
        let e = try #require(cal.events.first)
        #expect(e.uid == "040000008200E00074C5B7101A82E008")
        #expect(e.sequence == 3)
        #expect(e.status == "CONFIRMED")
        #expect(e.summary == "产品演示, 第二轮; 请准时\nAgenda\\done")
        #expect(e.description == "Line one\nLine two with a very long text that Outlook folds at seventy-five octets, continuing here")
        #expect(e.location == "https://meeting.tencent.com/dm/abc")
        #expect(e.url == "https://example.com/e/1")
        #expect(e.organizer == ICalParticipant(address: "wang.li@example.com", name: "Wang, Li: Sales; East"))
        #expect(e.attendees == [
            ICalParticipant(address: "zhang@customer.cn", name: "Zhang San", partstat: "ACCEPTED", role: "REQ-PARTICIPANT"),
            ICalParticipant(address: "buyer@customer.cn", name: "Buyer", partstat: "DECLINED"),
        ])
        #expect(e.start == ICalDateTime(year: 2026, month: 11, day: 17, hour: 10, zone: .tzid("China Standard Time")))
        #expect(e.end?.hour == 11 && e.end?.minute == 30)
        #expect(!e.isAllDay)
        #expect(e.rrule == nil)
    }

    @Test("bare LF line ends, tab folding and a BOM are accepted")
    func lfOnlyAndBOM() throws {
        let text = "\u{FEFF}BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:lf-1\nSUMMARY:Kick\n\toff meeting\nDTSTART;VALUE=DATE:20261118\nEND:VEVENT\nEND:VCALENDAR"
        let cal = try ICalendar.parse(text)
        #expect(cal.events.first?.summary == "Kickoff meeting")
        #expect(cal.events.first?.isAllDay == true)
        #expect(cal.events.first?.start == .date(2026, 11, 18))
    }

    @Test("a fold inside a multi-byte UTF-8 character is joined before decoding")
    func foldInsideUTF8() throws {
        var bytes = Array("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:u\r\nSUMMARY:".utf8)
        let word = Array("拜访客户".utf8)
        bytes += word[0..<4] + Array("\r\n ".utf8) + word[4...]
        bytes += Array("\r\nDTSTART:20261117T010000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n".utf8)
        let cal = try ICalendar.parse(bytes: bytes)
        #expect(cal.events.first?.summary == "拜访客户")
    }

    @Test("GB18030 bytes that are not UTF-8 are decoded as GB18030, other bytes as Latin-1")
    func charsetFallback() throws {
        // "演示" in GB18030: D1 DD CA BE
        var bytes = Array("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:gb\r\nSUMMARY:".utf8) + [0xD1, 0xDD, 0xCA, 0xBE]
        bytes += Array("\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n".utf8)
        #expect(try ICalendar.parse(bytes: bytes).events.first?.summary == "演示")
        var latin = Array("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:l1\r\nSUMMARY:Caf".utf8) + [0xE9, 0xFF]
        latin += Array("\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n".utf8)
        #expect(try ICalendar.parse(bytes: latin).events.first?.summary == "Café\u{FF}")
    }

    @Test("quoted parameter values may hold ':' ';' and ',' and RFC 6868 escapes")
    func quotedParameters() throws {
        let line = try ICalParser.split(Array(#"ATTENDEE;CN="A: B; C, D";DELEGATED-FROM="mailto:x@y.z","mailto:p@q.r";X-NOTE=say ^'hi^'^n:mailto:a@b.c"#.utf8), line: 7)
        #expect(line.name == "ATTENDEE")
        #expect(line.parameter("CN") == "A: B; C, D")
        #expect(line.parameters.first(where: { $0.name == "DELEGATED-FROM" })?.values == ["mailto:x@y.z", "mailto:p@q.r"])
        #expect(line.parameter("X-NOTE") == "say \"hi\"\n")
        #expect(line.value == "mailto:a@b.c")
    }

    @Test("unknown components and properties are skipped, several VCALENDARs are merged")
    func unknownSkipped() throws {
        let text = """
        BEGIN:VCALENDAR
        X-WR-CALNAME:Sales
        BEGIN:VTODO
        UID:todo-1
        SUMMARY:not an event
        END:VTODO
        BEGIN:X-CUSTOM
        BEGIN:VEVENT
        UID:hidden
        END:VEVENT
        END:X-CUSTOM
        BEGIN:VEVENT
        UID:e1
        X-MICROSOFT-CDO-BUSYSTATUS:BUSY
        DTSTART:20261117T010000Z
        END:VEVENT
        END:VCALENDAR
        BEGIN:VCALENDAR
        METHOD:CANCEL
        BEGIN:VEVENT
        UID:e2
        STATUS:cancelled
        DTSTART:20261118T010000Z
        END:VEVENT
        END:VCALENDAR
        """
        let cal = try ICalendar.parse(text)
        #expect(cal.events.map(\.uid) == ["e1", "e2"])
        #expect(cal.method == "CANCEL")
        #expect(cal.events[1].status == "CANCELLED")
    }

    @Test("recurrence properties: RRULE, RDATE with PERIOD, EXDATE lists, RECURRENCE-ID, DURATION")
    func recurrenceProperties() throws {
        let text = """
        BEGIN:VCALENDAR
        BEGIN:VEVENT
        UID:r
        DTSTART;TZID=Europe/Berlin:20261102T090000
        DURATION:PT1H30M
        RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,-1FR;WKST=SU;UNTIL=20271231T230000Z;X-FOO=1
        RDATE;VALUE=PERIOD:20261225T100000Z/PT1H,20261226T100000Z/20261226T120000Z
        EXDATE;TZID=Europe/Berlin:20261116T090000,20261130T090000
        EXDATE;VALUE=DATE:20261214
        END:VEVENT
        BEGIN:VEVENT
        UID:r
        RECURRENCE-ID;TZID=Europe/Berlin:20261116T090000
        DTSTART;TZID=Europe/Berlin:20261117T140000
        END:VEVENT
        END:VCALENDAR
        """
        let cal = try ICalendar.parse(text)
        let e = cal.events[0]
        #expect(e.duration == 5400)
        #expect(e.nominalDuration == ICalDuration(days: 0, seconds: 5400))
        let rule = try #require(e.rrule)
        #expect(rule.frequency == .weekly)
        #expect(rule.interval == 2)
        #expect(rule.byDay == [.init(.monday), .init(.friday, ordinal: -1)])
        #expect(rule.weekStart == .sunday)
        #expect(rule.until == ICalDateTime(year: 2027, month: 12, day: 31, hour: 23, zone: .utc))
        #expect(e.rdates.map(\.description) == ["20261225T100000Z", "20261226T100000Z"])
        #expect(e.exdates.count == 3)
        #expect(e.exdates[2].isDate)
        #expect(cal.events[1].recurrenceID == ICalDateTime(year: 2026, month: 11, day: 16, hour: 9, zone: .tzid("Europe/Berlin")))
    }

    @Test("DURATION values: days and weeks are nominal, negative durations keep their sign")
    func durations() {
        #expect(ICalDuration.parse("P1D") == ICalDuration(days: 1))
        #expect(ICalDuration.parse("PT1H30M") == ICalDuration(seconds: 5400))
        #expect(ICalDuration.parse("-PT15M") == ICalDuration(seconds: -900))
        #expect(ICalDuration.parse("P2W") == ICalDuration(days: 14))
        #expect(ICalDuration.parse("+P1DT2H3M4S") == ICalDuration(days: 1, seconds: 7384))
        #expect(ICalDuration.parse("P2W")?.timeInterval == 1_209_600)
        for bad in ["", "P", "PT", "1H", "P1H", "PT1D", "P1DT", "PXD"] {
            #expect(ICalDuration.parse(bad) == nil, "\(bad)")
        }
    }

    @Test("canonical RECURRENCE-ID keys are UTC instants or dates")
    func canonicalKeys() throws {
        let cal = ICalendar()
        let shanghai = TimeZone(identifier: "Asia/Shanghai")!
        #expect(ICalDateTime(year: 2026, month: 11, day: 17, hour: 10, zone: .tzid("Asia/Shanghai"))
            .canonicalKey(in: cal, floatingZone: shanghai) == "20261117T020000Z")
        #expect(ICalDateTime(year: 2026, month: 11, day: 17, hour: 10, zone: .tzid("China Standard Time"))
            .canonicalKey(in: cal, floatingZone: TimeZone(identifier: "UTC")!) == "20261117T020000Z")
        #expect(ICalDateTime(year: 2026, month: 11, day: 17, hour: 10).canonicalKey(in: cal, floatingZone: shanghai) == "20261117T020000Z")
        #expect(ICalDateTime.date(2026, 11, 17).canonicalKey(in: cal, floatingZone: shanghai) == "20261117")
        #expect(ICalDateTime(year: 2026, month: 11, day: 17, hour: 10, zone: .utc).canonicalKey(in: cal, floatingZone: shanghai) == "20261117T100000Z")
    }

    @Test("date-time values: DATE, floating, UTC, TZID; malformed values are rejected")
    func dateTimeValues() {
        #expect(ICalDateTime.parse("20261117") == .date(2026, 11, 17))
        #expect(ICalDateTime.parse("20261117T100000Z")?.zone == .utc)
        #expect(ICalDateTime.parse("20261117T100000")?.zone == .floating)
        #expect(ICalDateTime.parse("20261117T100000", tzid: "Europe/Berlin")?.zone == .tzid("Europe/Berlin"))
        #expect(ICalDateTime.parse("20261117T100000", forceDate: true) == .date(2026, 11, 17))
        for bad in ["2026111", "20261317", "20260230", "20261117T250000", "20261117T1000", "20261117X100000", "20261117T100000ZZ", "abc"] {
            #expect(ICalDateTime.parse(bad) == nil, "\(bad)")
        }
    }

    @Test("unparseable input is a data error that names the line")
    func errorsNameTheLine() {
        func message(_ text: String) -> String? {
            do {
                _ = try ICalendar.parse(text)
                return nil
            } catch let e as ActivityError {
                #expect(e.code == .dataError)
                return e.message
            } catch {
                return "\(error)"
            }
        }
        #expect(message("BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:x\nthis is not a property\nEND:VEVENT\nEND:VCALENDAR")?.contains("line 4") == true)
        #expect(message("BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:x\nDTSTART:2026-11-17\nEND:VEVENT\nEND:VCALENDAR")?.contains("line 4: DTSTART") == true)
        // A rule that cannot be read refuses its series (the expander), not the file: the event names the line.
        func problem(_ text: String) -> String? { (try? ICalendar.parse(text))?.events.first?.problem }
        #expect(problem("BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:x\nRRULE:FREQ=FORTNIGHTLY\nEND:VEVENT\nEND:VCALENDAR")?.contains("line 4") == true)
        #expect(problem("BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:x\nRRULE:FREQ=MONTHLY;BYMONTHDAY=32\nEND:VEVENT\nEND:VCALENDAR")?.contains("BYMONTHDAY") == true)
        #expect(message("BEGIN:VCALENDAR\nEND:VEVENT\nEND:VCALENDAR")?.contains("line 2") == true)
        #expect(message("BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:20261117T010000Z\nEND:VEVENT\nEND:VCALENDAR")?.contains("no UID") == true)
        #expect(message("From: someone\nSubject: not a calendar") != nil)
        #expect(message("") != nil)
    }

    @Test("RRULE parsing reads every rule part and rejects nonsense")
    func rruleParsing() throws {
        let r = try RecurrenceRule.parse("freq=yearly;interval=2;count=99999999999999999999999;bysecond=0,30;byminute=5;byhour=9,17;byday=20MO,-1su,+2TU;bymonthday=1,-1;byyearday=100,-366;byweekno=1,-53;bymonth=2,12;bysetpos=1,-1;wkst=su")
        #expect(r.frequency == .yearly)
        #expect(r.interval == 2)
        #expect(r.count == Int.max)
        #expect(r.bySecond == [0, 30] && r.byMinute == [5] && r.byHour == [9, 17])
        #expect(r.byDay == [.init(.monday, ordinal: 20), .init(.sunday, ordinal: -1), .init(.tuesday, ordinal: 2)])
        #expect(r.byMonthDay == [1, -1] && r.byYearDay == [100, -366] && r.byWeekNo == [1, -53])
        #expect(r.byMonth == [2, 12] && r.bySetPos == [1, -1] && r.weekStart == .sunday)
        #expect(try RecurrenceRule.parse(r.text) == r)
        for bad in ["", "INTERVAL=2", "FREQ=DAILY;INTERVAL=0", "FREQ=DAILY;COUNT=-1", "FREQ=DAILY;BYHOUR=24",
                    "FREQ=DAILY;BYDAY=XX", "FREQ=MONTHLY;BYDAY=0MO", "FREQ=MONTHLY;BYDAY=54MO", "FREQ=DAILY;UNTIL=tomorrow",
                    "FREQ=DAILY;BYMONTHDAY=0", "FREQ=DAILY;WKST=XY"] {
            #expect(throws: ActivityError.self, "\(bad)") { try RecurrenceRule.parse(bad) }
        }
    }

    @Test("hostile input: oversize text, deep nesting, a huge line and many lines end quickly")
    func hostileInput() throws {
        let start = Date()
        let big = String(repeating: "X", count: ICalendar.Limits.maxBytes + 1)
        #expect(throws: ActivityError.self) { try ICalendar.parse(big) }
        let deep = String(repeating: "BEGIN:X-A\n", count: 10_000) + "END:X-A\n"
        #expect(throws: ActivityError.self) { try ICalendar.parse("BEGIN:VCALENDAR\n" + deep) }
        // A 5 MB DESCRIPTION folded every 74 octets.
        var long = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:long\r\nDTSTART:20261117T010000Z\r\nDESCRIPTION:"
        let chunk = String(repeating: "abcdefghij", count: 7) + "\\,x\r\n "
        long += String(repeating: chunk, count: 5_000_000 / chunk.utf8.count)
        long += "end\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
        let cal = try ICalendar.parse(long)
        #expect(cal.events.first?.description?.hasSuffix("end") == true)
        let many = "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:m\n" + String(repeating: "X-A:1\n", count: ICalendar.Limits.maxLinesPerComponent + 1)
        #expect(throws: ActivityError.self) { try ICalendar.parse(many) }
        #expect(Date().timeIntervalSince(start) < 20)
    }
}
