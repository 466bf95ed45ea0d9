import Foundation

/// A few threads working through a list: `body(context, i)` for every `i` in `0..<count`, on up
/// to `jobs` threads, each with a context of its own made first (a store connection: SQLite
/// connections are not shared between threads). Returns when all are done. With one job, or one
/// item, everything runs on the calling thread.
enum Workers {
    static func run<Context>(count: Int, jobs: Int, context makeContext: @escaping () throws -> Context,
                             failed: @escaping (Error) -> Void, body: @escaping (Context, Int) -> Void) {
        let workers = max(1, min(jobs, count))
        if workers == 1 {
            do {
                let context = try makeContext()
                for i in 0..<count { body(context, i) }
            } catch {
                failed(error)
            }
            return
        }
        let next = Counter()
        let done = DispatchGroup()
        // The closures are called from the workers only; their users keep them thread-safe.
        let job = Job(makeContext: makeContext, failed: failed, body: body)
        for n in 0..<workers {
            done.enter()
            let thread = Thread {
                defer { done.leave() }
                do {
                    let context = try job.makeContext()
                    while let i = next.take(below: count) { job.body(context, i) }
                } catch {
                    // This worker could not start: the others take its share.
                    job.failed(error)
                }
            }
            thread.name = "activity worker \(n + 1)"
            thread.stackSize = 8 << 20
            thread.start()
        }
        done.wait()
    }
}

/// What the workers run, handed to their threads (its users keep the closures thread-safe).
private final class Job<Context>: @unchecked Sendable {
    let makeContext: () throws -> Context
    let failed: (Error) -> Void
    let body: (Context, Int) -> Void
    init(makeContext: @escaping () throws -> Context, failed: @escaping (Error) -> Void, body: @escaping (Context, Int) -> Void) {
        self.makeContext = makeContext
        self.failed = failed
        self.body = body
    }
}

/// The next index to work on, shared by worker threads.
private final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func take(below limit: Int) -> Int? {
        lock.withLock {
            guard value < limit else { return nil }
            defer { value += 1 }
            return value
        }
    }
}
