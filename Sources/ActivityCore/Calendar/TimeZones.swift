import Foundation

/// A VTIMEZONE: its STANDARD and DAYLIGHT observances (RFC 5545 3.6.5).
public struct ICalTimeZone: Sendable {
    public struct Observance: Sendable {
        public var isDaylight: Bool
        /// Onset as local time in `offsetFrom` (DTSTART).
        public var start: ICalDateTime
        /// Seconds east of UTC before the onset (TZOFFSETFROM).
        public var offsetFrom: Int
        /// Seconds east of UTC from the onset (TZOFFSETTO).
        public var offsetTo: Int
        public var rrule: RecurrenceRule?
        public var rdates: [ICalDateTime]
        public var name: String?

        public init(isDaylight: Bool, start: ICalDateTime, offsetFrom: Int, offsetTo: Int,
                    rrule: RecurrenceRule? = nil, rdates: [ICalDateTime] = [], name: String? = nil) {
            self.isDaylight = isDaylight
            self.start = start
            self.offsetFrom = offsetFrom
            self.offsetTo = offsetTo
            self.rrule = rrule
            self.rdates = rdates
            self.name = name
        }
    }

    public var tzid: String
    public var observances: [Observance]

    public init(tzid: String, observances: [Observance]) {
        self.tzid = tzid
        self.observances = observances
    }

    /// Seconds east of UTC in effect at `date`.
    public func utcOffset(at date: Date) -> Int {
        let t = Int(date.timeIntervalSince1970.rounded(.down))
        let year = CivilTime.date(ofDay: CivilTime.floorDiv(t, CivilTime.secondsPerDay)).year
        return offsets(throughYear: year + 1).offset(atUTC: t)
    }

    /// The transitions of all observances up to the end of `lastYear`, as an offset table. A
    /// `budget` shared with the calendar's other zones and series bounds the work.
    func offsets(throughYear lastYear: Int, budget: ExpansionBudget? = nil) -> ZoneOffsets {
        var transitions: [(at: Int, offset: Int, from: Int)] = []
        let horizon = CivilTime.dayNumber(year: min(lastYear, 9999) + 1, month: 1, day: 1) * CivilTime.secondsPerDay
        for o in observances {
            let startLocal = o.start.localSeconds
            if let rule = o.rrule {
                var untilUTC: Int? = nil
                if let u = rule.until {
                    switch u.zone {
                    case .utc: untilUTC = u.localSeconds
                    default: untilUTC = u.isDate ? (u.dayNumber + 1) * CivilTime.secondsPerDay - 1 - o.offsetFrom
                                                 : u.localSeconds - o.offsetFrom
                    }
                }
                let iterator = RecurrenceIterator(rule: rule, start: startLocal, isDate: false)
                var work = 0
                // Real zones change twice a year: a few hundred onsets, little work.
                let onsets = iterator.occurrences(startLocal: nil, endLocal: horizon, isAfterUntil: { local in
                    guard let untilUTC else { return false }
                    return local - o.offsetFrom > untilUTC
                }, limits: .init(maxOccurrences: 5000, maxWork: min(1_000_000, max(1, budget?.work ?? .max))), work: &work)
                budget?.work -= work + 1
                for local in onsets { transitions.append((local - o.offsetFrom, o.offsetTo, o.offsetFrom)) }
            } else {
                transitions.append((startLocal - o.offsetFrom, o.offsetTo, o.offsetFrom))
            }
            for r in o.rdates {
                let at = r.zone == .utc ? r.localSeconds : r.localSeconds - o.offsetFrom
                if at != startLocal - o.offsetFrom { transitions.append((at, o.offsetTo, o.offsetFrom)) }
            }
        }
        transitions.sort { $0.at < $1.at }
        guard let first = transitions.first else {
            return ZoneOffsets(kind: .fixed(observances.first?.offsetTo ?? 0))
        }
        // Before the first onset, the offset that onset came from.
        return ZoneOffsets(kind: .table(at: transitions.map(\.at), offsets: transitions.map(\.offset), initial: first.from))
    }
}

/// How a zone maps instants to wall-clock time and back.
struct ZoneOffsets: Sendable {
    enum Kind: Sendable {
        case fixed(Int)
        case system(TimeZone)
        case table(at: [Int], offsets: [Int], initial: Int)
    }

    let kind: Kind

    static let utc = ZoneOffsets(kind: .fixed(0))

