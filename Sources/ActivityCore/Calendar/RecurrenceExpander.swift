import Foundation

/// One occurrence, as the ledger counts it.
public struct EventInstance: Sendable, Equatable {
    public var uid: String
    /// Canonical RECURRENCE-ID key ("20261117T020000Z" or "20261117"); nil for a non-recurring event.
    public var recurrenceID: String?
    public var start: Date
    public var end: Date
    public var isAllDay: Bool
    /// The calendar date of an all-day instance (year, month, day).
    public var startDay: DateComponents?
    public var summary: String
    public var status: String?
    public var sequence: Int
    public var location: String?
    public var description: String?
    public var url: String?
    public var organizer: ICalParticipant?
    public var attendees: [ICalParticipant]
}

/// What one calendar's expansion may spend, shared by all its series and VTIMEZONEs: a calendar
/// object with tens of thousands of series or zones (each within its own limits) must not make
/// derivation hang or run out of memory. Found by probing what the fuzzer's small inputs cannot
/// reach: 40,000 daily series in 4 MB (2.6 GB and minutes for two months), 2,000 VTIMEZONEs with
/// a costly RRULE each in 540 KB (34 s).
final class ExpansionBudget {
    /// Instances still allowed.
    var instances: Int
    /// Work (days and candidates examined, as RecurrenceIterator counts it) still allowed.
    var work: Int
    /// VTIMEZONEs still to be computed.
    var vtimezones: Int

    init(instances: Int, work: Int, vtimezones: Int) {
        self.instances = instances
        self.work = work
        self.vtimezones = vtimezones
    }

    var isSpent: Bool { instances <= 0 || work <= 0 }
}

public enum RecurrenceExpander {
    /// Instances plus notes about what could not be understood exactly (unknown TZIDs, series cut by a limit).
    public struct Expansion: Sendable {
        public var instances: [EventInstance]
        public var notes: [String]
        /// Whether a limit cut the expansion (some instances are missing).
        public var truncated: Bool = false
        /// Series refused because their recurrence cannot be read (RRULE with an unknown part, an
        /// unsupported RSCALE): none of their instances are in `instances`.
        public var refused: [Refusal] = []
    }

    /// A series the expander refused, and why.
    public struct Refusal: Sendable, Equatable {
        public var uid: String
        public var reason: String
    }

    /// The widest window expanded; wider windows are clamped to this length from `from`.
    public static let maxWindow: TimeInterval = 3653 * 86_400

    /// Limits for one calendar (a CalDAV object or an invitation), whatever its series.
    public enum Limits {
        /// Instances in the window: a rep's calendar object is one meeting or series (an hourly
        /// series over the two-year ledger window is 17,520).
        public static let maxInstancesPerCalendar = 20_000
        /// Work for all the calendar's series and zones together (one series alone may use 3,000,000).
        public static let maxWorkPerCalendar = 10_000_000
        /// VTIMEZONEs computed (real objects carry one to three).
        public static let maxVTimeZonesPerCalendar = 32
        /// Notes kept (the rest are counted).
        static let maxNotes = 20
    }

    /// All instances of the events in `calendar` (grouped by UID: master + overrides) that START inside [from, to).
    /// Floating times and all-day dates are taken in `floatingZone`. An override (RECURRENCE-ID) replaces the
    /// instance it names, and its own DTSTART decides the window; EXDATE removes instances; RDATE adds them;
    /// a CANCELLED override keeps its instance with status CANCELLED. DTEND defaults: DATE → +1 day,
    /// DATE-TIME → the start; DURATION when given.
    public static func instances(of calendar: ICalendar, from: Date, to: Date, floatingZone: TimeZone,
                                 maxInstances: Int = 100_000) -> [EventInstance] {
        expand(calendar, from: from, to: to, floatingZone: floatingZone, maxInstances: maxInstances).instances
    }

