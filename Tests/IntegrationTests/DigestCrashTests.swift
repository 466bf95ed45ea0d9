import Foundation
import Logging
import Testing
import ActivityConfig
import ActivityCore
import ActivityStore
import ActivitySync
@testable import ActivityCLI

/// The digest's crash points (`digest.marked`, `digest.sent`) cut by a hook that throws, as
/// `kill -9` would cut the run, over a stand-in for the SMTP server that keeps what it accepted;
/// then the digest is run again. Nobody is left without the week's digest, and only a cut
/// between the server's acceptance and its record (`digest.sent`) sends one message twice, with
/// the same Message-ID. `DigestTests.crashAroundTheSend` does the same with real kills against a
/// real SMTP server.
@Suite("Digest crash points, by hook")
struct DigestCrashTests {
    struct SimulatedCrash: Error {}

    /// What the SMTP server accepted, across runs.
    final class AcceptingOutbox: MessageOutbox {
        var messages: [(to: String, messageID: String)] = []
        var connections: Int { 1 }
        var sent: Int { messages.count }
        func send(_ message: [UInt8], from: String, to recipients: [String]) throws {
            let text = String(decoding: message.prefix(4096), as: UTF8.self)
            let id = text.components(separatedBy: "\r\n").first { $0.lowercased().hasPrefix("message-id:") } ?? ""
            messages.append((recipients[0], id))
        }
    }

    static let week = ISOWeek(year: 2026, week: 47)
    static let now = Date(timeIntervalSince1970: 1_795_392_000)   // Monday 2026-11-23

    static func team() throws -> FixtureTeam {
        try FixtureTeam(imapURL: "imap://127.0.0.1:9", extra: DigestTests.users + """

            [mail]
            smtp_url = "smtp://127.0.0.1:9"
            from = "销售活动周报 <activity@hxsoft.cn>"
            """)
    }

    static func sender(_ team: FixtureTeam, outbox: AcceptingOutbox, crash: @escaping (String) throws -> Void) throws -> DigestSender {
        let config = try Config.load(path: team.config)
        var sender = DigestSender(config: config, store: try Store(location: team.storeLocation),
                                  logger: Logger(label: "digest", factory: { _ in SwiftLogNoOpLogHandler() }), credentials: CredentialSource())
        sender.openOutbox = { outbox }
        sender.crashHook = crash
        return sender
    }

    @Test("A digest run cut at either crash point, for any user, and run again: everyone has the digest, one duplicate only after digest.sent",
          arguments: ["digest.marked", "digest.sent"])
    func cutAndRunAgain(point: String) throws {
        let emails = Set(DigestTests.emails.values)
        for n in 1...emails.count {
            let team = try Self.team()
            let outbox = AcceptingOutbox()
            var passages = 0
            let crashing = try Self.sender(team, outbox: outbox) { name in
                guard name == point else { return }
                passages += 1
                if passages == n { throw SimulatedCrash() }
            }
            #expect(throws: SimulatedCrash.self, "\(point):\(n)") {
                try crashing.run(week: Self.week, now: Self.now, force: false, dryRunDirectory: nil)
            }
            let cutAt = outbox.messages.count
            #expect(cutAt == (point == "digest.sent" ? n : n - 1), "\(point):\(n)")
            let again = try Self.sender(team, outbox: outbox) { _ in }
            _ = try again.run(week: Self.week, now: Self.now, force: false, dryRunDirectory: nil)
            let byUser = Dictionary(grouping: outbox.messages, by: \.to)
            #expect(Set(byUser.keys) == emails, "\(point):\(n): everyone has their digest")
            let twice = byUser.filter { $0.value.count > 1 }
            #expect(twice.count == (point == "digest.sent" ? 1 : 0), "\(point):\(n): \(outbox.messages.map(\.to))")
            for (_, copies) in twice { #expect(Set(copies.map(\.messageID)).count == 1) }
            let store = try Store(location: team.storeLocation)
            for user in try Config.load(path: team.config).users where user.email != nil {
                #expect(try store.digestRecord(login: user.login, week: Self.week.description)?.state == .sent, "\(point):\(n) \(user.login)")
            }
            // A third run sends nothing: every digest is recorded as sent.
            _ = try again.run(week: Self.week, now: Self.now, force: false, dryRunDirectory: nil)
            #expect(outbox.messages.count == emails.count + twice.count)
        }
    }
}
