import Foundation
import ActivityCore
@testable import ActivityTransport

/// An IMAP session that answers from a transcript recorded from a real server
/// (Fixtures/transcripts/SERVER/USER.up and .down): each recorded command's answer, read with
/// the real framer and parser, so the sync sees exactly the bytes the server sent.
///
/// A command is answered by the recorded exchange with the same text (a FETCH: in the same
/// folder). The one thing it computes is what a resumed sync asks and the recording does not
/// hold: `UID FETCH n:* (…)` when `m:* (…)` with m ≤ n was recorded, answered by the recorded
/// messages whose UID is n or more (or, as RFC 3501 has it for `n:*` past the last UID, the last
/// message alone); `UID FETCH n:* (UID)` likewise from any recorded FETCH of the folder (with
/// more items than asked for, which the reader of UIDs passes over). Anything else throws
/// `Unanswerable`.
final class TranscriptSession: IMAPSession {
    struct Exchange {
        /// The EXAMINE command in force (nil before the first).
        var folder: String?
        var command: String
        var untagged: [[UInt8]]
        var tagged: IMAPResponse
    }

    struct Unanswerable: Error, CustomStringConvertible {
        var command: String
        var folder: String?
        var description: String { "no recorded answer to \(command) in \(folder ?? "no folder")" }
    }

    let endpoint: IMAPEndpoint
    private(set) var capabilities: Set<String> = []
    private(set) var sentID = false
    private let exchanges: [Exchange]
    private var selected: String? = nil
    /// The commands the sync sent, in order.
    private(set) var commands: [String] = []