    /// As `instances(of:from:to:floatingZone:maxInstances:)`, with notes.
    public static func expand(_ calendar: ICalendar, from: Date, to requestedTo: Date, floatingZone: TimeZone,
                              maxInstances: Int = 100_000) -> Expansion {
        var notes: [String] = []
        let to = min(requestedTo, from.addingTimeInterval(maxWindow))
        guard to > from else { return Expansion(instances: [], notes: []) }
        if requestedTo > to { notes.append("window clamped to \(Int(maxWindow / 86_400)) days") }
        let fromUTC = Int(from.timeIntervalSince1970.rounded(.up))
        let toUTC = Int(to.timeIntervalSince1970.rounded(.up))   // exclusive
        let horizon = CivilTime.date(ofDay: CivilTime.floorDiv(toUTC, CivilTime.secondsPerDay)).year + 2
        let budget = ExpansionBudget(instances: Limits.maxInstancesPerCalendar, work: Limits.maxWorkPerCalendar,
                                     vtimezones: Limits.maxVTimeZonesPerCalendar)
        let resolver = ICalZoneResolver(timeZones: calendar.timeZones, floatingZone: floatingZone, tzids: calendar.referencedTZIDs,
                                        horizonYear: max(horizon, 2040), budget: budget)
        var truncatedAny = !resolver.overBudget.isEmpty
        for tzid in calendar.referencedTZIDs.sorted() {
            if let note = resolver.note(for: tzid) { notes.append(note) }
        }

        // Group by UID, in document order.
        var order: [String] = []
        var groups: [String: [ICalEvent]] = [:]
        for e in calendar.events {
            if groups[e.uid] == nil { order.append(e.uid) }
            groups[e.uid, default: []].append(e)
        }

        var out: [EventInstance] = []
        var refused: [Refusal] = []
        var skippedUIDs = 0
        for uid in order {
            guard !budget.isSpent else {
                skippedUIDs += 1
                continue
            }
            let events = groups[uid] ?? []
            var master: ICalEvent? = nil
            for e in events where e.recurrenceID == nil {
                if master == nil || e.sequence >= master!.sequence { master = e }
            }
            // A rule that cannot be read (an unknown or misspelt part, an RSCALE not supported, RFC
            // 7529 section 3) refuses its series, overrides included; the file's other series count.
            if let master, let problem = master.problem {
                refused.append(.init(uid: uid, reason: problem))
                notes.append("UID \(uid.prefix(80)): series refused: \(problem)")
                continue
            }
            let masterIsDate = master?.start?.isDate == true
            var overrides: [String: ICalEvent] = [:]
            var overrideOrder: [String] = []
            for e in events {
                guard let rid = e.recurrenceID else { continue }
                let key = overrideKey(rid, masterIsDate: masterIsDate, resolver: resolver)
                if let old = overrides[key] {
                    if e.sequence >= old.sequence { overrides[key] = e }
                } else {
                    overrides[key] = e
                    overrideOrder.append(key)
                }
            }
            if let master, let start = master.start {
                let series = Series(event: master, start: start, resolver: resolver)
                let isRecurring = master.rrule != nil || !master.rdates.isEmpty || !overrides.isEmpty
                // Revisions (RFC 5545 3.8.7.4 SEQUENCE, 3.8.5.1 EXDATE, 3.3.10 UNTIL): an override
                // older than the master whose instance the newer master no longer has (its day
                // EXDATEd, or past a new UNTIL: Google's and Outlook's "this and following") was
                // cancelled by that edit.
                let stale = overrides.filter { $0.value.sequence < master.sequence }
                if !stale.isEmpty {
                    let ridUTCs = stale.values.map { resolver.utcSeconds(of: $0.recurrenceID!) }
                    let day = CivilTime.secondsPerDay
                    let (around, _) = series.occurrences(fromUTC: ridUTCs.min()! - 2 * day, toUTC: ridUTCs.max()! + 2 * day,
                                                         maxInstances: maxInstances, budget: budget)
                    let keys = Set(around.map(\.key))
                    for key in stale.keys.sorted() where !keys.contains(key) {
                        overrides[key] = nil
                        notes.append("UID \(uid.prefix(80)): override \(key) (SEQUENCE \(stale[key]!.sequence)) dropped: the newer series (SEQUENCE \(master.sequence)) no longer has that instance")
                    }
                }
                // RANGE=THISANDFUTURE (RFC 5545 3.2.13, 3.8.4.4): the override's shift, length and
                // properties apply to every later instance, up to the next such override.
                var futures: [Future] = []
                for key in overrideOrder {
                    guard let e = overrides[key], e.rangeThisAndFuture, let rid = e.recurrenceID else { continue }
                    let ridUTC = resolver.utcSeconds(of: rid)
                    let newStart = e.start ?? rid
                    let shift = series.zone.local(fromUTC: resolver.utcSeconds(of: newStart)) - series.zone.local(fromUTC: ridUTC)
                    futures.append(Future(ridUTC: ridUTC, shift: shift,
                                          series: Series(event: e, start: newStart, resolver: resolver, durationFrom: master)))
                }
                futures.sort { $0.ridUTC < $1.ridUTC }
                let margin = futures.isEmpty ? 0 : futures.map { abs($0.shift) }.max()! + CivilTime.secondsPerDay
                // The series' own limit goes to the iterator (a COUNT series counts from DTSTART,
                // long before the window); the calendar's budget caps what lands in the window.
                var (occurrences, truncated) = series.occurrences(fromUTC: fromUTC - margin, toUTC: toUTC + margin,
                                                                  maxInstances: maxInstances, budget: budget)
                let cap = min(maxInstances, budget.instances)
                if occurrences.count > cap {
                    occurrences.removeLast(occurrences.count - cap)
                    truncated = true
                }
                if truncated {
                    truncatedAny = true
                    notes.append("UID \(uid.prefix(80)): expansion stopped at a limit")
                }
                for o in occurrences where overrides[o.key] == nil {
                    let rid = isRecurring ? o.key : nil
                    if let f = futures.last(where: { $0.ridUTC < o.utc }) {
                        let utc = series.zone.utc(fromLocal: o.local + f.shift)
                        guard utc >= fromUTC && utc < toUTC else { continue }
                        let moved = Series.Occurrence(local: f.series.zone.local(fromUTC: utc), utc: utc, key: o.key)
                        out.append(f.series.instance(at: moved, recurrenceID: rid))
                    } else if o.utc >= fromUTC && o.utc < toUTC {
                        out.append(series.instance(at: o, recurrenceID: rid))
                    }
                }
                budget.instances -= occurrences.count
            }
            for key in overrideOrder {
                guard budget.instances > 0, budget.work > 0 else {
                    truncatedAny = true
                    notes.append("UID \(uid.prefix(80)): overrides not expanded past the calendar's limit")
                    break
                }
                guard let e = overrides[key] else { continue }
                // Without DTSTART an override keeps the time its RECURRENCE-ID names.
                guard let start = e.start ?? e.recurrenceID else { continue }
                let series = Series(event: e, start: start, resolver: resolver, durationFrom: master)
                let o = series.first
                budget.work -= 1
                if o.utc >= fromUTC && o.utc < toUTC {
                    out.append(series.instance(at: o, recurrenceID: key))
                    budget.instances -= 1
                }
            }
        }
        if skippedUIDs > 0 {
            truncatedAny = true
            notes.append("\(skippedUIDs) events not expanded: the calendar reached its limit of \(Limits.maxInstancesPerCalendar) instances or of its work")
        }
        if notes.count > Limits.maxNotes {
            let more = notes.count - Limits.maxNotes
            notes.removeLast(more)
            notes.append("and \(more) more notes")
        }
        out.sort { a, b in
            if a.start != b.start { return a.start < b.start }
            if a.uid != b.uid { return a.uid < b.uid }
            return (a.recurrenceID ?? "") < (b.recurrenceID ?? "")
        }
        return Expansion(instances: out, notes: notes, truncated: truncatedAny, refused: refused)
    }

