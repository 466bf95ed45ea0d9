import Foundation
import Testing
@testable import ActivityCore

@Suite("Date headers")
struct MailDateTests {
    /// 2026-11-17T02:05:00Z, i.e. 10:05 in China.
    static let base = Date(timeIntervalSince1970: 1_794_881_100)

    @Test("forms that all mean 2026-11-17 10:05:00 +0800", arguments: [
        "Tue, 17 Nov 2026 10:05:00 +0800",
        "17 Nov 2026 10:05:00 +0800",
        "Tue, 17 Nov 2026 10:05:00 +0800 (CST)",
        "Tue, 17 Nov 2026 10:05:00 +0800 (中国标准时间)",
        "Tue,   17   Nov   2026   10:05:00   +0800",
        "  Tue, 17 Nov 2026 10:05:00 +0800  ",
        "Tue, 17 Nov 2026 10:05 +0800",
        "tue, 17 nov 2026 10:05:00 +0800",
        "Tuesday, 17 November 2026 10:05:00 +0800",
        "Tue, 17-Nov-2026 10:05:00 +0800",
        "Tue, Nov 17 2026 10:05:00 +0800",
        "Tue, 17 Nov 26 10:05:00 +0800",
        "Tue, 17 Nov 2026 10:05:00 CST +0800",
        "Tue, 17 Nov 2026 10:05:00 GMT+0800",
        "Tue, 17 Nov 2026 10:05:00 GMT+08:00",
        "Tue, 17 Nov 2026 10:05:00 +08:00",
        "Tue, 17 Nov 2026 10:05:00 +08",
        "Tue, 17 Nov 2026 02:05:00 GMT",
        "Tue, 17 Nov 2026 02:05:00 UT",
        "Tue, 17 Nov 2026 02:05:00 UTC",
        "Tue, 17 Nov 2026 02:05:00 Z",
        "Tue, 17 Nov 2026 02:05:00 -0000",
        "Tue, 17 Nov 2026 02:05:00",
        "Mon, 16 Nov 2026 21:05:00 EST",
        "Mon, 16 Nov 2026 22:05:00 EDT",
        "Mon, 16 Nov 2026 18:05:00 PST",
        "Tue, 17 Nov 2026 11:05:00 JST +0900",
        "2026-11-17 10:05:00 +0800",
        "2026-11-17T10:05:00+08:00",
        "2026-11-17T02:05:00Z",
        "2026-11-17T02:05:00",
        "2026/11/17 10:05:00 +0800",
        "Tue Nov 17 02:05:00 2026",
        "Tue Nov 17 10:05:00 CST 2026 +0800",
        "Tue Nov 17 10:05:00 2026 +0800",
        "Tue Nov 17 2026 10:05:00 GMT+0800 (China Standard Time)",
        "Tue, 17 Nov 2026 10:05:00 AM +0800",
        "星期二, 17 11月 2026 10:05:00 +0800",
        "星期二, 17 十一月 2026 10:05:00 +0800",
    ])
    func sameInstant(_ value: String) {
        #expect(MailDate.parse(value) == Self.base, "\(value)")
    }

    @Test("CST alone is RFC 822 Central Standard Time (-0600)")
    func cstAlone() {
        #expect(MailDate.parse("Tue, 17 Nov 2026 10:05:00 CST") == Date(timeIntervalSince1970: 1_794_931_500))
        #expect(MailDate.parse("Tue, 17 Nov 2026 10:05:00 -0600") == Date(timeIntervalSince1970: 1_794_931_500))
    }

    @Test("a numeric offset after CST wins")
    func numericWinsOverCST() {
        #expect(MailDate.parse("Tue, 17 Nov 2026 10:05:00 CST +0800") == Self.base)
    }

    @Test("negative offsets with minutes")
    func negativeOffsets() {
        #expect(MailDate.parse("Tue, 17 Nov 2026 10:05:00 -0530") == Date(timeIntervalSince1970: 1_794_929_700))
        #expect(MailDate.parse("2026-11-17T10:05:00-05:30") == Date(timeIntervalSince1970: 1_794_929_700))
    }

