import ArgumentParser
import Foundation
import Logging
import ActivityCore
import ActivityConfig
import ActivityStore
import ActivitySync
import ActivityTransport

/// `activity digest`: mails each `[[user]]` with an email their week (DOMAIN.md "The weekly digest").
struct DigestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "digest",
        abstract: "Mail each user the week's digest (default: the last complete week), once per user and week.",
        discussion: """
            A manager gets the team table (each rep against targets, who is behind and by how much, follow-ups \
            overdue, A/B deals), a rep their own week and what is due; both with the week's export as XLSX. \
            Sent through [mail]; each user and week is sent once, even across runs (--force sends again). \
            A temporary failure (4xx, no connection) is tried again by the next run or the daemon's next poll; \
            a refused recipient (5xx) does not stop the others and shows in `activity status`. \
            Exit status: 0 all sent or already sent, 75 temporary failure, 69 server unreachable, 77 login \
            refused, 65 a recipient was refused.
            """)

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: ArgumentHelp("The ISO week, e.g. 2026-W47 (default: the last complete week).", valueName: "WEEK"))
    var week: String?

    @Flag(name: .long, help: "Write the messages (with --output) and send nothing.")
    var dryRun = false

    @Option(name: .long, help: ArgumentHelp("With --dry-run: the directory to write one LOGIN.eml per user into.", valueName: "DIR"))
    var output: String?

    @Flag(name: .long, help: "Send again to users who already got this week's digest.")
    var force = false

    func validate() throws {
        if let week, ISOWeek(week) == nil { throw ValidationError("--week \(week): not an ISO week such as 2026-W47") }
        if dryRun && output == nil { throw ValidationError("--dry-run needs --output DIR (where the .eml files go)") }
        if output != nil && !dryRun { throw ValidationError("--output is for --dry-run; without it the digests are sent") }
        if dryRun && force { throw ValidationError("--force is for sending; --dry-run writes every digest anyway") }
    }

    func run() throws {
        let runtime = try Runtime.load(global)
        let config = runtime.config
        try runtime.requireExistingStore()
        let now = Date()
        let isoWeek = week.flatMap(ISOWeek.init) ?? ISOWeek(containing: now, in: config.timeZone).previous
        if let output {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: output, isDirectory: &isDir), isDir.boolValue else {
                throw ActivityError(.cantCreate, "--output \(output): not a directory; create it first")
            }
        }
        let store = try Store(location: config.store)
        let sender = DigestSender(config: config, store: store, logger: runtime.logger, credentials: CredentialSource(logger: runtime.logger))
        let results = try sender.run(week: isoWeek, now: now, force: force, dryRunDirectory: output)
        var table = TextTable(header: ["user", "email", "week", "result"])
        for r in results { table.add([r.login, r.email, isoWeek.description, r.summary]) }
        if results.isEmpty {
            FileHandle.standardError.write(Data("activity: no [[user]] with an email in \(config.file): nobody to send a digest to\n".utf8))
        } else {
            printOut(table.render())
        }
        if let worst = DigestSender.worst(results) { throw worst }
    }
}

/// Builds, sends and records the digests of one week: the command and the daemon share it.
struct DigestSender {
    let config: Config
    let store: Store
    let logger: Logger
    let credentials: CredentialSource

    struct Result {
        enum Outcome {
            case written(String)
            case sent(messageID: String)
            case alreadySent
            case refusedBefore
            case failed(SMTPFailure)
            case notTried
        }
        var login: String
        var email: String
        var outcome: Outcome

        var summary: String {
            switch outcome {
            case .written(let path): return "written to \(path)"
            case .sent(let id): return "sent <\(id)>"
            case .alreadySent: return "already sent (--force sends again)"
            case .refusedBefore: return "refused before (--force tries again)"
            case .failed(let f): return (f.permanent ? "refused: " : "not sent, retried later: ") + f.message
            case .notTried: return "not sent, retried later (the mail server is unavailable)"
            }
        }
    }

    /// The exit-worthy error among the results, if any: unreachable or login refused, then
    /// temporary, then a refused recipient.
    static func worst(_ results: [Result]) -> ActivityError? {
        let failures = results.compactMap { r -> SMTPFailure? in if case .failed(let f) = r.outcome { return f } else { return nil } }
        if let f = failures.first(where: { !$0.permanent && ($0.error.code == .unavailable || $0.error.code == .noPermission) }) { return f.error }
        if let f = failures.first(where: { !$0.permanent }) { return f.error }
        if let f = failures.first { return ActivityError(.dataError, "\(f.message); the other users' digests were sent (see `activity status`)") }
        return nil
    }

    /// Whether any user still waits for this week's digest after a temporary failure.
    static func needsRetry(_ results: [Result]) -> Bool {
        results.contains { r in
            switch r.outcome {
            case .failed(let f): return !f.permanent
            case .notTried: return true
            default: return false
            }
        }
    }

