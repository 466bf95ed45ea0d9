import ActivityCore

/// The mailbox commands the sync needs, on top of an authenticated session (live or replayed).
extension IMAPSession {
    /// `LIST "" "*" RETURN (SPECIAL-USE)` where the server supports it, plain LIST otherwise
    /// (many servers still put `\Sent` in plain LIST answers).
    public func listFolders() throws -> [IMAPFolder] {
        var folders: [IMAPFolder] = []
        let command = has("SPECIAL-USE") && has("LIST-EXTENDED")
            ? "LIST \"\" \"*\" RETURN (SPECIAL-USE)" : "LIST \"\" \"*\""
        try run(command) { response in
            guard case .data("LIST", let values) = response, values.count >= 3,
                  let attrs = values[0].list, let raw = values[2].text else { return }
            let wire = raw
            folders.append(IMAPFolder(
                name: ModifiedUTF7.decode(wire) ?? wire,
                wireName: wire,
                attributes: Set(attrs.compactMap { $0.atom?.uppercased() }),
                delimiter: values[1].text))
        }
        return folders
    }

    /// The personal namespace's prefix (`INBOX.` on Courier and Cyrus, `""` elsewhere) from
    /// NAMESPACE (RFC 2342) when the server has it; nil without it (NetEase has none: then
    /// names are taken as they come, each with the delimiter its LIST line gives).
    public func personalNamespace() throws -> String? {
        guard has("NAMESPACE") else { return nil }
        var prefix: String? = nil
        try run("NAMESPACE") { response in
            guard case .data("NAMESPACE", let values) = response, let personal = values.first?.list,
                  let first = personal.first?.list, let p = first.first?.text else { return }
            prefix = ModifiedUTF7.decode(p) ?? p
        }
        return prefix
    }

    /// EXAMINE opens a folder read-only: the sync never changes a flag.
    public func examine(_ folder: IMAPFolder) throws -> IMAPFolderStatus {
        var uidValidity: UInt32? = nil
        var uidNext: UInt32? = nil
        var modseq: UInt64? = nil
        var exists = 0
        let condstore = has("CONDSTORE")
        let command = "EXAMINE \(IMAPConnection.quote(folder.wireName))\(condstore ? " (CONDSTORE)" : "")"
        let read: (IMAPResponse) -> Void = { response in
            switch response {
            case .untaggedStatus(.ok, let code?, _):
                switch code.name {
                case "UIDVALIDITY": uidValidity = code.values.first?.number.flatMap { UInt32(exactly: $0) }
                case "UIDNEXT": uidNext = code.values.first?.number.flatMap { UInt32(exactly: $0) }
                case "HIGHESTMODSEQ": modseq = code.values.first?.atom.flatMap { UInt64($0) }
                default: break
                }
            case .numbered(let n, "EXISTS", _):
                exists = n
            default: break
            }
        }
        do {
            try run(command, untagged: read)
        } catch let e as IMAPCommandError where IMAPRefusal.isUnsafeLogin(e.text) {
            // NetEase (Coremail) opens no folder until the client has said who it is; a server
            // that did not advertise ID gets it once, here, and the EXAMINE is tried again.
            guard !sentID else { throw unsafeLogin(e) }
            try identify()
            do {
                try run(command, untagged: read)
            } catch let again as IMAPCommandError where IMAPRefusal.isUnsafeLogin(again.text) {
                throw unsafeLogin(again)
            }
        } catch let e as IMAPCommandError where IMAPRefusal.isNotConnected(e.text) {
            throw notConnected(e)
        }
        guard let uidValidity else {
            // RFC 3501 requires it; a server without one cannot be synced incrementally.
            throw ActivityError(.tempFail, "account \(endpoint.account): \(endpoint.server): folder \(folder.name) has no UIDVALIDITY")
        }
        return IMAPFolderStatus(uidValidity: uidValidity, uidNext: uidNext, highestModSeq: modseq, messages: exists)
    }

    /// INTERNALDATE of the first message of the folder last examined (the oldest the server
    /// shows, as far as arrival order goes); nil for an empty folder.
    public func firstInternalDate() throws -> String? {
        var date: String? = nil
        try run("FETCH 1 (INTERNALDATE)") { response in
            if case .numbered(1, "FETCH", let values) = response, let items = values.first?.list {
                var k = 0
                while k + 1 < items.count {
                    if items[k].atom?.uppercased() == "INTERNALDATE" { date = items[k + 1].text }
                    k += 2
                }
            }
        }
        return date
    }

    /// `NO SELECT Unsafe Login` after ID was sent: the host still refuses this client.
    func unsafeLogin(_ e: IMAPCommandError) -> ActivityError {
        ActivityError(.noPermission, "account \(endpoint.account): \(endpoint.server): the server refuses to open folders for this client even after it identified itself (ID): \(e.status.rawValue) \(e.text); on NetEase (163/126/yeah.net/企业邮) log in with the client authorization code (授权码) and check in webmail that IMAP/SMTP服务 is on, then contact the host if it persists")
    }

