// Fuzz target `ical` (scripts/fuzz ical SECONDS): the iCalendar reader and the recurrence
// expander on a hostile calendar object, as derivation uses them: ICalendar.parse, then every
// instance in a ledger window of two years (the widest the sync asks for), then the expansion
// over the longest window the expander allows. Nothing may crash, hang (libFuzzer's -timeout),
// or use unbounded memory (-rss_limit_mb): RRULEs that never end, BYSETPOS and BYxxx
// combinations, EXDATE and RDATE floods, zones with odd rules are cut by the expander's limits.
//
// Built with every ActivityCore source into one module.
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzICal(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let calendar = try? ICalendar.parse(bytes: bytes) else { return 0 }
    let now = Date(timeIntervalSince1970: 1_795_000_000)   // 2026-11
    let zone = TimeZone(identifier: "Asia/Shanghai")!
    let ledger = RecurrenceExpander.expand(calendar, from: now.addingTimeInterval(-365 * 86_400),
                                           to: now.addingTimeInterval(365 * 86_400), floatingZone: zone)
    for i in ledger.instances { precondition(i.end >= i.start || i.isAllDay, "an instance ends before it starts") }
    _ = RecurrenceExpander.instances(of: calendar, from: Date(timeIntervalSince1970: 0),
                                     to: Date(timeIntervalSince1970: 4_102_444_800), floatingZone: zone, maxInstances: 2_000)
    return 0
}