    /// The key of an override's RECURRENCE-ID. Exchange names the day of an all-day series'
    /// instance with a DATE-TIME (midnight in the organiser's zone, or that midnight in UTC):
    /// for a series whose DTSTART is a DATE it is that date, so the override replaces the day's
    /// instance instead of standing beside it (RFC 5545 3.8.4.4: same value type as DTSTART).
    static func overrideKey(_ rid: ICalDateTime, masterIsDate: Bool, resolver: ICalZoneResolver) -> String {
        guard masterIsDate, !rid.isDate else { return rid.canonicalKey(resolver: resolver) }
        let day = rid.zone == .utc
            ? CivilTime.floorDiv(resolver.floating.local(fromUTC: rid.localSeconds), CivilTime.secondsPerDay)
            : rid.dayNumber
        return ICalDateTime.dateKey(day: day)
    }
}

/// A RANGE=THISANDFUTURE override: from its RECURRENCE-ID on, instances move by `shift` (wall-clock
/// seconds in the master's zone) and take the override's length and properties.
private struct Future {
    var ridUTC: Int
    var shift: Int
    var series: Series
}

/// One event's occurrences: the zone arithmetic around `RecurrenceIterator`.
private struct Series {
    struct Occurrence {
        var local: Int    // wall-clock seconds in the series' zone (all-day: the date at midnight)
        var utc: Int
        var key: String
        /// The instance's own length in seconds (an RDATE;VALUE=PERIOD), instead of the event's.
        var length: Int? = nil
    }

