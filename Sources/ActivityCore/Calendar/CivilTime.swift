import Foundation

/// Proleptic Gregorian arithmetic on day numbers (days since 1970-01-01) and "local seconds"
/// (a wall-clock date-time read as if it were UTC), independent of any time zone.
enum CivilTime {
    static let secondsPerDay = 86_400

    static func floorDiv(_ a: Int, _ b: Int) -> Int {
        let q = a / b
        return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q
    }

    static func floorMod(_ a: Int, _ b: Int) -> Int { a - floorDiv(a, b) * b }

    /// Days since 1970-01-01 of a civil date (month 1...12, day 1...31).
    static func dayNumber(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = floorDiv(y, 400)
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The civil date of a day number.
    static func date(ofDay n: Int) -> (year: Int, month: Int, day: Int) {
        let z = n + 719_468
        let era = floorDiv(z, 146_097)
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }

    static func isLeap(_ y: Int) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }

    static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    static func daysInYear(_ y: Int) -> Int { isLeap(y) ? 366 : 365 }

    /// 0 = Monday ... 6 = Sunday.
    static func weekday(ofDay n: Int) -> Int { floorMod(n + 3, 7) }

    /// Splits local seconds into a day number and seconds of the day.
    static func split(_ local: Int) -> (day: Int, second: Int) {
        let d = floorDiv(local, secondsPerDay)
        return (d, local - d * secondsPerDay)
    }

    static func localSeconds(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) -> Int {
        dayNumber(year: year, month: month, day: day) * secondsPerDay + hour * 3600 + minute * 60 + second
    }

    /// First day of week 1 of `year` when weeks start on `weekStart` (0 = Monday): the first week with
    /// at least four days in the year (ISO 8601 when the week starts on Monday).
    static func firstWeekStart(year: Int, weekStart: Int) -> Int {
        let jan1 = dayNumber(year: year, month: 1, day: 1)
        let offset = floorMod(weekday(ofDay: jan1) - weekStart, 7)
        let start = jan1 - offset
        return 7 - offset >= 4 ? start : start + 7
    }

    /// Week number of a day (1-based) and the number of weeks in its week-numbering year.
    static func weekNumber(ofDay n: Int, weekStart: Int) -> (week: Int, weeksInYear: Int) {
        let y = date(ofDay: n).year
        var wy = y
        var start = firstWeekStart(year: y, weekStart: weekStart)
        if n < start {
            wy = y - 1
            start = firstWeekStart(year: wy, weekStart: weekStart)
        } else {
            let next = firstWeekStart(year: y + 1, weekStart: weekStart)
            if n >= next {
                wy = y + 1
                start = next
            }
        }
        let weeks = (firstWeekStart(year: wy + 1, weekStart: weekStart) - start) / 7
        return ((n - start) / 7 + 1, weeks)
    }
}
