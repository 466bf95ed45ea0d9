import Foundation
import Testing
import ActivityConfig
import ActivityCore
@testable import ActivitySync
import ActivityTransport

/// `config check`'s IMAP visit (`ServerCheck`, and `UnderCounting.check` within it) replayed from
/// sessions recorded from real servers while the live command ran
/// (Fixtures/transcripts/SERVER-check, `RECORD_COMMAND="config check"
/// scripts/record-imap-transcripts SERVER OUT`; the command's output in check.out).
@Suite("Server check replay")
struct ServerCheckReplayTests {
    static let servers = ["dovecot-check", "cyrus-check", "courier-check"]

    static func account(_ config: Config, server: String, user: String) throws -> Config.Account {
        try TranscriptReplayTests.account(config, server: server, user: user)
    }

    @Test("The visit replayed says what the live `config check` said", arguments: servers)
    func sameAsLive(server: String) throws {
        let config = try TranscriptReplayTests.config(storePath: "/nonexistent/activity.db")
        let check = ServerCheck(config: config, credentials: CredentialSource())
        let live = try String(contentsOf: TranscriptSession.directory(server).appendingPathComponent("check.out"), encoding: .utf8)
            .split(separator: "\n").map(String.init)
        for user in TranscriptReplayTests.users {
            let detail = try check.imap(try Self.account(config, server: server, user: user),
                                        over: try TranscriptSession(server: server, user: user))
            let line = live.first { $0.hasPrefix("\(user)-mail ") }
            #expect(line?.hasSuffix("ok: " + detail) == true, "\(server) \(user): replayed \"\(detail)\", live \"\(line ?? "none")\"")
        }
    }

    @Test("UnderCounting reads INBOX's oldest message over the replayed session: a warning when it is recent, none when it is not",
          arguments: servers)
    func oldestMessage(server: String) throws {
        let config = try TranscriptReplayTests.config(storePath: "/nonexistent/activity.db")
        let account = try Self.account(config, server: server, user: "alice")
        func warnings(now: Date) throws -> [String] {
            let session = try TranscriptSession(server: server, user: "alice")
            let folders = try session.listFolders()
            let namespace = try session.personalNamespace()
            let found = FolderDiscovery.resolve(account.folders, among: folders, namespace: namespace).found
            return try UnderCounting.check(session: session, folders: found, sent: FolderDiscovery.sent(among: folders, namespace: namespace),
                                           account: account, config: config, now: now)
        }
        // INBOX's first INTERNALDATE as the server gave it.
        let session = try TranscriptSession(server: server, user: "alice")
        let inbox = try #require(try session.listFolders().first { $0.name.uppercased() == "INBOX" })
        _ = try session.examine(inbox)
        let oldest = try #require(try session.firstInternalDate().flatMap(MailDate.parse))
        #expect(try warnings(now: oldest.addingTimeInterval(400 * 86_400)).isEmpty)
        let recent = try warnings(now: oldest.addingTimeInterval(10 * 86_400))
        #expect(recent.count == 1 && recent.first?.contains("the oldest message in INBOX is from") == true, "\(server): \(recent)")
    }

    @Test("The CalDAV visit replayed from Radicale's and Xandikos's recorded discovery lists alice's calendars",
          arguments: RecordedCalendarReplayTests.servers)
    func calendars(server: String) throws {
        let (client, url) = try RecordedCalendarReplayTests.client(server, "first")
        let config = try RecordedCalendarReplayTests.config(storePath: "/nonexistent/activity.db", url: url)
        let account = try #require(config.accounts.first { $0.id == "alice-cal" })
        let check = ServerCheck(config: config, credentials: CredentialSource())
        #expect(try check.caldav(account, over: client) == "logged in; 2 of 2 calendars: meetings, work (sync-collection)")
    }
}
