import ArgumentParser
import Foundation
import Logging
import ActivityCore
import ActivityConfig
import ActivityStore
import ActivitySync

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
