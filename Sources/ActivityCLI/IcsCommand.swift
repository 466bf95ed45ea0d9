import ArgumentParser
import Foundation
import ActivityCore

/// `activity ics expand`: the instances of a calendar file, as the ledger counts them.
struct IcsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ics",
        abstract: "Work with iCalendar files.",
        subcommands: [Expand.self])

    struct Expand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "expand",
            abstract: "Print every instance of FILE.ics that starts in [--from, --to), one JSON object a line.",
            discussion: "Needs no config. Times are UTC (Z); all-day instances give dates. Floating times, all-day dates and --from/--to are read in --tz.")

        @Argument(help: ArgumentHelp("An iCalendar file.", valueName: "FILE.ics"))
        var file: String

        @Option(name: .long, help: ArgumentHelp("First day (inclusive), e.g. 2026-11-16.", valueName: "DATE"))
        var from: String

        @Option(name: .long, help: ArgumentHelp("Last day (exclusive), e.g. 2026-11-23.", valueName: "DATE"))
        var to: String

        @Option(name: .long, help: ArgumentHelp("Time zone for floating times and the dates (default Asia/Shanghai).", valueName: "ZONE"))
        var tz: String = "Asia/Shanghai"

        @Option(name: .long, help: "json (one object a line).")
        var format: IcsFormat = .json

        func validate() throws {
            guard TimeZone(identifier: tz) != nil else { throw ValidationError("--tz \(tz): not an IANA time zone") }
            guard IcsCommand.day(from, in: TimeZone(identifier: tz)!) != nil else { throw ValidationError("--from \(from): not a date such as 2026-11-16") }
            guard let end = IcsCommand.day(to, in: TimeZone(identifier: tz)!) else { throw ValidationError("--to \(to): not a date such as 2026-11-23") }
            let start = IcsCommand.day(from, in: TimeZone(identifier: tz)!)!
            // The expander never looks further than its limit: a longer window would be cut
            // silently, so it is a usage error (64) that names the limit.
            let limitDays = Int(RecurrenceExpander.maxWindow / 86_400)
            guard end.timeIntervalSince(start) <= RecurrenceExpander.maxWindow else {
                throw ValidationError("--from \(from) --to \(to): the window is longer than the limit of \(limitDays) days (10 years); expand it in parts")
            }
        }

        func run() throws {
            let zone = TimeZone(identifier: tz)!
            guard FileManager.default.fileExists(atPath: file) else { throw ActivityError(.noInput, "\(file): no such file") }
            guard let data = FileManager.default.contents(atPath: file) else {
                throw ActivityError(.noInput, "\(file): cannot be read; check its permissions")
            }
            let calendar: ICalendar
            do {
                calendar = try ICalendar.parse(bytes: [UInt8](data))
            } catch let e as ActivityError {
                throw ActivityError(.dataError, "\(file): \(e.message)")
            }
            let start = IcsCommand.day(from, in: zone)!, end = IcsCommand.day(to, in: zone)!
            var out = ""
            let expansion = RecurrenceExpander.expand(calendar, from: start, to: end, floatingZone: zone)
            for i in expansion.instances.sorted(by: { ($0.start, $0.uid) < ($1.start, $1.uid) }) {
                out += IcsCommand.json(i, zone: zone).serialized() + "\n"
            }
            // A series left out says so on stderr (stdout stays one instance a line).
            for r in expansion.refused {
                FileHandle.standardError.write(Data("activity: \(file): series \(r.uid) left out: \(r.reason)\n".utf8))
            }
            printOut(out)
        }
    }

    static func day(_ s: String, in zone: TimeZone) -> Date? {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = zone
        f.dateFormat = "yyyy-MM-dd"
        return f.date(from: s)
    }

    static func json(_ i: EventInstance, zone: TimeZone) -> JSON {
        let utc = TimeZone(identifier: "UTC")!
        func when(_ d: Date) -> JSON {
            i.isAllDay ? .string(isoDate(d, in: zone)) : .string(rfc3339Z(d, utc: utc))
        }
        var start = when(i.start)
        if i.isAllDay, let day = i.startDay, let y = day.year, let m = day.month, let d = day.day {
            start = .string(String(format: "%04d-%02d-%02d", y, m, d))
        }
        return .object([
            ("uid", .string(i.uid)),
            ("recurrence_id", .optional(i.recurrenceID)),
            ("start", start),
            ("end", when(i.end)),
            ("all_day", .bool(i.isAllDay)),
            ("summary", .string(i.summary)),
            ("status", .optional(i.status)),
        ])
    }

    static func rfc3339Z(_ d: Date, utc: TimeZone) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = utc
        f.dateFormat = "yyyy-MM-dd'T'HH:mm:ss'Z'"
        return f.string(from: d)
    }
}

enum IcsFormat: String, ExpressibleByArgument, CaseIterable { case json }
