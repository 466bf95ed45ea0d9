import Foundation

/// Expands an RRULE over wall-clock time ("local seconds": the local date-time read as if it were UTC).
/// Zones are the caller's business: it converts each local value to an instant.
///
/// The period-by-period algorithm of RFC 5545 3.3.10: each FREQ period (year, month, week, day, hour,
/// minute, second, stepped by INTERVAL) yields the days that pass every BYxxx day rule times the times
/// of day that pass BYHOUR/BYMINUTE/BYSECOND, sorted; BYSETPOS then picks from that set; then COUNT
/// and UNTIL apply. DTSTART is always the first occurrence and counts in COUNT.
struct RecurrenceIterator {
    struct Limits {
        /// At most this many occurrences (DTSTART included).
        var maxOccurrences: Int
        /// Upper bound on the work (days and candidates examined) for one series.
        var maxWork: Int = 3_000_000
    }

    let rule: RecurrenceRule
    let start: Int           // local seconds of DTSTART
    let isDate: Bool

    private let startDay: Int
    private let startSecond: Int
    private let byMonth: Set<Int>
    private let sortedMonths: [Int]
    private let byMonthDay: Set<Int>
    private let byYearDay: Set<Int>
    private let byWeekNo: Set<Int>
    private let byDayPlain: Set<Int>
    private let byDayOrdinal: [(ordinal: Int, weekday: Int)]
    private let hasByDay: Bool
    private let ordinalsInMonth: Bool
    private let hours: [Int]?       // nil: no restriction (sub-hourly FREQ without BYHOUR)
    private let minutes: [Int]?
    private let seconds: [Int]?
    private let timesOfDay: [Int]   // for FREQ ≥ DAILY
    private let weekStart: Int

    init(rule: RecurrenceRule, start: Int, isDate: Bool) {
        self.rule = rule
        self.start = start
        self.isDate = isDate
        let (day, second) = CivilTime.split(start)
        startDay = day
        startSecond = second
        let date = CivilTime.date(ofDay: day)
        weekStart = rule.weekStart.rawValue

        var months = Set(rule.byMonth)
        var monthDays = Set(rule.byMonthDay)
        var plain = Set<Int>()
        var ordinals: [(Int, Int)] = []
        let freq = rule.frequency
        for entry in rule.byDay {
            if entry.ordinal == 0 || freq < .monthly {
                plain.insert(entry.weekday.rawValue)
            } else {
                ordinals.append((entry.ordinal, entry.weekday.rawValue))
            }
        }
        let hasDayRule = !rule.byWeekNo.isEmpty || !rule.byYearDay.isEmpty || !rule.byMonthDay.isEmpty || !rule.byDay.isEmpty
        ordinalsInMonth = freq == .monthly || (freq == .yearly && !rule.byMonth.isEmpty)
        if !hasDayRule {
            switch freq {
            case .yearly:
                if months.isEmpty { months = [date.month] }
                monthDays = [date.day]
            case .monthly:
                monthDays = [date.day]
            case .weekly:
                plain = [CivilTime.weekday(ofDay: day)]
            default:
                break
            }
        }
        byMonth = months
        sortedMonths = months.sorted()
        byMonthDay = monthDays
        byYearDay = Set(rule.byYearDay)
        byWeekNo = Set(rule.byWeekNo)
        byDayPlain = plain
        byDayOrdinal = ordinals
        hasByDay = !plain.isEmpty || !ordinals.isEmpty

        if isDate {
            hours = [0]; minutes = [0]; seconds = [0]
        } else {
            let h = second / 3600, m = second / 60 % 60, s = second % 60
            hours = !rule.byHour.isEmpty ? rule.byHour.sorted() : (freq > .hourly ? [h] : nil)
            minutes = !rule.byMinute.isEmpty ? rule.byMinute.sorted() : (freq > .minutely ? [m] : nil)
            // A leap second (60) never exists on the wall clock here; it is dropped.
            let secs = rule.bySecond.filter { $0 < 60 }
            seconds = !rule.bySecond.isEmpty ? secs.sorted() : (freq > .secondly ? [s] : nil)
        }
        var times: [Int] = []
        if let hours, let minutes, let seconds {
            for h in hours { for m in minutes { for s in seconds { times.append(h * 3600 + m * 60 + s) } } }
        }
        timesOfDay = times.sorted()
    }

    // MARK: - Day rules

