// Fuzz target `date` (scripts/fuzz date SECONDS): the Date header reader and DOMAIN.md's rule of which
// date to trust, on hostile header values: MailDate.read, and MailItem.chooseDate with and without
// INTERNALDATE and Received: fields. Nothing may crash or hang, and the rule's promises hold:
// a trusted reading is the header's own date, a doubted one never is, and a chosen date always
// says where it came from.
//
// Built with every ActivityCore source into one module.
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDate(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let receivedAt = Date(timeIntervalSince1970: 1_794_295_207)
    let reading = MailDate.read(text)
    precondition(MailDate.parse(text) == reading?.date)

    let inSync = MailItem.chooseDate(header: text, internalDate: receivedAt)
    if let reading, reading.isTrusted {
        precondition(inSync.source == "header" && inSync.date == reading.date && inSync.note == nil)
    } else {
        precondition(inSync.source == "internaldate" && inSync.date == receivedAt && inSync.note != nil)
    }
    // The same bytes as the newest Received: field of a file.
    let file = MailItem.chooseDate(header: nil, internalDate: nil, received: ["from a by b; " + text, text])
    precondition((file.source == "received") == (file.date != nil))
    precondition(file.source == "received" || file.source == "none")
    // A header block made of the bytes, as a file would be read.
    _ = MailItem(headers: Array(("Date: " + text + "\r\nReceived: x; " + text + "\r\n\r\n").utf8), internalDate: nil)
    return 0
}
