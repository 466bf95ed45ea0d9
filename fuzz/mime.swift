// Fuzz target `mime` (scripts/fuzz mime SECONDS): the MIME header decoder on a hostile header
// block: MessageHeaders (unfolding, per-field charsets), EncodedWords (RFC 2047), AddressList,
// MailDate, MessageIDs, and MailItem, which puts them together as the sync does; each field's
// value is also decoded on its own, and the bytes as a calendar part's transfer encodings. Nothing
// may crash or hang.
//
// Built with every ActivityCore source into one module.
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMIME(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let raw = Array(UnsafeBufferPointer(start: data, count: size))
    let headers = MessageHeaders(raw: raw)
    precondition(headers.bodyOffset <= raw.count)
    for (_, value) in headers.fields {
        _ = EncodedWords.decode(value)
        _ = AddressList.parse(value)
        _ = MailDate.parse(value)
        _ = MessageIDs.parse(value)
    }
    let item = MailItem(headers: raw, internalDate: Date(timeIntervalSince1970: 1_790_000_000), topType: nil)
    precondition(!item.key.isEmpty && !item.threadKey.isEmpty)
    // Text that is not a header block at all.
    let text = String(decoding: raw, as: UTF8.self)
    _ = EncodedWords.decode(text)
    _ = AddressList.parse(text)
    _ = MailDate.parse(text)
    _ = ModifiedUTF7.decode(text)
    for encoding in ["base64", "quoted-printable"] { _ = TransferEncoding.decode(raw, encoding: encoding) }
    return 0
}