    func dayMatches(_ n: Int) -> Bool {
        if byMonth.isEmpty && byMonthDay.isEmpty && byYearDay.isEmpty && byWeekNo.isEmpty && !hasByDay { return true }
        let date = CivilTime.date(ofDay: n)
        if !byMonth.isEmpty && !byMonth.contains(date.month) { return false }
        if !byWeekNo.isEmpty {
            let (week, weeks) = CivilTime.weekNumber(ofDay: n, weekStart: weekStart)
            if !byWeekNo.contains(week) && !byWeekNo.contains(week - weeks - 1) { return false }
        }
        var yearDay = 0, yearLength = 0
        if !byYearDay.isEmpty || !byDayOrdinal.isEmpty {
            yearDay = n - CivilTime.dayNumber(year: date.year, month: 1, day: 1) + 1
            yearLength = CivilTime.daysInYear(date.year)
        }
        if !byYearDay.isEmpty && !byYearDay.contains(yearDay) && !byYearDay.contains(yearDay - yearLength - 1) { return false }
        let monthLength = CivilTime.daysInMonth(year: date.year, month: date.month)
        if !byMonthDay.isEmpty && !byMonthDay.contains(date.day) && !byMonthDay.contains(date.day - monthLength - 1) { return false }
        if hasByDay {
            let weekday = CivilTime.weekday(ofDay: n)
            if byDayPlain.contains(weekday) { return true }
            for (ordinal, wd) in byDayOrdinal where wd == weekday {
                let (index, length) = ordinalsInMonth ? (date.day, monthLength) : (yearDay, yearLength)
                if ordinal > 0 ? (index - 1) / 7 + 1 == ordinal : -((length - index) / 7 + 1) == ordinal { return true }
            }
            return false
        }
        return true
    }

    // MARK: - Expansion

    /// Occurrences in increasing order, DTSTART first, stopping after the period that starts past `endLocal`.
    /// Without COUNT, periods before `startLocal` are skipped, and occurrences `isBeforeWindow` rejects are
    /// neither kept nor counted against the limit (they cannot matter to the window).
    /// `isAfterUntil` decides UNTIL (the caller compares instants).
    func occurrences(startLocal: Int?, endLocal: Int, isAfterUntil: (Int) -> Bool, isBeforeWindow: ((Int) -> Bool)? = nil,
                     limits: Limits) -> [Int] {
        var work = 0
        return occurrences(startLocal: startLocal, endLocal: endLocal, isAfterUntil: isAfterUntil, isBeforeWindow: isBeforeWindow,
                           limits: limits, work: &work)
    }