    static func directory(_ server: String) -> URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/transcripts/\(server)")
    }

    init(server: String, user: String) throws {
        let dir = TranscriptSession.directory(server)
        let up = try Data(contentsOf: dir.appendingPathComponent("\(user).up"))
        let down = try Data(contentsOf: dir.appendingPathComponent("\(user).down"))
        endpoint = IMAPEndpoint(url: "imap://127.0.0.1:143", username: user, credential: .password(""), account: "\(user)-mail")
        var byTag: [String: String] = [:]
        for line in String(decoding: up, as: UTF8.self).components(separatedBy: "\r\n") {
            guard let space = line.firstIndex(of: " ") else { continue }
            byTag[String(line[..<space])] = String(line[line.index(after: space)...])
        }
        var framer = IMAPResponseFramer()
        framer.append([UInt8](down))
        var exchanges: [Exchange] = []
        var untagged: [[UInt8]] = []
        var folder: String? = nil
        while let raw = try framer.next() {
            if let response = try? IMAPResponseParser.parse(raw), case .tagged(let tag, _, _, _) = response, let command = byTag[tag] {
                if command.hasPrefix("EXAMINE ") { folder = command }
                exchanges.append(Exchange(folder: folder, command: command, untagged: untagged, tagged: response))
                untagged = []
            } else {
                untagged.append(raw)
            }
        }
        self.exchanges = exchanges
        // Where the live connection's init left off: CAPABILITY after login, and ID if sent.
        if let capability = exchanges.last(where: { $0.command == "CAPABILITY" }) {
            for raw in capability.untagged {
                if case .data("CAPABILITY", let values)? = try? IMAPResponseParser.parse(raw) {
                    capabilities = Set(values.compactMap { $0.atom?.uppercased() })
                }
            }
        }
        sentID = exchanges.contains { $0.command.hasPrefix("ID (") }
    }

    func identify() throws {
        guard !sentID else { return }
        sentID = true
        _ = try? run("ID ()")
    }

    @discardableResult
    func run(_ command: String, untagged: (IMAPResponse) throws -> Void,
             unreadable: (([UInt8], IMAPProtocolError) throws -> Void)?) throws -> IMAPResponse {
        commands.append(command)
        if command.hasPrefix("EXAMINE ") { selected = command }
        let folderBound = command.contains("FETCH")
        let candidates = exchanges.filter { !folderBound || $0.folder == selected }
        let exchange: Exchange
        var answers: [[UInt8]]
        if let exact = candidates.first(where: { $0.command == command }) {
            exchange = exact
            answers = exact.untagged
        } else if let (from, rest) = TranscriptSession.uidRangeFrom(command),
                  let recorded = candidates.first(where: { e in
                      // `(UID)` alone (the NetEase check, which a server without UIDNEXT gets on a
                      // second sync): any recorded FETCH of the folder has the UIDs.
                      TranscriptSession.uidRangeFrom(e.command).map { ($0.rest == rest || rest == "(UID)") && $0.from <= from } ?? false
                  }) {
            exchange = recorded
            // Each answer's UID and sequence number; an unreadable one's as far as they can be
            // read (a garbled UID: none).
            let messages = recorded.untagged.map { raw -> (uid: UInt32?, sequence: Int?, raw: [UInt8]) in
                do {
                    let response = try IMAPResponseParser.parse(raw)
                    if let m = FetchedMessage(response) { return (m.uid, m.sequence, raw) }
                    // Read, but without a UID (`U!D 9`): the sync takes it as unreadable.
                    if case .numbered(let sequence, "FETCH", _) = response { return (nil, sequence, raw) }
                    return (nil, nil, raw)
                } catch {
                    let u = UnreadableFetch(raw, error as? IMAPProtocolError ?? IMAPProtocolError("?"))
                    return (u.uid, u.sequence, raw)
                }
            }
            // An answer without a UID is served if it lies after every message below `from`.
            let before = messages.filter { ($0.uid ?? .max) < from }.compactMap(\.sequence).max() ?? 0
            answers = messages.filter { m in m.uid.map { $0 >= from } ?? ((m.sequence ?? 0) > before) }.map(\.raw)
            if answers.isEmpty, let last = messages.filter({ $0.uid != nil }).max(by: { $0.uid! < $1.uid! }) { answers = [last.raw] }
        } else {
            throw Unanswerable(command: command, folder: selected)
        }
        for raw in answers {
            let response: IMAPResponse
            do {
                response = try IMAPResponseParser.parse(raw)
            } catch let e as IMAPProtocolError {
                guard let unreadable else { throw e }
                try unreadable(raw, e)
                continue
            }
            try untagged(response)
        }
        if case .tagged(_, let status, let code, let text) = exchange.tagged, status != .ok {
            throw IMAPCommandError(command: command, status: status, code: code, text: text)
        }
        return exchange.tagged
    }

    /// The UIDs of the messages the recorded FETCHes of `folder` (its name as the sync knows it,
    /// decoded) returned readably (a garbled one by its refetch).
    func recordedUIDs(folder: String) -> Set<UInt32> {
        var uids: Set<UInt32> = []
        for e in exchanges where e.command.contains("FETCH") && e.folder.map(TranscriptSession.folderName) == folder {
            for raw in e.untagged {
                if let r = try? IMAPResponseParser.parse(raw), let m = FetchedMessage(r) { uids.insert(m.uid) }
            }
        }
        return uids
    }

    /// How many messages the recorded FETCHes returned, over all folders.
    var recordedMessageCount: Int {
        Set(exchanges.compactMap(\.folder)).map { recordedUIDs(folder: TranscriptSession.folderName($0)).count }.reduce(0, +)
    }

    /// `EXAMINE "INBOX.&XfJT0ZAB-" (CONDSTORE)` → `INBOX.已发送`.
    static func folderName(_ examine: String) -> String {
        let quoted = examine.split(separator: "\"", omittingEmptySubsequences: false)
        let wire = quoted.count > 1 ? String(quoted[1]) : examine
        return ModifiedUTF7.decode(wire) ?? wire
    }

    func abandon() {}
    func logout() throws {}

    /// `UID FETCH n:* REST` → (n, REST).
    static func uidRangeFrom(_ command: String) -> (from: UInt32, rest: String)? {
        guard command.hasPrefix("UID FETCH ") else { return nil }
        let tail = command.dropFirst("UID FETCH ".count)
        guard let space = tail.firstIndex(of: " ") else { return nil }
        let set = tail[..<space]
        guard set.hasSuffix(":*"), let n = UInt32(set.dropLast(2)) else { return nil }
        return (n, String(tail[tail.index(after: space)...]))
    }
}
