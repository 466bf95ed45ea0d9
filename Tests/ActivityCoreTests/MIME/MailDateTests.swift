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

    // MARK: - Which dates to trust (DOMAIN.md "Time and weeks")

    @Test("a day, a time and a numeric zone, or UT/GMT/Z, name one instant beyond doubt", arguments: [
        "Tue, 17 Nov 2026 10:05:00 +0800",
        "Tue, 17 Nov 2026 10:05:00 +0800 (CST)",
        "Tue, 17 Nov 2026 10:05:00 CST +0800",
        "Tue, 17 Nov 2026 10:05:00 GMT+08:00",
        "Tue, 17 Nov 2026 02:05:00 GMT",
        "Tue, 17 Nov 2026 02:05:00 UT",
        "Tue, 17 Nov 2026 02:05:00 Z",
        "Tue, 17 Nov 2026 02:05:00 -0000",
        "2026-11-17T10:05:00+08:00",
        "星期二, 17 11月 2026 10:05:00 +0800",
        "周二, 17 11月 2026 10:05:00 +0800",
        "Tuesday, 17 November 2026 10:05:00 +0800",
    ])
    func trusted(_ value: String) throws {
        let reading = try #require(MailDate.read(value))
        #expect(reading.date == Self.base, "\(value)")
        #expect(reading.doubt == nil, "\(value)")
    }

    @Test("a date without a zone, with a zone name other than UT/GMT/Z, or with words not understood is read but doubted",
          arguments: [
        ("Tue, 10 Nov 2026 15:20:00", "Date header has no zone"),
        ("Tue, 10 Nov 2026 15:20:00 CST", "Date header's zone CST is ambiguous"),
        ("Tue, 10 Nov 2026 02:20:00 EST", "Date header's zone EST is ambiguous"),
        ("Tue, 10 Nov 2026 07:20:00 A", "Date header's zone A is ambiguous"),
        ("2026年11月10日 下午3:20", "Date header has no zone"),
        ("10 Nov 2026", "Date header has no time of day"),
        ("Tue, 10 Nov 2026 15:20:00 +0800 Beijing", "Date header has text the reader does not understand (beijing)"),
    ])
    func doubted(_ value: String, _ doubt: String) throws {
        let reading = try #require(MailDate.read(value))
        #expect(reading.doubt == doubt)
    }

    @Test("下午 and 上午 before a Chinese date's time make it afternoon and morning")
    func chineseMeridiem() {
        // 2026-11-10 15:20 and 09:05, read without a zone.
        #expect(MailDate.parse("2026年11月10日 下午3:20") == Date(timeIntervalSince1970: 1_794_324_000))
        #expect(MailDate.parse("2026年11月10日 上午9:05") == Date(timeIntervalSince1970: 1_794_301_500))
        #expect(MailDate.parse("2026年11月10日 星期二 晚上8:00") == Date(timeIntervalSince1970: 1_794_340_800))
    }

    /// 2026-11-10 15:20:07 +0800, the server's receive time.
    static let received = Date(timeIntervalSince1970: 1_794_295_207)

    @Test("a doubted Date gives way to INTERNALDATE in a sync, and says why")
    func internalDateStandsIn() {
        for header in ["Tue, 10 Nov 2026 15:20:00 CST", "Tue, 10 Nov 2026 15:20:00", "2026年11月10日 下午3:20"] {
            let chosen = MailItem.chooseDate(header: header, internalDate: Self.received)
            #expect(chosen.date == Self.received && chosen.source == "internaldate", "\(header)")
            #expect(chosen.note != nil)
        }
        let none = MailItem.chooseDate(header: nil, internalDate: Self.received)
        #expect(none.date == Self.received && none.note == "no Date header")
    }

    @Test("a complete Date is trusted even days away from INTERNALDATE (a mailbox moved to a new host)")
    func trustedDateWinsOverAMovedMailbox() {
        let moved = Date(timeIntervalSince1970: 1_796_000_000)
        let chosen = MailItem.chooseDate(header: "Tue, 10 Nov 2026 15:20:07 +0800", internalDate: moved)
        #expect(chosen.date == Self.received && chosen.source == "header" && chosen.note == nil)
    }

    @Test("outside a sync the newest Received: header stands in, else there is no date")
    func receivedStandsIn() {
        let received = ["from mx.newco.com.cn by mx.hxsoft.cn (Postfix); Tue, 10 Nov 2026 15:20:07 +0800 (CST)",
                        "from [192.168.1.23] by mx.newco.com.cn (Coremail); Tue, 10 Nov 2026 15:20:03 +0800"]
        let chosen = MailItem.chooseDate(header: "Tue, 10 Nov 2026 15:20:00", internalDate: nil, received: received)
        #expect(chosen.date == Self.received && chosen.source == "received")
        let nothing = MailItem.chooseDate(header: nil, internalDate: nil, received: [])
        #expect(nothing.date == nil && nothing.source == "none" && nothing.note == "no Date header; no Received: header")
    }
}
