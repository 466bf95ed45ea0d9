import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The signal mask and dispositions the process starts with are inherited, and not always
/// sensible: a process spawned from a Swift test (or any program whose threads block signals)
/// starts with SIGTERM blocked, and `cmd &` in a script starts with SIGINT ignored. These put
/// them right before any thread exists, since threads inherit the mask of their creator.
enum TerminationSignals {
    static let stopping: [Int32] = [SIGTERM, SIGINT, SIGHUP, SIGQUIT]

    /// For every command but the daemon: the stop signals reach the process and end it, as
    /// the user who sends them expects (a sync interrupted this way loses nothing committed).
    static func unblock() {
        var set = sigset_t()
        sigemptyset(&set)
        for s in stopping { sigaddset(&set, s) }
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }

    /// For the daemon: SIGTERM and SIGINT are taken by service-lifecycle's Dispatch signal
    /// sources, which on Linux read them from a signalfd. A signalfd only sees signals that
    /// every thread blocks (else the kernel delivers them to a thread that does not, and the
    /// default action kills the process), and a blocked signal that is ignored is discarded: so
    /// both are blocked here, on the main thread before any other thread exists, and their
    /// disposition is the default, never "ignore". A signal that arrives before the sources
    /// are registered stays pending and is read then, so none is lost.
    static func blockForDaemon() {
        signal(SIGTERM, SIG_DFL)
        signal(SIGINT, SIG_DFL)
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGTERM)
        sigaddset(&set, SIGINT)
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }
}

/// Runs async work to completion from synchronous code (the main thread, which then only waits).
func runBlocking(_ body: @escaping @Sendable () async throws -> Void) throws {
    final class Box: @unchecked Sendable { var error: Error? }
    let box = Box()
    let done = DispatchSemaphore(value: 0)
    Task.detached {
        do { try await body() } catch { box.error = error }
        done.signal()
    }
    done.wait()
    if let error = box.error { throw error }
}