    let event: ICalEvent
    let start: ICalDateTime
    let zone: ZoneOffsets
    let isDate: Bool
    let resolver: ICalZoneResolver
    /// The event whose DTEND/DURATION gives the length when `event` has neither (an override without DTEND).
    let durationSource: ICalEvent?

    init(event: ICalEvent, start: ICalDateTime, resolver: ICalZoneResolver, durationFrom: ICalEvent? = nil) {
        self.event = event
        self.start = start
        self.resolver = resolver
        self.isDate = start.isDate
        self.zone = start.isDate ? resolver.floating : resolver.offsets(for: start.zone)
        self.durationSource = (event.end == nil && event.nominalDuration == nil) ? durationFrom : nil
    }

    func occurrence(local: Int) -> Occurrence {
        let utc = zone.utc(fromLocal: local)
        let key = isDate ? ICalDateTime.dateKey(day: CivilTime.floorDiv(local, CivilTime.secondsPerDay)) : ICalDateTime.utcKey(utc)
        return Occurrence(local: local, utc: utc, key: key)
    }

    var first: Occurrence { occurrence(local: start.localSeconds) }

    /// The occurrences starting in [fromUTC, toUTC), sorted; `truncated` when a limit cut the series.
    func occurrences(fromUTC: Int, toUTC: Int, maxInstances: Int, budget: ExpansionBudget) -> ([Occurrence], Bool) {
        let dtstart = start.localSeconds
        // Wall-clock bounds of the window, with a day's margin for offset changes within the zone.
        let margin = CivilTime.secondsPerDay
        let startLocal = zone.local(fromUTC: fromUTC) - margin
        let endLocal = zone.local(fromUTC: toUTC) + margin
        var locals: [Int]
        var truncated = false
        if let rule = event.rrule {
            let until = rule.until
            let untilCheck: (Int) -> Bool
            if let until {
                if isDate {
                    let untilDay: Int
                    if until.isDate || until.zone != .utc {
                        untilDay = until.dayNumber
                    } else {
                        untilDay = CivilTime.floorDiv(resolver.floating.local(fromUTC: until.localSeconds), CivilTime.secondsPerDay)
                    }
                    untilCheck = { CivilTime.floorDiv($0, CivilTime.secondsPerDay) > untilDay }
                } else if until.isDate {
                    // A DATE UNTIL with a DATE-TIME start: through the end of that day, in the start's zone.
                    let lastLocal = (until.dayNumber + 1) * CivilTime.secondsPerDay - 1
                    untilCheck = { $0 > lastLocal }
                } else {
                    let untilUTC = until.zone == .utc ? until.localSeconds
                        : (until.zone == .floating ? zone : resolver.offsets(for: until.zone)).utc(fromLocal: until.localSeconds)
                    let z = zone
                    untilCheck = { z.utc(fromLocal: $0) > untilUTC }
                }
            } else {
                untilCheck = { _ in false }
            }
            let iterator = RecurrenceIterator(rule: rule, start: dtstart, isDate: isDate)
            let cap = min(maxInstances, Int.max - 1) + 1
            let z = zone
            var work = 0
            let maxWork = min(3_000_000, max(1, budget.work))
            locals = iterator.occurrences(startLocal: startLocal, endLocal: endLocal, isAfterUntil: untilCheck,
                                          isBeforeWindow: { z.utc(fromLocal: $0) < fromUTC },
                                          limits: .init(maxOccurrences: cap, maxWork: maxWork), work: &work)
            budget.work -= work + 1
            if locals.count >= cap && (rule.count ?? Int.max) > locals.count { truncated = true }
            if work > maxWork && maxWork < 3_000_000 { truncated = true }   // the calendar's budget, not the rule, ended it
        } else {
            locals = [dtstart]
            budget.work -= 1
        }

        var byKey: [String: Occurrence] = [:]
        for l in locals {
            let o = occurrence(local: l)
            byKey[o.key] = o
        }
        for (index, r) in event.rdates.enumerated() {
            let local: Int
            if isDate {
                local = r.dayNumber * CivilTime.secondsPerDay
            } else if r.isDate {
                local = r.dayNumber * CivilTime.secondsPerDay + CivilTime.floorMod(dtstart, CivilTime.secondsPerDay)
            } else if r.zone == start.zone {
                local = r.localSeconds
            } else {
                local = zone.local(fromUTC: resolver.utcSeconds(of: r))
            }
            var o = occurrence(local: local)
            // RFC 5545 3.8.5.2: an RDATE;VALUE=PERIOD instance lasts as long as its period.
            switch event.rdatePeriodEnds[index] {
            case .end(let end)?:
                o.length = max(0, resolver.utcSeconds(of: end) - o.utc)
            case .duration(let d)?:
                o.length = max(0, zone.utc(fromLocal: o.local + d.days * CivilTime.secondsPerDay) + d.seconds - o.utc)
            case nil:
                break
            }
            byKey[o.key] = o
        }
        if !event.exdates.isEmpty {
            var excludedKeys = Set<String>()
            var excludedDays = Set<Int>()
            for x in event.exdates {
                if isDate || x.isDate {
                    excludedDays.insert(x.dayNumber)
                } else {
                    excludedKeys.insert(x.zone == start.zone ? occurrence(local: x.localSeconds).key
                                                             : ICalDateTime.utcKey(resolver.utcSeconds(of: x)))
                }
            }
            byKey = byKey.filter { _, o in
                !excludedKeys.contains(o.key) && !excludedDays.contains(CivilTime.floorDiv(o.local, CivilTime.secondsPerDay))
            }
        }
        let result = byKey.values.filter { $0.utc >= fromUTC && $0.utc < toUTC }.sorted { $0.utc < $1.utc }
        return (result, truncated)
    }

