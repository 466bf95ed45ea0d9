import ArgumentParser
import Foundation
import ActivitySync

enum ProgressMode: String, ExpressibleByArgument, CaseIterable {
    case auto, always, never
}

/// A one-line progress bar on stderr: folder, messages done of total, rate. Only on a terminal
/// unless asked for. Reps sync on several threads: the line shows whichever spoke last.
final class ProgressReporter: @unchecked Sendable {
    let enabled: Bool
    private let lock = NSLock()
    private var last = Date.distantPast
    private var started = Date()
    private var shown = false
    private var lastFolder = ""

    init(mode: ProgressMode) {
        switch mode {
        case .always: enabled = true
        case .never: enabled = false
        case .auto: enabled = isatty(2) != 0
        }
    }

    func update(account: String, folder: String, done: Int, total: Int) {
        guard enabled else { return }
        lock.withLock { show(account: account, folder: folder, done: done, total: total) }
    }

    private func show(account: String, folder: String, done: Int, total: Int) {
        let now = Date()
        if folder != lastFolder { started = now; lastFolder = folder }
        guard now.timeIntervalSince(last) > 0.1 || done == total else { return }
        last = now
        let rate = Double(done) / max(0.001, now.timeIntervalSince(started))
        let width = 24
        let filled = total > 0 ? min(width, width * done / total) : 0
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let line = "\r\(account) \(folder) [\(bar)] \(done)/\(total) \(Int(rate))/s"
        FileHandle.standardError.write(Data((line + "\u{1B}[K").utf8))
        shown = true
    }

    func finish() {
        if shown { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