    @Test("single-digit days and a missing weekday")
    func singleDigitDay() {
        let expected = Date(timeIntervalSince1970: 1_794_013_380) // 2026-11-07 09:03 +0800
        #expect(MailDate.parse("Sat, 7 Nov 2026 09:03:00 +0800") == expected)
        #expect(MailDate.parse("7 Nov 2026 9:03 +0800") == expected)
        #expect(MailDate.parse("Sat Nov  7 01:03:00 2026") == expected)
    }

    @Test("two- and three-digit years follow the RFC 5322 obsolete rules")
    func shortYears() {
        #expect(MailDate.parse("Sun, 7 Mar 99 08:00:00 GMT") == Date(timeIntervalSince1970: 920_793_600))
        #expect(MailDate.parse("Sun, 7 Mar 099 08:00:00 GMT") == Date(timeIntervalSince1970: 920_793_600))
        #expect(MailDate.parse("7 Mar 49 08:00:00 GMT") == Date(timeIntervalSince1970: 2_498_716_800))
        #expect(MailDate.parse("7 Mar 50 08:00:00 GMT") == Date(timeIntervalSince1970: -625_507_200))
    }

    @Test("leap days, leap seconds and fractional seconds")
    func edgesOfTime() {
        #expect(MailDate.parse("Thu, 29 Feb 2024 23:59:59 +0000") == Date(timeIntervalSince1970: 1_709_251_199))
        #expect(MailDate.parse("Thu, 29 Feb 2024 23:59:60 +0000") == Date(timeIntervalSince1970: 1_709_251_200))
        #expect(MailDate.parse("2026-11-17T02:05:00.250Z") == Date(timeIntervalSince1970: 1_794_881_100.25))
        #expect(MailDate.parse("1 Jan 1970 00:00:00 +0000") == Date(timeIntervalSince1970: 0))
        #expect(MailDate.parse("1 Jan 1900 00:00:00 +0000") == Date(timeIntervalSince1970: -2_208_988_800))
        #expect(MailDate.parse("31 Dec 9999 23:59:59 +0000") == Date(timeIntervalSince1970: 253_402_300_799))
    }

    @Test("PM and 12 AM")
    func meridiem() {
        #expect(MailDate.parse("Tue, 17 Nov 2026 2:05:00 PM +0800") == Date(timeIntervalSince1970: 1_794_881_100 + 4 * 3600))
        #expect(MailDate.parse("Tue, 17 Nov 2026 12:00:00 AM +0000") == Date(timeIntervalSince1970: 1_794_873_600))
    }

    @Test("military single-letter zones count as -0000")
    func military() {
        #expect(MailDate.parse("Tue, 17 Nov 2026 02:05:00 A") == Self.base)
        #expect(MailDate.parse("Tue, 17 Nov 2026 02:05:00 Y") == Self.base)
    }

    @Test("a date without a time is midnight UTC")
    func dateOnly() {
        #expect(MailDate.parse("17 Nov 2026") == Date(timeIntervalSince1970: 1_794_873_600))
        #expect(MailDate.parse("2026-11-17") == Date(timeIntervalSince1970: 1_794_873_600))
    }

    @Test("unparseable values give nil", arguments: [
        "", "   ", "garbage", "Tue, Nov 2026", "Tue, 32 Nov 2026 10:05:00 +0800", "Tue, 31 Nov 2026 10:05:00 +0800",
        "29 Feb 2026 10:00:00 +0000", "Tue, 17 Foo 2026 10:05:00 +0800", "Tue, 17 Nov 2026 25:05:00 +0800",
        "Tue, 17 Nov 2026 10:61:00 +0800", "Tue, 17 Nov 2026 10:05:00 +2500", "Tue, 17 Nov 2026 10:05:00 +0860",
        "Tue, 17 Nov 20261 10:05:00 +0800", "2026-13-01 10:00:00", "2026-02-30T10:00:00Z",
        "Tue, 17 Nov 2026 10:05:00 +080000", "Tue, 17 Nov 2026 13:05:00 PM +0800", "17 Nov 99999999999999999999",
        "(only a comment)", "Tue, 17 Nov 2026 10:5:00 +0800",
    ])
    func unparseable(_ value: String) {
        #expect(MailDate.parse(value) == nil, "\(value)")
    }
}