    func instance(at o: Occurrence, recurrenceID: String?) -> EventInstance {
        let source = durationSource ?? event
        let sourceStart = source.start ?? start
        var endUTC = o.utc
        if let length = o.length {
            endUTC = o.utc + length
        } else if let end = source.end {
            if isDate || (sourceStart.isDate && end.isDate) {
                let days = max(0, end.dayNumber - sourceStart.dayNumber)
                endUTC = zone.utc(fromLocal: o.local + days * CivilTime.secondsPerDay)
            } else {
                let length = resolver.utcSeconds(of: end) - resolver.utcSeconds(of: sourceStart)
                endUTC = o.utc + max(0, length)
            }
        } else if let d = source.nominalDuration {
            endUTC = zone.utc(fromLocal: o.local + d.days * CivilTime.secondsPerDay) + d.seconds
            if endUTC < o.utc { endUTC = o.utc }
        } else if isDate {
            endUTC = zone.utc(fromLocal: o.local + CivilTime.secondsPerDay)
        }
        var day: DateComponents? = nil
        if isDate {
            let d = CivilTime.date(ofDay: CivilTime.floorDiv(o.local, CivilTime.secondsPerDay))
            day = DateComponents(year: d.year, month: d.month, day: d.day)
        }
        return EventInstance(uid: event.uid, recurrenceID: recurrenceID,
                             start: Date(timeIntervalSince1970: TimeInterval(o.utc)),
                             end: Date(timeIntervalSince1970: TimeInterval(endUTC)),
                             isAllDay: isDate, startDay: day, summary: event.summary, status: event.status,
                             sequence: event.sequence, location: event.location, description: event.description,
                             url: event.url, organizer: event.organizer, attendees: event.attendees)
    }
}