    /// As above; `work` is increased by the work done (for a budget shared by several series).
    func occurrences(startLocal: Int?, endLocal: Int, isAfterUntil: (Int) -> Bool, isBeforeWindow: ((Int) -> Bool)? = nil,
                     limits: Limits, work workDone: inout Int) -> [Int] {
        var work = 0
        defer { workDone += work }
        var out: [Int] = []
        let maxCount = min(rule.count ?? Int.max, limits.maxOccurrences)
        guard maxCount > 0 else { return out }
        // RFC 5545: DTSTART is always the first instance (and counts in COUNT), even when it is off the rule.
        out.append(start)
        if out.count >= maxCount { return out }
        let interval = rule.interval
        let freq = rule.frequency
        var emptyRun = 0
        // Periods with no candidate in a full calendar cycle (400 years) mean the rule never matches.
        let cycle: Int
        switch freq {
        case .yearly: cycle = 400
        case .monthly: cycle = 4800
        case .weekly: cycle = 20_871
        default: cycle = 146_097
        }

        // Period index origin and first index.
        let startDate = CivilTime.date(ofDay: startDay)
        var k = 0
        let skipTo: Int? = rule.count == nil ? startLocal : nil
        let weekOrigin = startDay - CivilTime.floorMod(CivilTime.weekday(ofDay: startDay) - weekStart, 7)
        let unit: Int
        switch freq {
        case .hourly: unit = 3600
        case .minutely: unit = 60
        case .secondly: unit = 1
        default: unit = 0
        }
        let subDailyOrigin = unit > 0 ? CivilTime.floorDiv(start, unit) : 0
        if let skipTo {
            let skipDay = CivilTime.floorDiv(skipTo, CivilTime.secondsPerDay)
            let raw: Int
            switch freq {
            case .yearly: raw = CivilTime.date(ofDay: skipDay).year - startDate.year
            case .monthly:
                let d = CivilTime.date(ofDay: skipDay)
                raw = (d.year * 12 + d.month) - (startDate.year * 12 + startDate.month)
            case .weekly: raw = CivilTime.floorDiv(skipDay - weekOrigin, 7)
            case .daily: raw = skipDay - startDay
            default: raw = CivilTime.floorDiv(skipTo, unit) - subDailyOrigin
            }
            k = max(0, CivilTime.floorDiv(raw, interval) - 1)
        }

        var candidates: [Int] = []
        periods: while true {
            candidates.removeAll(keepingCapacity: true)
            var periodStart = 0
            switch freq {
            case .yearly, .monthly, .weekly, .daily:
                let firstDay: Int, dayCount: Int
                var ranges: [Range<Int>]? = nil
                switch freq {
                case .yearly:
                    let y = startDate.year + k * interval
                    if y > 9999 { break periods }
                    firstDay = CivilTime.dayNumber(year: y, month: 1, day: 1)
                    dayCount = CivilTime.daysInYear(y)
                    if !sortedMonths.isEmpty {
                        // Only the BYMONTH months can match.
                        ranges = sortedMonths.map { m in
                            let first = CivilTime.dayNumber(year: y, month: m, day: 1)
                            return first..<(first + CivilTime.daysInMonth(year: y, month: m))
                        }
                    }
                case .monthly:
                    let index = startDate.year * 12 + (startDate.month - 1) + k * interval
                    let y = CivilTime.floorDiv(index, 12), m = CivilTime.floorMod(index, 12) + 1
                    if y > 9999 { break periods }
                    firstDay = CivilTime.dayNumber(year: y, month: m, day: 1)
                    dayCount = CivilTime.daysInMonth(year: y, month: m)
                case .weekly:
                    firstDay = weekOrigin + k * interval * 7
                    dayCount = 7
                default:
                    firstDay = startDay + k * interval
                    dayCount = 1
                }
                periodStart = firstDay * CivilTime.secondsPerDay
                if periodStart > endLocal || firstDay > 2_932_896 { break periods }   // 9999-12-31
                for range in ranges ?? [firstDay..<(firstDay + dayCount)] {
                    work += range.count
                    for d in range where dayMatches(d) {
                        for t in timesOfDay { candidates.append(d * CivilTime.secondsPerDay + t) }
                    }
                }
                k += 1
            case .hourly, .minutely, .secondly:
                let value = subDailyOrigin + k * interval
                periodStart = value * unit
                if periodStart > endLocal { break periods }
                let (day, second) = CivilTime.split(periodStart)
                work += 1
                // Skip quickly past whole days, hours and minutes that cannot match.
                func skip(toLocal boundary: Int) {
                    let target = CivilTime.floorDiv(boundary, unit) - subDailyOrigin
                    k = max(k + 1, (target + interval - 1) / interval)
                }
                if !dayMatches(day) {
                    skip(toLocal: (day + 1) * CivilTime.secondsPerDay)
                    emptyRun += 1
                    if emptyRun > cycle || work > limits.maxWork { break periods }
                    continue periods
                }
                let hour = second / 3600, minute = second / 60 % 60, sec = second % 60
                if let hours, !hours.contains(hour) {
                    skip(toLocal: day * CivilTime.secondsPerDay + (hour + 1) * 3600)
                    if work > limits.maxWork { break periods }
                    continue periods
                }
                switch freq {
                case .hourly:
                    for m in minutes ?? [minute] { for s in seconds ?? [sec] { candidates.append(periodStart + m * 60 + s) } }
                case .minutely:
                    if let minutes, !minutes.contains(minute) {
                        skip(toLocal: periodStart - sec + 60)
                        if work > limits.maxWork { break periods }
                        continue periods
                    }
                    for s in seconds ?? [sec] { candidates.append(periodStart + s) }
                default:
                    if let minutes, !minutes.contains(minute) {
                        skip(toLocal: periodStart - sec + 60)
                        if work > limits.maxWork { break periods }
                        continue periods
                    }
                    if seconds == nil || seconds!.contains(sec) { candidates.append(periodStart) }
                }
                k += 1
            }
            work += candidates.count
            if candidates.isEmpty {
                emptyRun += 1
                if emptyRun > cycle || work > limits.maxWork { break periods }
                continue periods
            }
            emptyRun = 0
            candidates.sort()
            if !rule.bySetPos.isEmpty {
                var picked = Set<Int>()
                let n = candidates.count
                for p in rule.bySetPos {
                    let i = p > 0 ? p - 1 : n + p
                    if i >= 0 && i < n { picked.insert(candidates[i]) }
                }
                candidates = picked.sorted()
            }
            for c in candidates where c > start {
                if skipTo != nil, let isBeforeWindow, isBeforeWindow(c) { continue }   // neither kept nor counted
                if c > endLocal { break periods }
                if isAfterUntil(c) { break periods }
                out.append(c)
                if out.count >= maxCount { break periods }
            }
            if work > limits.maxWork { break periods }
        }
        return out
    }
}
