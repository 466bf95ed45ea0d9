import Foundation

/// What the ledger keeps of one message: the classification-relevant headers, decoded, and the
/// calendar parts. Bodies are never kept.
public struct MailItem: Sendable, Equatable {
    /// Message-ID, or a digest of the headers for the rare message without one.
    public var key: String
    public var messageID: String?
    public var date: Date
    /// `header` when Date parsed, `internaldate` otherwise.
    public var dateSource: String
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

    public init(key: String, messageID: String?, date: Date, dateSource: String, from: String?, fromName: String?,
                to: [String], cc: [String], subject: String, threadKey: String, automated: String?,
                calendarParts: [[UInt8]] = []) {
        self.key = key
        self.messageID = messageID
        self.date = date
        self.dateSource = dateSource
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
        let mid = h.first("Message-ID").flatMap { MessageIDs.parse($0).first }
        let parsedDate = h.first("Date").flatMap { MailDate.parse($0) }
        let fromList = h.first("From").map { AddressList.parse($0) } ?? []
        let to = h.values("To").flatMap { AddressList.parse($0) }.map(\.address)
        let cc = h.values("Cc").flatMap { AddressList.parse($0) }.map(\.address)
        let subject = h.decoded("Subject") ?? ""
        let date = parsedDate ?? internalDate ?? Date(timeIntervalSince1970: 0)

        let key: String
        if let mid, !mid.isEmpty {
            key = mid
        } else {
            // No Message-ID: the same message in two folders still has the same headers.
            var digest = Digest()
            digest.add(fromList.first?.address ?? "")
            digest.add(h.first("Date") ?? "")
            digest.add(subject)
            digest.add(to.joined(separator: ","))
            key = "no-message-id:\(digest.hex)"
        }
        let references = h.first("References").map { MessageIDs.parse($0) } ?? []
        let inReplyTo = h.first("In-Reply-To").map { MessageIDs.parse($0) } ?? []
        let thread = references.first ?? inReplyTo.first ?? key

        let contentType = (topType ?? h.first("Content-Type") ?? "").lowercased()
        self.init(key: key, messageID: mid, date: date, dateSource: parsedDate != nil ? "header" : "internaldate",
                  from: fromList.first?.address, fromName: fromList.first?.name, to: to, cc: cc,
                  subject: subject, threadKey: thread,
                  automated: MailItem.automatedReason(h, contentType: contentType, from: fromList.first?.address),
                  calendarParts: calendarParts)
    }

    /// DOMAIN.md's automated mail: list headers, bulk precedence, Auto-Submitted other than
    /// `no`, machine senders, and `multipart/report` bounces.
    static func automatedReason(_ h: MessageHeaders, contentType: String, from: String?) -> String? {
        if h.first("List-Id") != nil { return "List-Id header" }
        if h.first("List-Unsubscribe") != nil { return "List-Unsubscribe header" }
        if let p = h.first("Precedence")?.lowercased().trimmingCharacters(in: .whitespaces),
           ["bulk", "list", "junk"].contains(p) {
            return "Precedence: \(p)"
        }
        if let a = h.first("Auto-Submitted"), let word = a.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased(),
           !word.isEmpty, word != "no" {
            return "Auto-Submitted: \(word)"
        }
        if contentType.hasPrefix("multipart/report") { return "multipart/report (a delivery report)" }
        if let from, OrgIdentity.automatedLocalParts.contains(OrgIdentity.localPart(of: from)) {
            return "automated sender \(from)"
        }
        return nil
    }
}

/// FNV-1a, 64 bits: a stable digest for keys (not for security).
public struct Digest {
    private var h: UInt64 = 0xcbf2_9ce4_8422_2325
    public init() {}
    public mutating func add(_ s: String) {
        for b in s.utf8 { h ^= UInt64(b); h = h &* 0x100_0000_01b3 }
        h ^= 0xFF
        h = h &* 0x100_0000_01b3
    }
    public var hex: String {
        let s = String(h, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }
}
