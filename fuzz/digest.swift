// Fuzz target `digest` (scripts/fuzz digest SECONDS): the MIME composer against our own reader.
// The input is split at NUL bytes into a subject, the sender's and the recipient's display names
// and an attachment name (hostile text: line breaks, encoded-word lookalikes, quotes, any
// Unicode); the composed message must keep every line within 76 characters and CRLF-terminated,
// and MessageHeaders / MailItem / AddressList must read back the subject (as
// `MailComposer.headerText` keeps it), both addresses and the Message-ID exactly.
//
// Built with every ActivityCore source into one module.
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDigest(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let raw = Array(UnsafeBufferPointer(start: data, count: size))
    let parts = raw.split(separator: 0, maxSplits: 3, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
    func part(_ i: Int) -> String { i < parts.count ? parts[i] : "" }
    let mail = ComposedMail(
        from: MailAddress(name: part(1), address: "activity@hxsoft.cn"),
        to: [MailAddress(name: part(2), address: "zhao@hxsoft.cn")],
        subject: part(0), date: Date(timeIntervalSince1970: 1_795_395_000), timeZone: TimeZone(identifier: "Asia/Shanghai")!,
        messageID: "digest.2026-W47.0123456789abcdef@hxsoft.cn", text: part(0), html: part(1),
        attachments: [.init(filename: part(3), contentType: "application/octet-stream", data: raw)])
    let bytes = mail.render()
    let text = String(decoding: bytes, as: UTF8.self)
    for line in text.components(separatedBy: "\r\n") {
        precondition(line.utf8.count <= MailComposer.lineLimit, "line too long: \(line)")
        precondition(!line.contains("\n") && !line.contains("\r"), "bare line break")
    }
    let item = MailItem(headers: bytes, internalDate: nil)
    precondition(item.subject == MailComposer.headerText(part(0)), "subject \(item.subject.debugDescription) != \(part(0).debugDescription)")
    precondition(item.from == "activity@hxsoft.cn", "from \(item.from ?? "nil")")
    precondition(item.to == ["zhao@hxsoft.cn"], "to \(item.to)")
    precondition(item.cc.isEmpty)
    // The name our reader gives back is the one the composer settled on, and a plain name is kept.
    let name = MailComposer.displayName(MailAddress(name: part(1), address: "activity@hxsoft.cn").name ?? "")
    precondition(item.fromName == (name.isEmpty ? nil : name), "from name \(item.fromName.debugDescription) != \(name.debugDescription)")
    precondition(item.messageID == "digest.2026-W47.0123456789abcdef@hxsoft.cn")
    let headers = MessageHeaders(raw: bytes)
    for (name, _) in headers.fields {
        precondition(["from", "to", "subject", "date", "message-id", "mime-version", "auto-submitted", "content-type"].contains(name.lowercased()),
                     "unexpected header \(name)")
    }
    return 0
}