    func offset(atUTC t: Int) -> Int {
        switch kind {
        case .fixed(let o):
            return o
        case .system(let zone):
            return zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(t)))
        case .table(let at, let offsets, let initial):
            // Last transition at or before t.
            var lo = 0, hi = at.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if at[mid] <= t { lo = mid + 1 } else { hi = mid }
            }
            return lo == 0 ? initial : offsets[lo - 1]
        }
    }

    func local(fromUTC t: Int) -> Int { t + offset(atUTC: t) }

    /// The instant of a wall-clock time (RFC 5545 3.3.5): an ambiguous time (the repeated hour when clocks go back)
    /// is the first of the two; a nonexistent time (the gap when clocks go forward) is read with the offset
    /// before the gap, which moves it forward by the gap's length.
    func utc(fromLocal l: Int) -> Int {
        if case .fixed(let o) = kind { return l - o }
        let candidates = [offset(atUTC: l - 129_600), offset(atUTC: l), offset(atUTC: l + 129_600)]
        var best: Int? = nil
        for o in candidates where offset(atUTC: l - o) == o {
            best = max(best ?? o, o)
        }
        if let best { return l - best }
        // In a gap: the offset in effect just before it.
        let after = candidates.max() ?? 0
        return l - offset(atUTC: l - after)
    }
}

/// Resolves TZIDs: IANA names from the system tzdata, then Windows names (CLDR windowsZones), then the
/// calendar's own VTIMEZONE definitions, then recognisable decorations of IANA and Windows names
/// ("/freeassociation.sourceforge.net/Tzfile/Europe/Berlin", "(UTC+08:00) Beijing, Chongqing, Hong Kong, Urumqi").
/// An unknown TZID is read in the floating zone, with a note.
public struct ICalZoneResolver: Sendable {
    public enum Source: Sendable, Hashable {
        case iana, windows, vtimezone, alias, unknown
    }

    /// How one TZID was understood.
    public struct Resolution: Sendable {
        public let tzid: String
        public let source: Source
        /// The IANA identifier used, nil for VTIMEZONE-only and unknown zones.
        public let identifier: String?
        let offsets: ZoneOffsets
    }

    public let floatingZone: TimeZone
    let floating: ZoneOffsets
    private let resolved: [String: Resolution]
    private let timeZones: [String: ICalTimeZone]
    private let horizonYear: Int

    /// TZIDs whose VTIMEZONE was not computed because the calendar's budget ran out.
    public private(set) var overBudget: Set<String> = []

    /// `horizonYear`: VTIMEZONE rules are expanded through this year (later instants use the last transition).
    /// `budget`: shared by every VTIMEZONE computed here (and the caller's series); a zone left when
    /// it is spent is read as floating, and listed in `overBudget`.
    init(timeZones: [String: ICalTimeZone], floatingZone: TimeZone, tzids: some Sequence<String> = [String](),
         horizonYear: Int = 2100, budget: ExpansionBudget?) {
        self.floatingZone = floatingZone
        self.floating = ICalZoneResolver.offsets(for: floatingZone)
        self.timeZones = timeZones
        self.horizonYear = horizonYear
        var map: [String: Resolution] = [:]
        var over: Set<String> = []
        for tzid in tzids where map[tzid] == nil {
            if let budget, budget.work <= 0 || budget.vtimezones <= 0, timeZones[tzid] != nil {
                over.insert(tzid)
                map[tzid] = Resolution(tzid: tzid, source: .unknown, identifier: nil, offsets: .utc)
                continue
            }
            let r = ICalZoneResolver.resolve(tzid, timeZones: timeZones, horizonYear: horizonYear, budget: budget)
            if r.source == .vtimezone { budget?.vtimezones -= 1 }
            map[tzid] = r
        }
        self.resolved = map
        self.overBudget = over
    }

    public init(timeZones: [String: ICalTimeZone], floatingZone: TimeZone, tzids: some Sequence<String> = [String](),
                horizonYear: Int = 2100) {
        self.init(timeZones: timeZones, floatingZone: floatingZone, tzids: tzids, horizonYear: horizonYear, budget: nil)
    }

    /// A resolver for every TZID `calendar` uses.
    public init(calendar: ICalendar, floatingZone: TimeZone, horizonYear: Int = 2100) {
        self.init(timeZones: calendar.timeZones, floatingZone: floatingZone, tzids: calendar.referencedTZIDs,
                  horizonYear: horizonYear)
    }

    /// How `tzid` is understood.
    public func resolution(of tzid: String) -> Resolution {
        // A TZID not resolved up front is computed now, once per call: with a budget, never
        // (the caller named every TZID it uses), so nothing escapes it.
        resolved[tzid] ?? ICalZoneResolver.resolve(tzid, timeZones: timeZones, horizonYear: horizonYear, budget: nil)
    }

