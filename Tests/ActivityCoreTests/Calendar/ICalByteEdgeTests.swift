import Foundation
import Testing
@testable import ActivityCore

/// The iCalendar reader trims, splits and case-maps on bytes; these pin the edges where that could differ from the
/// String operations (Foundation's `.whitespaces`, combining marks, case mappings outside ASCII).
@Suite("iCalendar byte edges")
struct ICalByteEdgeTests {
    private func event(_ lines: [String]) throws -> ICalEvent {
        let text = (["BEGIN:VCALENDAR", "BEGIN:VEVENT", "UID:u1"] + lines + ["END:VEVENT", "END:VCALENDAR", ""])
            .joined(separator: "\r\n")
        return try #require(try ICalendar.parse(bytes: Array(text.utf8)).events.first)
    }

    @Test("Unicode spaces around values are trimmed as Foundation trims them")
    func unicodeSpaces() throws {
        let text = "BEGIN:VCALENDAR\r\nMETHOD:\u{3000}request\u{200B}\r\nBEGIN:VEVENT\u{3000}\r\nUID:\u{00A0}u1 \r\n"
            + "DTSTART;TZID=\u{2000}Asia/Shanghai:\u{3000}20261117T100000\t\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
        let cal = try ICalendar.parse(bytes: Array(text.utf8))
        #expect(cal.method == "REQUEST")
        #expect(cal.events.first?.uid == "u1")
        #expect(cal.events.first?.start == ICalDateTime(year: 2026, month: 11, day: 17, hour: 10, zone: .tzid("\u{2000}Asia/Shanghai")))
    }

    @Test("TEXT escapes: a backslash next to a non-ASCII character is read as characters are")
    func escapes() throws {
        #expect(try event(["SUMMARY:a\\nb\\Nc\\,d\\;e\\\\f\\"]).summary == "a\nb\nc,d;e\\f\\")
        #expect(try event(["SUMMARY:张\\n伟\\,"]).summary == "张\n伟,")
        #expect(try event(["SUMMARY:\\张"]).summary == "张")
        // "n" with a combining mark is not the letter n: no newline.
        #expect(try event(["SUMMARY:a\\n\u{301}b"]).summary == "an\u{301}b")
        // A backslash with a combining mark is no escape at all.
        #expect(try event(["SUMMARY:a\\\u{301}n"]).summary == "a\\\u{301}n")
    }

    @Test("participants: MAILTO in any case, spaces inside and out, names trimmed of Unicode spaces")
    func participants() throws {
        let e = try event(["ATTENDEE;CN=\u{3000}张伟 ;partstat=accepted:  MAILTO: Bob@X.CN ", "ORGANIZER:mailto:\u{3000}A@B.CN"])
        #expect(e.attendees.first == ICalParticipant(address: "bob@x.cn", name: "张伟", partstat: "ACCEPTED"))
        #expect(e.organizer?.address == "a@b.cn")
        #expect(try event(["ATTENDEE:mailto:\u{301}a@b"]).attendees.first?.address == "mailto:\u{301}a@b")
    }

    @Test("parameter names are upper-cased as String does (a dotless i is an I)")
    func parameterNameCase() throws {
        let e = try event(["DTSTART;tz\u{131}d=Asia/Shanghai:20261117T100000"])
        #expect(e.start?.zone == .tzid("Asia/Shanghai"))
    }

    @Test("RDATE and EXDATE lists: empty items, periods, spaces, a slash with a combining mark")
    func dateLists() throws {
        let e = try event(["EXDATE:20261117T100000Z,,/20261118T100000Z , 20261119T100000Z/PT1H,\u{3000}",
                           "RDATE:20261120,20261121/P1D"])
        #expect(e.exdates.map(\.description) == ["20261117T100000Z", "20261118T100000Z", "20261119T100000Z"])
        #expect(e.rdates.map(\.description) == ["20261120", "20261121"])
        #expect(throws: ActivityError.self) { try event(["EXDATE:20261117T100000Z/\u{301}PT1H"]) }
    }

    @Test("durations and offsets: Unicode spaces, lower case, and case mappings outside ASCII")
    func durationsAndOffsets() throws {
        #expect(ICalDuration.parse("\u{3000}pt1h30m ") == ICalDuration(seconds: 5400))
        #expect(ICalDuration.parse("PT1\u{17F}") == ICalDuration(seconds: 1))   // long s upper-cases to S
        #expect(ICalDuration.parse("PT１H") == nil)
        let text = "BEGIN:VCALENDAR\r\nBEGIN:VTIMEZONE\r\nTZID:X\r\nBEGIN:STANDARD\r\nDTSTART:19700101T000000\r\n"
            + "TZOFFSETFROM:\u{3000}+0800\r\nTZOFFSETTO: -053000 \r\nEND:STANDARD\r\nEND:VTIMEZONE\r\nEND:VCALENDAR\r\n"
        let zone = try #require(try ICalendar.parse(bytes: Array(text.utf8)).timeZones["X"]?.observances.first)
        #expect(zone.offsetFrom == 8 * 3600)
        #expect(zone.offsetTo == -(5 * 3600 + 30 * 60))
        let bad = text.replacingOccurrences(of: "+0800", with: "+08０0")
        #expect(throws: ActivityError.self) { try ICalendar.parse(bytes: Array(bad.utf8)) }
    }
}
