// Fuzz target `dav` (scripts/fuzz dav SECONDS): the CalDAV multistatus reader on a hostile server's
// answer: the XML reader, Multistatus (hrefs resolved against the request path, status lines,
// propstats, the sync token) and DAVPath on every href. Nothing may crash or hang, and every path
// the reader gives back is absolute and canonical.
//
// Built with every ActivityCore source, Multistatus.swift and DAVPath.swift into one module.
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDAV(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let answer = Multistatus(bytes, requestPath: "/dav/calendars/alice/work/") else { return 0 }
    for response in answer.responses {
        precondition(response.path.hasPrefix("/"), "a resolved href is an absolute path: \(response.path)")
        precondition(DAVPath.canonical(response.path) == response.path)
        _ = response.found(DAVNamespace.dav, "getetag")?.trimmedText
        _ = response.found(DAVNamespace.caldav, "calendar-data")?.text
        _ = DAVPath.readable(response.path)
    }
    _ = answer.syncToken
    return 0
}
