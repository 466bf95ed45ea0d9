import Foundation
import Testing
@testable import ActivityCore

@Suite("Time zone resolution")
struct TimeZoneResolverTests {
    @Test("Windows zone names map to IANA zones through CLDR's table")
    func windowsNames() {
        #expect(ICalZoneResolver.ianaIdentifier(for: "China Standard Time") == "Asia/Shanghai")
        #expect(ICalZoneResolver.ianaIdentifier(for: "Pacific Standard Time") == "America/Los_Angeles")
        #expect(ICalZoneResolver.ianaIdentifier(for: "W. Europe Standard Time") == "Europe/Berlin")
        #expect(ICalZoneResolver.ianaIdentifier(for: "Tokyo Standard Time") == "Asia/Tokyo")
        #expect(ICalZoneResolver.ianaIdentifier(for: "eastern standard time") == "America/New_York")
        #expect(ICalZoneResolver.ianaIdentifier(for: "\"India Standard Time\"") != nil)
    }

    @Test("every zone in the embedded Windows table exists in the system tzdata")
    func tableIsComplete() {
        #expect(WindowsZones.entries.count >= 139)
        #expect(Set(WindowsZones.entries.map(\.windows)).count == WindowsZones.entries.count)
        let missing = WindowsZones.entries.filter { TimeZone(identifier: $0.iana) == nil }.map(\.iana)
        #expect(missing.isEmpty, "not in tzdata: \(missing)")
    }

    @Test("IANA names win; prefixed IANA names and Windows display names are recognised")
    func decorations() {
        #expect(ICalZoneResolver.ianaIdentifier(for: "Europe/Berlin") == "Europe/Berlin")
        #expect(ICalZoneResolver.ianaIdentifier(for: "/freeassociation.sourceforge.net/Tzfile/Europe/Berlin") == "Europe/Berlin")
        #expect(ICalZoneResolver.ianaIdentifier(for: "/mozilla.org/20050126_1/America/New_York") == "America/New_York")
        #expect(ICalZoneResolver.ianaIdentifier(for: "/softwarestudio.org/Olson_20011030_5/America/Argentina/Buenos_Aires") != nil)
        #expect(ICalZoneResolver.ianaIdentifier(for: "(UTC+08:00) Beijing, Chongqing, Hong Kong, Urumqi") == "Asia/Shanghai")
        #expect(ICalZoneResolver.ianaIdentifier(for: "(GMT+08:00) Beijing, Chongqing, Hong Kong, Urumqi") == "Asia/Shanghai")
        #expect(ICalZoneResolver.ianaIdentifier(for: "(UTC-05:00) Eastern Time (US & Canada)") == "America/New_York")
        #expect(ICalZoneResolver.ianaIdentifier(for: "Mars/Olympus_Mons") == nil)
        #expect(ICalZoneResolver.ianaIdentifier(for: "") == nil)
    }

    static let customZone = """
    BEGIN:VCALENDAR
    BEGIN:VTIMEZONE
    TZID:Customized Time Zone
    BEGIN:STANDARD
    DTSTART:16010101T030000
    TZOFFSETFROM:+0200
    TZOFFSETTO:+0100
    RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10
    END:STANDARD
    BEGIN:DAYLIGHT
    DTSTART:16010101T020000
    TZOFFSETFROM:+0100
    TZOFFSETTO:+0200
    RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3
    END:DAYLIGHT
    END:VTIMEZONE
    BEGIN:VTIMEZONE
    TZID:Old Fixed
    BEGIN:STANDARD
    DTSTART:19700101T000000
    TZOFFSETFROM:+0530
    TZOFFSETTO:+0530
    END:STANDARD
    END:VTIMEZONE
    BEGIN:VEVENT
    UID:vtz
    DTSTART;TZID=Customized Time Zone:20260710T090000
    END:VEVENT
    END:VCALENDAR
    """

