import Foundation
import Testing
@testable import ActivityCore

@Suite("Local timestamps")
struct LocalTimestampTests {
    func formatter(_ format: String, _ zone: TimeZone) -> DateFormatter {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = zone
        f.dateFormat = format
        return f
    }

    @Test("RFC 3339, ISO dates and week's weekday times agree with DateFormatter across zones, DST changes, half hours and year ends")
    func agreesWithDateFormatter() {
        let zones = ["Asia/Shanghai", "UTC", "America/New_York", "Asia/Kolkata", "Australia/Adelaide", "Pacific/Kiritimati",
                     "Pacific/Pago_Pago", "Europe/London", "America/St_Johns"].map { TimeZone(identifier: $0)! }
        var rng = SplitMix64(seed: 47)
        var instants: [TimeInterval] = [0, -1, 1_798_761_599, 1_798_761_600, 1_793_502_000, 1_793_505_600]
        for _ in 0..<400 { instants.append(TimeInterval(Int(rng.next() % 4_000_000_000) - 500_000_000)) }
        for zone in zones {
            let full = formatter("yyyy-MM-dd'T'HH:mm:ssxxxxx", zone), day = formatter("yyyy-MM-dd", zone)
            let weekday = formatter("EEE MM-dd HH:mm", zone)
            for t in instants {
                let d = Date(timeIntervalSince1970: t)
                #expect(LocalTimestamp.rfc3339(d, in: zone) == full.string(from: d), "\(zone.identifier) \(t)")
                #expect(LocalTimestamp.isoDate(d, in: zone) == day.string(from: d), "\(zone.identifier) \(t)")
                #expect(LocalTimestamp.weekdayTime(d, in: zone) == weekday.string(from: d), "\(zone.identifier) \(t)")
            }
        }
    }

    @Test("a Sunday evening in New York is already Monday in Shanghai")
    func sundayEvening() {
        let d = ISO8601DateFormatter().date(from: "2026-11-23T01:30:00Z")!
        #expect(LocalTimestamp.rfc3339(d, in: TimeZone(identifier: "America/New_York")!) == "2026-11-22T20:30:00-05:00")
        #expect(LocalTimestamp.rfc3339(d, in: TimeZone(identifier: "Asia/Shanghai")!) == "2026-11-23T09:30:00+08:00")
        #expect(LocalTimestamp.rfc3339(d, in: TimeZone(identifier: "UTC")!) == "2026-11-23T01:30:00+00:00")
    }
}