    /// A note for a TZID that could not be resolved (its times are then floating), else nil.
    public func note(for tzid: String) -> String? {
        if overBudget.contains(tzid) {
            return "TZID \"\(tzid.prefix(100))\": its VTIMEZONE was not computed (the calendar has too many or too costly zones); its times are read in \(floatingZone.identifier)"
        }
        guard resolution(of: tzid).source == .unknown else { return nil }
        return "TZID \"\(tzid.prefix(100))\" is not a known time zone; its times are read in \(floatingZone.identifier)"
    }

    func offsets(for zone: ICalDateTime.Zone) -> ZoneOffsets {
        switch zone {
        case .utc: return .utc
        case .floating: return floating
        case .tzid(let id):
            let r = resolution(of: id)
            return r.source == .unknown ? floating : r.offsets
        }
    }

    /// Seconds since 1970 of a value (dates: midnight in the floating zone).
    func utcSeconds(of value: ICalDateTime) -> Int {
        if value.isDate { return floating.utc(fromLocal: value.localSeconds) }
        return offsets(for: value.zone).utc(fromLocal: value.localSeconds)
    }

    static func offsets(for zone: TimeZone) -> ZoneOffsets {
        if zone.identifier == "UTC" || zone.identifier == "GMT" { return .utc }
        return ZoneOffsets(kind: .system(zone))
    }

    // MARK: - Resolution

    static func resolve(_ tzid: String, timeZones: [String: ICalTimeZone], horizonYear: Int, budget: ExpansionBudget?) -> Resolution {
        if let (identifier, source) = systemIdentifier(for: tzid, decorations: false), let zone = TimeZone(identifier: identifier) {
            return Resolution(tzid: tzid, source: source, identifier: identifier, offsets: offsets(for: zone))
        }
        if let vtz = timeZones[tzid], !vtz.observances.isEmpty {
            return Resolution(tzid: tzid, source: .vtimezone, identifier: nil,
                              offsets: vtz.offsets(throughYear: horizonYear, budget: budget))
        }
        if let (identifier, source) = systemIdentifier(for: tzid, decorations: true), let zone = TimeZone(identifier: identifier) {
            return Resolution(tzid: tzid, source: source, identifier: identifier, offsets: offsets(for: zone))
        }
        return Resolution(tzid: tzid, source: .unknown, identifier: nil, offsets: .utc)
    }

    /// The IANA identifier for a TZID, without looking at VTIMEZONEs: an IANA name, a Windows name, or
    /// (with `decorations`) a prefixed IANA name or a Windows display name.
    public static func ianaIdentifier(for tzid: String) -> String? {
        systemIdentifier(for: tzid, decorations: false)?.0 ?? systemIdentifier(for: tzid, decorations: true)?.0
    }

    private static func systemIdentifier(for raw: String, decorations: Bool) -> (String, Source)? {
        let tzid = raw.trimmingCharacters(in: CharacterSet.whitespaces.union(CharacterSet(charactersIn: "\"")))
        guard !tzid.isEmpty, tzid.count <= 200 else { return nil }
        if !decorations {
            if isPlausibleIANA(tzid), let zone = TimeZone(identifier: tzid) { return (zone.identifier, .iana) }
            if let iana = WindowsZones.byWindowsName[tzid.lowercased()] { return (iana, .windows) }
            return nil
        }
        // "/freeassociation.sourceforge.net/Tzfile/Europe/Berlin", "/mozilla.org/20070129_1/Europe/Berlin",
        // "/softwarestudio.org/Olson_20011030_5/America/New_York": the longest IANA-looking tail.
        let parts = tzid.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        if parts.count >= 2 {
            for length in stride(from: min(3, parts.count), through: 1, by: -1) {
                let tail = parts.suffix(length).joined(separator: "/")
                if length >= 2 || tail.uppercased() == "UTC", isPlausibleIANA(tail), let zone = TimeZone(identifier: tail) {
                    return (zone.identifier, .alias)
                }
            }
            if let last = parts.last, let iana = WindowsZones.byWindowsName[last.lowercased()] { return (iana, .alias) }
        }
        // Windows display names: "(UTC+08:00) Beijing, Chongqing, Hong Kong, Urumqi", "(GMT+08:00) Beijing, …".
        if tzid.hasPrefix("(") {
            let key = WindowsZones.normalizedDisplay(tzid)
            if let iana = WindowsZones.byDisplayName[key] { return (iana, .alias) }
        }
        return nil
    }

    /// Foundation accepts odd strings ("GMT+0800", abbreviations); only take names that look like tzdata names.
    private static func isPlausibleIANA(_ s: String) -> Bool {
        s.utf8.allSatisfy { c in
            (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39)
                || c == UInt8(ascii: "/") || c == UInt8(ascii: "_") || c == UInt8(ascii: "-") || c == UInt8(ascii: "+")
        }
    }
}