    @Test("a TZID only a VTIMEZONE defines follows its STANDARD and DAYLIGHT rules")
    func vtimezoneOnly() throws {
        let cal = try ICalendar.parse(Self.customZone)
        let resolver = ICalZoneResolver(calendar: cal, floatingZone: TimeZone(identifier: "UTC")!)
        #expect(resolver.resolution(of: "Customized Time Zone").source == .vtimezone)
        let summer = ICalDateTime(year: 2026, month: 7, day: 10, hour: 9, zone: .tzid("Customized Time Zone"))
        let winter = ICalDateTime(year: 2026, month: 12, day: 10, hour: 9, zone: .tzid("Customized Time Zone"))
        #expect(summer.canonicalKey(resolver: resolver) == "20260710T070000Z")
        #expect(winter.canonicalKey(resolver: resolver) == "20261210T080000Z")
        // The switch days of 2026: 29 March and 25 October.
        let tz = try #require(cal.timeZones["Customized Time Zone"])
        #expect(tz.utcOffset(at: Date(timeIntervalSince1970: 1_774_746_000 - 1)) == 3600)   // 2026-03-29T00:59:59Z
        #expect(tz.utcOffset(at: Date(timeIntervalSince1970: 1_774_746_000)) == 7200)       // 2026-03-29T01:00:00Z
        #expect(tz.utcOffset(at: Date(timeIntervalSince1970: 1_792_890_000 - 1)) == 7200)   // 2026-10-25T00:59:59Z
        #expect(tz.utcOffset(at: Date(timeIntervalSince1970: 1_792_890_000)) == 3600)
        let fixed = ICalDateTime(year: 2026, month: 1, day: 1, hour: 5, minute: 30, zone: .tzid("Old Fixed"))
        #expect(fixed.canonicalKey(resolver: resolver) == "20260101T000000Z")
    }

    @Test("an unknown TZID is read in the floating zone, with a note")
    func unknownZone() throws {
        let text = "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:u\nDTSTART;TZID=Somewhere Special:20261117T100000\nEND:VEVENT\nEND:VCALENDAR"
        let cal = try ICalendar.parse(text)
        let shanghai = TimeZone(identifier: "Asia/Shanghai")!
        let expansion = RecurrenceExpander.expand(cal, from: Date(timeIntervalSince1970: 1_790_000_000),
                                                  to: Date(timeIntervalSince1970: 1_800_000_000), floatingZone: shanghai)
        #expect(expansion.instances.count == 1)
        #expect(expansion.instances.first?.start == Date(timeIntervalSince1970: 1_794_880_800))   // 2026-11-17T02:00:00Z
        #expect(expansion.notes.contains { $0.contains("Somewhere Special") })
    }

    @Test("wall-clock times in a DST gap move forward, repeated times take the first instant")
    func gapsAndOverlaps() {
        let ny = ICalZoneResolver.offsets(for: TimeZone(identifier: "America/New_York")!)
        // 2026-03-08 02:30 does not exist in New York: read with EST (-5) it is 07:30Z (03:30 EDT).
        #expect(ny.utc(fromLocal: CivilTime.localSeconds(year: 2026, month: 3, day: 8, hour: 2, minute: 30, second: 0))
            == CivilTime.localSeconds(year: 2026, month: 3, day: 8, hour: 7, minute: 30, second: 0))
        // 2026-11-01 01:30 happens twice: the first is EDT (-4), 05:30Z.
        #expect(ny.utc(fromLocal: CivilTime.localSeconds(year: 2026, month: 11, day: 1, hour: 1, minute: 30, second: 0))
            == CivilTime.localSeconds(year: 2026, month: 11, day: 1, hour: 5, minute: 30, second: 0))
        let berlin = ICalZoneResolver.offsets(for: TimeZone(identifier: "Europe/Berlin")!)
        #expect(berlin.utc(fromLocal: CivilTime.localSeconds(year: 2026, month: 3, day: 29, hour: 2, minute: 15, second: 0))
            == CivilTime.localSeconds(year: 2026, month: 3, day: 29, hour: 1, minute: 15, second: 0))
        #expect(berlin.utc(fromLocal: CivilTime.localSeconds(year: 2026, month: 10, day: 25, hour: 2, minute: 15, second: 0))
            == CivilTime.localSeconds(year: 2026, month: 10, day: 25, hour: 0, minute: 15, second: 0))
    }

    @Test("civil date arithmetic round-trips and numbers weeks as ISO 8601 with a Monday start")
    func civilArithmetic() {
        for n in stride(from: -800_000, through: 2_900_000, by: 997) {
            let d = CivilTime.date(ofDay: n)
            #expect(CivilTime.dayNumber(year: d.year, month: d.month, day: d.day) == n)
        }
        #expect(CivilTime.weekday(ofDay: 0) == 3)   // 1970-01-01 was a Thursday
        #expect(CivilTime.weekNumber(ofDay: CivilTime.dayNumber(year: 2026, month: 11, day: 17), weekStart: 0).week == 47)
        #expect(CivilTime.weekNumber(ofDay: CivilTime.dayNumber(year: 2021, month: 1, day: 3), weekStart: 0) == (53, 53))
        #expect(CivilTime.weekNumber(ofDay: CivilTime.dayNumber(year: 2024, month: 12, day: 30), weekStart: 0).week == 1)
    }
}
