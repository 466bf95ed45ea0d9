import Foundation
import Logging
import ActivityCore
import ActivityConfig
import ActivityStore
import ActivitySync

/// Builds, sends and records the digests of one week: the command and the daemon share it.
struct DigestSender {
    let config: Config
    let store: Store
    let logger: Logger
    let credentials: CredentialSource
    /// Called at `digest.marked` and `digest.sent` (see `CrashPoint`); the tests throw there.
    var crashHook: (String) throws -> Void = CrashPoint.reach
    /// The tests: where messages go instead of `[mail]`'s server.
    var openOutbox: (() throws -> any MessageOutbox)? = nil

    struct Result {
        enum Outcome {
            case written(String)
            case sent(messageID: String)
            case alreadySent
            case refusedBefore
            case failed(Outbox.Failure)
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
        let failures = results.compactMap { r -> Outbox.Failure? in if case .failed(let f) = r.outcome { return f } else { return nil } }
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
        var outbox: (any MessageOutbox)? = nil
        var results: [Result] = []
        var serverDown: Outbox.Failure? = nil
        defer {
            if let outbox, outbox.connections > 0 {
                logger.info("digest run done", metadata: ["week": "\(week)", "messages": "\(outbox.sent)",
                                                          "connections": "\(outbox.connections)"])
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
            if outbox == nil { outbox = try openOutbox?() ?? Outbox(mail!, credentials: credentials) }
            try store.digestSending(login: user.login, week: week.description, email: email, messageID: messageID, at: Date())
            try crashHook("digest.marked")
            do {
                try outbox!.send(bytes, from: from.address, to: [email])
                try crashHook("digest.sent")
                try store.digestFinished(login: user.login, week: week.description, state: .sent, error: nil, at: Date())
                logger.info("digest sent", metadata: ["user": "\(user.login)", "week": "\(week)", "message_id": "\(messageID)"])
                results.append(Result(login: user.login, email: email, outcome: .sent(messageID: messageID)))
            } catch let failure as Outbox.Failure {
                try store.digestFinished(login: user.login, week: week.description, state: failure.permanent ? .refused : .failed,
                                         error: failure.message, at: Date())
                logger.warning("digest not sent", metadata: ["user": "\(user.login)", "week": "\(week)", "error": "\(failure.message)",
                                                             "retry": "\(!failure.permanent)"])
                results.append(Result(login: user.login, email: email, outcome: .failed(failure)))
                // No connection or no login: the others would fail the same way; they wait for the next try.
                if failure.serverDown { serverDown = failure }
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
}