    /// `BAD User is authenticated but not connected.` (Exchange Online): transient; a new
    /// connection is the remedy, which the sync's retry makes.
    func notConnected(_ e: IMAPCommandError) -> ActivityError {
        ActivityError(.tempFail, "account \(endpoint.account): \(endpoint.server): the server lost this session's mailbox (\(e.status.rawValue) \(e.text)); a new connection usually works; if it keeps happening, check that the OAuth scope grants IMAP (IMAP.AccessAsUser.All) and that IMAP is allowed for the mailbox")
    }

    /// `UID FETCH n:* (UID)`: the UIDs above `after` (no headers), to learn cheaply whether a
    /// folder has new mail when the server gives no UIDNEXT (NetEase). `n:*` also returns the
    /// last message when n is past it: that one is left out.
    public func uids(after: UInt32) throws -> [UInt32] {
        var out: [UInt32] = []
        try run("UID FETCH \(IMAPSequenceSet.from(after &+ 1)) (UID)") { response in
            if let m = FetchedMessage(response), m.uid > after { out.append(m.uid) }
        }
        return out
    }

    /// `UID FETCH first:* (UID INTERNALDATE BODY.PEEK[HEADER.FIELDS (...)]<0.max> BODYSTRUCTURE)`,
    /// streamed: `each` sees every message as it arrives, so memory stays flat. The header
    /// fields are fetched partially, at most `IMAPLimits.maxHeaderBytes` of them, so no message
    /// can make the answer grow past the reader's limits. A FETCH answer that is framed but
    /// cannot be read (a server bug, hostile data) goes to `unreadable` and the stream goes on;
    /// `structure: false` leaves BODYSTRUCTURE out (the fallback for such a message).
    /// `byUID: false` takes `uids` as message sequence numbers (plain FETCH), for a message
    /// whose UID could not be read.
    public func fetchHeaders(uids: IMAPSequenceSet, byUID: Bool = true, fields: [String], structure: Bool = true,
                             each: (FetchedMessage) throws -> Void,
                             unreadable: (UnreadableFetch) throws -> Void) throws {
        let fieldList = fields.joined(separator: " ")
        let command = "\(byUID ? "UID " : "")FETCH \(uids) (UID INTERNALDATE BODY.PEEK[HEADER.FIELDS (\(fieldList))]<0.\(IMAPLimits.maxHeaderBytes)>\(structure ? " BODYSTRUCTURE" : ""))"
        try withoutActuallyEscaping(unreadable) { unreadable in
            _ = try run(command, untagged: { response in
                if let message = FetchedMessage(response) {
                    try each(message)
                } else if case .numbered(let seq, "FETCH", let values) = response,
                          values.first?.list?.contains(where: { $0.atom?.uppercased().hasPrefix("BODY[") == true }) == true {
                    // Header fields but no UID: ours, not an unsolicited flag update, and unusable.
                    try unreadable(UnreadableFetch(sequence: seq, uid: nil, reason: "a FETCH answer with header fields but no UID"))
                }
            }, unreadable: { raw, error in
                try unreadable(UnreadableFetch(raw, error))
            })
        }
    }

    /// Fetches and decodes the calendar parts of one message, each at most
    /// `IMAPLimits.maxCalendarPartBytes` (a larger part is cut there, and its parse fails).
    public func fetchCalendarParts(uid: UInt32, parts: [BodyStructure.Part]) throws -> [[UInt8]] {
        guard !parts.isEmpty else { return [] }
        let sections = parts.map { "BODY.PEEK[\($0.number)]<0.\(IMAPLimits.maxCalendarPartBytes)>" }.joined(separator: " ")
        var found: [String: [UInt8]] = [:]
        try run("UID FETCH \(uid) (\(sections))") { response in
            guard case .numbered(_, "FETCH", let values) = response, let items = values.first?.list else { return }
            var k = 0
            while k + 1 < items.count {
                if let key = items[k].atom?.uppercased(), key.hasPrefix("BODY["), let close = key.firstIndex(of: "]") {
                    let number = String(key[key.index(key.startIndex, offsetBy: 5)..<close])
                    found[number] = items[k + 1].bytes ?? []
                }
                k += 2
            }
        }
        return parts.compactMap { part in
            found[part.number].map { TransferEncoding.decode($0, encoding: part.encoding) }
        }
    }
}

extension IMAPConnection {
    /// A quoted string for a command (RFC 3501 quoted: `\` and `"` escaped).
    public static func quote(_ s: String) -> String {
        var out = "\""
        for c in s {
            if c == "\"" || c == "\\" { out.append("\\") }
            out.append(c)
        }
        out.append("\"")
        return out
    }
}
