import Foundation

/// What the ledger keeps of one message: the classification-relevant headers, decoded, and the
/// calendar parts. Bodies are never kept.
public struct MailItem: Sendable, Equatable {
    /// Message-ID, or a digest of the headers for the rare message without one.
    public var key: String
    public var messageID: String?
    /// When the mail counts; the Unix epoch when nothing says (`dateSource` is then `none`).
    public var date: Date
    /// Which date `date` is (DOMAIN.md, "Time and weeks"): `header` (a Date header naming one instant beyond
    /// doubt), `internaldate` (the server's receive time, in a sync), `received` (the newest `Received:` header, for
    /// a file) or `none`.
    public var dateSource: String
    /// Why the Date header was not used (`Date header has no zone`), nil when it was.
    public var dateNote: String?
    /// INTERNALDATE as the server gave it, kept so that a later rule can choose again without the server.
    public var internalDate: Date?
    public var from: String?
    public var fromName: String?
    public var to: [String]
    public var cc: [String]
    public var subject: String
    /// First Message-ID of References, else In-Reply-To, else the message's own key.
    public var threadKey: String
    /// Why the message is automated (`List-Id`, `Precedence: bulk`, …), nil for a person's mail.
    public var automated: String?
    /// Decoded `text/calendar` parts (invitations), if any.
    public var calendarParts: [[UInt8]]

    public init(key: String, messageID: String?, date: Date, dateSource: String, dateNote: String? = nil,
                internalDate: Date? = nil, from: String?, fromName: String?,
                to: [String], cc: [String], subject: String, threadKey: String, automated: String?,
                calendarParts: [[UInt8]] = []) {
        self.key = key
        self.messageID = messageID
        self.date = date
        self.dateSource = dateSource
        self.dateNote = dateNote
        self.internalDate = internalDate
        self.from = from
        self.fromName = fromName
        self.to = to
        self.cc = cc
        self.subject = subject
        self.threadKey = threadKey
        self.automated = automated
        self.calendarParts = calendarParts
    }

    /// The header fields the sync asks the server for: what classification and dedup read.
    public static let fetchedHeaderFields = [
        "FROM", "SENDER", "TO", "CC", "DATE", "SUBJECT", "MESSAGE-ID", "IN-REPLY-TO", "REFERENCES",
        "LIST-ID", "LIST-UNSUBSCRIBE", "PRECEDENCE", "AUTO-SUBMITTED", "CONTENT-TYPE",
        "X-AUTOREPLY", "X-AUTO-RESPONSE-SUPPRESS",
    ]

    /// Builds the item from a raw header block. `internalDate` stands in for a missing or
    /// unreadable Date header; `topType` is BODYSTRUCTURE's top media type when known.
    public init(headers raw: [UInt8], internalDate: Date?, topType: String? = nil, calendarParts: [[UInt8]] = []) {
        let h = MessageHeaders(raw: raw)
        let mid = h.first(Field.messageID).flatMap { MessageIDs.first($0) }
        let dateText = h.first(Field.date)
        let chosen = MailItem.chooseDate(header: dateText, internalDate: internalDate, received: h.values(Field.received))
        var workspace = AddressList.Workspace()
        let fromList = h.first(Field.from).map { AddressList.parse($0, &workspace) } ?? []
        var to: [String] = []
        for value in h.values(Field.to) { for a in AddressList.parse(value, &workspace) { to.append(a.address) } }
        var cc: [String] = []
        for value in h.values(Field.cc) { for a in AddressList.parse(value, &workspace) { cc.append(a.address) } }
        let subject = h.first(Field.subject).map(EncodedWords.decode) ?? ""

        let key: String
        if let mid, !mid.isEmpty {
            key = mid
        } else {
            // No Message-ID: the same message in two folders still has the same headers.
            var digest = Digest()
            digest.add(fromList.first?.address ?? "")
            digest.add(dateText ?? "")
            digest.add(subject)
            digest.add(to.joined(separator: ","))
            key = "no-message-id:\(digest.hex)"
        }
        let thread = h.first(Field.references).flatMap { MessageIDs.first($0) }
            ?? h.first(Field.inReplyTo).flatMap { MessageIDs.first($0) } ?? key

        let contentType = topType ?? h.first(Field.contentType) ?? ""
        self.init(key: key, messageID: mid, date: chosen.date ?? Date(timeIntervalSince1970: 0), dateSource: chosen.source,
                  dateNote: chosen.note, internalDate: internalDate, from: fromList.first?.address, fromName: fromList.first?.name, to: to, cc: cc,
                  subject: subject, threadKey: thread,
                  automated: MailItem.automatedReason(h, contentType: contentType, from: fromList.first?.address),
                  calendarParts: calendarParts)
    }

