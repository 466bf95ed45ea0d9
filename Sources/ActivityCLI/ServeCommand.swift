import ArgumentParser
import Foundation
import Logging
import Hummingbird
import ServiceLifecycle
import ActivityCore
import ActivityConfig
import ActivityStore

/// `activity serve`: the managers' and reps' web view (INTERFACE.md "The web view").
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the web view: the team's week, each rep's week, explain, downloads and the JSON API.",
        discussion: """
            Listens on [web].listen (default 127.0.0.1:8080). Users and their passwords are the config's \
            [[user]] tables (see `activity user hash`). A listen address that is not loopback is refused \
            unless [web].base_url is https (a TLS proxy in front) or --insecure-listen is given. \
            SIGTERM or SIGINT stops it.
            """)

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: ArgumentHelp("Listen here instead of [web].listen, e.g. 127.0.0.1:8080.", valueName: "HOST:PORT"))
    var listen: String?

    @Flag(name: .long, help: "Listen on a non-loopback address without an https base_url (passwords would cross the network in clear).")
    var insecureListen = false

    func validate() throws {
        if let listen, HostPort.split(listen) == nil {
            throw ValidationError("--listen \(listen): not HOST:PORT, e.g. 127.0.0.1:8080")
        }
    }

    func run() throws {
        TerminationSignals.blockForDaemon()
        let runtime = try Runtime.load(global, defaultLevel: .info)
        let config = runtime.config
        let address = listen ?? config.web.listen
        guard let (host, port) = HostPort.split(address) else {
            throw ActivityError(.usage, "listen address \(address) is not HOST:PORT")
        }
        if !HostPort.isLoopback(host) && !config.web.secure && !insecureListen {
            throw ActivityError(.config, "\(config.file): [web] listen \(address) is not loopback and base_url is not https: passwords and session cookies would cross the network in clear. Put a TLS proxy in front (nginx or Caddy, see README) and set base_url = \"https://…\", listen on 127.0.0.1, or pass --insecure-listen")
        }
        if config.users.isEmpty {
            throw ActivityError(.config, "\(config.file): no [[user]]: nobody could log in; add one with a password_hash from `activity user hash` (see activity.toml(5))")
        }
        for u in config.users where u.passwordHash == nil {
            guard let file = u.passwordFile, FileManager.default.isReadableFile(atPath: file) else {
                throw ActivityError(.config, "\(config.file): user \(u.login) has no password_hash, and password_file \(u.passwordFile ?? "(none)") cannot be read")
            }
        }
        try runtime.requireExistingStore()
        let logger = runtime.logger
        let web = try WebApp(config: config, logger: logger)
        let base = config.web.baseURL
        let application = WebServer.application(web, host: host, port: port, logger: logger) { bound in
            let url = base ?? "http://" + HostPort.join(host: host, port: bound)
            logger.info("web view listening on \(host):\(bound); open \(url)/")
            FileHandle.standardError.write(Data("activity serve: listening on \(host):\(bound) (\(url)/)\n".utf8))
        }
        try runBlocking { try await application.runService() }
    }
}
