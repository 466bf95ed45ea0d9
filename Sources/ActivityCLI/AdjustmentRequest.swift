import Foundation
import ActivityCore

// What an adjustment request says, and the reading of its times, kinds and organisations, apart
// from the store and the command line (the fuzz target `serve` builds from this file).

/// One adjustment as asked for — by `activity adjust` or the web view's `POST /api/adjust` —
/// checked against the config and the ledger, recorded, and applied.
struct AdjustmentRequest: Sendable {
    var action: Adjustment.Action
    var activity: String?
    var adjustment: String?
    var rep: String?
    var kind: String?
    var at: String?
    var org: String?
    var to: String?
    var title: String?
    var reason: String?
    var by: String?

    /// The login running the program, for `--by`'s default.
    static func currentLogin() -> String {
        if let pw = getpwuid(geteuid()), let name = pw.pointee.pw_name { return String(cString: name) }
        return ProcessInfo.processInfo.environment["USER"] ?? "unknown"
    }

    static func kind(_ text: String?) throws -> Kind {
        let t = (text ?? "").trimmedWhitespace
        if let k = Kind(rawValue: t.lowercased()) ?? Kind.allCases.first(where: { $0.chineseName == t }) { return k }
        throw ActivityError(.usage, "--kind \(t): no such kind (kinds: \(Kind.allCases.map { "\($0.rawValue) \($0.chineseName)" }.joined(separator: ", ")))")
    }

    /// An organisation as the ledger names it: a domain or name in lower case; an address
    /// stands for its domain (an address with no domain is refused, not the empty name).
    static func organisation(_ text: String?, option: String) throws -> String {
        var t = (text ?? "").trimmedWhitespace
        guard !t.isEmpty else { throw ActivityError(.usage, "\(option): give the organisation (a domain such as huawei.com, or a name such as hint:华为)") }
        if !t.hasPrefix("hint:"), let at = t.lastIndex(of: "@") {
            t = String(t[t.index(after: at)...]).trimmedWhitespace
            guard !t.isEmpty else { throw ActivityError(.usage, "\(option) \((text ?? "").trimmedWhitespace): an address with no domain; give the organisation (a domain such as huawei.com)") }
        }
        return t.lowercased()
    }

    /// `2026-11-17T10:00` (seconds optional) in the ledger zone, or with `Z` or an offset.
    /// A time that does not exist (30 February, 25:00, a daylight-saving gap) or lies outside the
    /// years a ledger can hold is refused.
    static func time(_ text: String, zone: TimeZone, now: Date) throws -> Date {
        let t = text.trimmedWhitespace
        func refuse(_ why: String) -> ActivityError {
            ActivityError(.usage, "--at \(t): \(why) (give 2026-11-17T10:00 in \(zone.identifier), or RFC 3339 such as 2026-11-17T10:00:00+08:00)")
        }
        // ASCII digits only (`\d` would take ２ or ٢, which Int() does not read).
        let pattern = #/^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?(Z|z|[+-]\d{2}:?\d{2})?$/#.asciiOnlyDigits()
        guard let m = t.wholeMatch(of: pattern) else { throw refuse("not a time") }
        var offsetZone = zone
        if let o = m.7 {
            if o == "Z" || o == "z" {
                offsetZone = TimeZone(secondsFromGMT: 0)!
            } else {
                let digits = o.dropFirst().filter(\.isNumber)
                let hours = Int(digits.prefix(2))!, minutes = Int(digits.suffix(2))!
                // Foundation's zones go to ±18:00 (real ones to +14:00).
                guard hours < 24, minutes < 60,
                      let fixed = TimeZone(secondsFromGMT: (o.first == "-" ? -1 : 1) * (hours * 3600 + minutes * 60)) else {
                    throw refuse("not a UTC offset")
                }
                offsetZone = fixed
            }
        }
        let parts = DateComponents(year: Int(m.1)!, month: Int(m.2)!, day: Int(m.3)!, hour: Int(m.4)!, minute: Int(m.5)!,
                                   second: m.6.map { Int($0)! } ?? 0)
        guard (2000...2100).contains(parts.year!) else { throw refuse("outside the years a ledger holds") }
        let calendar = ISOWeek.calendar(offsetZone)
        guard let date = calendar.date(from: parts) else { throw refuse("no such time") }
        let back = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        guard back.year == parts.year, back.month == parts.month, back.day == parts.day, back.hour == parts.hour,
              back.minute == parts.minute, back.second == parts.second else {
            throw refuse("no such time in \(offsetZone.identifier)")
        }
        guard date <= now.addingTimeInterval(366 * 86_400) else { throw refuse("more than a year ahead") }
        return date
    }
}