    func run(week: ISOWeek, now: Date, force: Bool, dryRunDirectory: String?) throws -> [Result] {
        let recipients = config.users.filter { $0.email != nil }
        guard !recipients.isEmpty else { return [] }
        let mail = config.mail
        if dryRunDirectory == nil && mail == nil {
            throw ActivityError(.config, "\(config.file): no [mail] section: add smtp_url and from (see activity.toml(5)) to send digests, or use --dry-run --output DIR")
        }
        let from = mail?.from ?? MailAddress(name: "销售活动周报", address: "activity@localhost")
        let domain = from.domain.isEmpty ? "localhost" : from.domain
        // One SMTP session for the run: one connection for every message while all goes well.
        var session: SMTPSession? = nil
        var results: [Result] = []
        var serverDown: SMTPFailure? = nil
        defer {
            if let session, session.connections > 0 {
                logger.info("digest run done", metadata: ["week": "\(week)", "messages": "\(session.sent)",
                                                          "connections": "\(session.connections)"])
            }
        }
        for user in recipients {
            let email = user.email!
            let content = try DigestContent.build(user: user, week: week, config: config, store: store, now: now)
            let messageID = content.messageID(domain: domain)
            if let dir = dryRunDirectory {
                let bytes = try compose(content, user: user, from: from, messageID: messageID, now: now)
                let path = (dir as NSString).appendingPathComponent("\(user.login).eml")
                do { try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
                    throw ActivityError(.cantCreate, "--output \(dir): cannot write \(path) (\(ExportCommand.reason(error)))")
                }
                results.append(Result(login: user.login, email: email, outcome: .written(path)))
                continue
            }
            if !force, let record = try store.digestRecord(login: user.login, week: week.description) {
                if record.state == .sent {
                    results.append(Result(login: user.login, email: email, outcome: .alreadySent))
                    continue
                }
                if record.state == .refused && record.email == email {
                    results.append(Result(login: user.login, email: email, outcome: .refusedBefore))
                    continue
                }
            }
            if let serverDown {
                // Recorded as failed (nothing attempted) so that `status` shows who waits and why.
                try store.digestNotTried(login: user.login, week: week.description, email: email, messageID: messageID,
                                         error: "not tried: " + serverDown.message, at: Date())
                results.append(Result(login: user.login, email: email, outcome: .notTried))
                continue
            }
            let bytes = try compose(content, user: user, from: from, messageID: messageID, now: now)
            if session == nil { session = try SMTPSession(endpoint: try smtpEndpoint(mail!)) }
            try store.digestSending(login: user.login, week: week.description, email: email, messageID: messageID, at: Date())
            CrashPoint.reach("digest.marked")
            do {
                try session!.send(bytes, from: from.address, to: [email])
                CrashPoint.reach("digest.sent")
                try store.digestFinished(login: user.login, week: week.description, state: .sent, error: nil, at: Date())
                logger.info("digest sent", metadata: ["user": "\(user.login)", "week": "\(week)", "message_id": "\(messageID)"])
                results.append(Result(login: user.login, email: email, outcome: .sent(messageID: messageID)))
            } catch let failure as SMTPFailure {
                try store.digestFinished(login: user.login, week: week.description, state: failure.permanent ? .refused : .failed,
                                         error: failure.message, at: Date())
                logger.warning("digest not sent", metadata: ["user": "\(user.login)", "week": "\(week)", "error": "\(failure.message)",
                                                             "retry": "\(!failure.permanent)"])
                results.append(Result(login: user.login, email: email, outcome: .failed(failure)))
                // No connection or no login: the others would fail the same way; they wait for the next try.
                if failure.replyCode == 0 || failure.error.code == .noPermission { serverDown = failure }
            }
        }
        return results
    }

    func compose(_ content: DigestContent, user: Config.User, from: MailAddress, messageID: String, now: Date) throws -> [UInt8] {
        let xlsx = try ExportXLSX.workbook(content.report)
        let mail = ComposedMail(
            from: from, to: [MailAddress(name: user.name, address: user.email!)], subject: content.subject, date: now,
            timeZone: config.timeZone, messageID: messageID, text: content.text, html: content.html,
            attachments: [.init(filename: content.attachmentName,
                                contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                                data: Array(xlsx))])
        return mail.render()
    }

    func smtpEndpoint(_ mail: Config.Mail) throws -> SMTPEndpoint {
        try DigestSender.smtpEndpoint(mail, credentials: credentials)
    }

    /// `[mail]` resolved: its secret read (or its OAuth 2.0 access token obtained).
    static func smtpEndpoint(_ mail: Config.Mail, credentials: CredentialSource) throws -> SMTPEndpoint {
        let credential: SMTPEndpoint.Credential
        if mail.secret == .none && mail.oauth2 == nil {
            credential = .none
        } else {
            switch try credentials.imapCredential(mail.credentialAccount) {
            case .password(let p): credential = .password(p)
            case .bearer(let t): credential = .bearer(t)
            }
        }
        return SMTPEndpoint(url: mail.smtpURL, username: mail.username, credential: credential, caFile: mail.caFile,
                            timeout: mail.timeout)
    }
}