    /// DOMAIN.md's rule for a mail's time: the Date header when it names one instant beyond doubt (a numeric
    /// zone, nothing left over); otherwise INTERNALDATE (in a sync), else the newest `Received:` header's date (a
    /// file), else none. A trusted Date wins even far from INTERNALDATE: a mailbox moved to a new host carries the
    /// move's date as INTERNALDATE.
    public static func chooseDate(header: String?, internalDate: Date?, received: [String] = [])
        -> (date: Date?, source: String, note: String?) {
        let note: String
        if let header {
            guard let reading = MailDate.read(header) else {
                return fallback(internalDate, received, note: "Date header is unreadable")
            }
            if let doubt = reading.doubt { note = doubt } else { return (reading.date, "header", nil) }
        } else {
            note = "no Date header"
        }
        return fallback(internalDate, received, note: note)
    }

    private static func fallback(_ internalDate: Date?, _ received: [String], note: String)
        -> (date: Date?, source: String, note: String?) {
        if let internalDate { return (internalDate, "internaldate", note) }
        // Received: fields are prepended by each hop, so the first is the newest; its date follows the last ";".
        if let newest = received.first, let semicolon = newest.lastIndex(of: ";"),
           let reading = MailDate.read(String(newest[newest.index(after: semicolon)...])), reading.isTrusted {
            return (reading.date, "received", note)
        }
        return (nil, "none", note + (received.isEmpty ? "; no Received: header" : "; the newest Received: header has no usable date"))
    }

    /// The fields read, prepared for lookups.
    private enum Field {
        static let received = MessageHeaders.Key("received")
        static let messageID = MessageHeaders.Key("message-id")
        static let date = MessageHeaders.Key("date")
        static let from = MessageHeaders.Key("from")
        static let to = MessageHeaders.Key("to")
        static let cc = MessageHeaders.Key("cc")
        static let subject = MessageHeaders.Key("subject")
        static let references = MessageHeaders.Key("references")
        static let inReplyTo = MessageHeaders.Key("in-reply-to")
        static let contentType = MessageHeaders.Key("content-type")
        static let listID = MessageHeaders.Key("list-id")
        static let listUnsubscribe = MessageHeaders.Key("list-unsubscribe")
        static let precedence = MessageHeaders.Key("precedence")
        static let autoSubmitted = MessageHeaders.Key("auto-submitted")
    }

    /// DOMAIN.md's automated mail: list headers, bulk precedence, Auto-Submitted other than
    /// `no`, machine senders, and `multipart/report` bounces.
    static func automatedReason(_ h: MessageHeaders, contentType: String, from: String?) -> String? {
        if h.first(Field.listID) != nil { return "List-Id header" }
        if h.first(Field.listUnsubscribe) != nil { return "List-Unsubscribe header" }
        if let p = h.first(Field.precedence).map({ ByteText.trimmingSpaces(ByteText.lowercased($0)) }),
           ["bulk", "list", "junk"].contains(p) {
            return "Precedence: \(p)"
        }
        if let a = h.first(Field.autoSubmitted), let word = autoSubmittedKeyword(a), !word.isEmpty, word != "no" {
            return "Auto-Submitted: \(word)"
        }
        if isMultipartReport(contentType) { return "multipart/report (a delivery report)" }
        if let from, OrgIdentity.automatedLocalParts.contains(OrgIdentity.localPart(of: from)) {
            return "automated sender \(from)"
        }
        return nil
    }

    /// The value before the first ";" (empty parts skipped), trimmed of spaces and lower-cased.
    private static func autoSubmittedKeyword(_ value: String) -> String? {
        var text = value
        let ascii: String?? = text.withUTF8 { b in
            guard ByteText.isASCII(b) else { return nil }
            var start = 0
            while start < b.count, b[start] == 0x3B { start += 1 }
            guard start < b.count else { return .some(nil) }
            var end = start
            while end < b.count, b[end] != 0x3B { end += 1 }
            return .some(ByteText.trimmingSpaces(ByteText.lowercasedASCII(b, start..<end)))
        }
        if let ascii { return ascii }
        return value.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
    }

    /// `type.lowercased().hasPrefix("multipart/report")`, on the bytes when the bytes settle it.
    static func isMultipartReport(_ type: String) -> Bool {
        var text = type
        let answer: Bool? = text.withUTF8 { b in
            let prefix: StaticString = "multipart/report"
            let n = prefix.utf8CodeUnitCount
            guard b.count >= n else { return false }
            let p = prefix.utf8Start
            for k in 0..<n where ByteText.lowerASCII(b[k]) != p[k] { return false }
            // A non-ASCII scalar after the prefix might combine with its last letter.
            return b.count == n || b[n] < 0x80 ? true : nil
        }
        return answer ?? type.lowercased().hasPrefix("multipart/report")
    }
}

