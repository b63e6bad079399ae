import Dispatch
import Foundation
import Synchronization
import Tensor

/// A cooperative stop request, checked by the trainer at optimizer-step boundaries (e.g. set from a
/// SIGINT handler in the REPL). Thread-safe.
public final class CancellationFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    public init() {}
    public func cancel() { flag.store(true, ordering: .relaxed) }
    public func reset() { flag.store(false, ordering: .relaxed) }
    public var isCancelled: Bool { flag.load(ordering: .relaxed) }
}

/// What the trainer calls around each micro-batch for the end-to-end KB refresh (rag-end2end-retriever `finetune_rag.py` + `kb_encode_utils.py` (KB re-encoding)).
public protocol RefreshDriver: AnyObject {
    /// At a trigger step: start a refresh unless one is running. True if started.
    func trigger(step: Int) -> Bool
    /// At every step boundary: install a finished refresh (or record its failure). Returns its record.
    func poll(step: Int) -> RefreshRecord?
    /// Blocks until a running refresh finished (then `poll` installs it).
    func waitForCompletion()
}

/// The background refresh seam: at a trigger `snapshot()` runs on the training thread (copy the context
/// encoder's weights — cheap), `build(snapshot)` runs on a background thread (re-encode the KB, rebuild the
/// index) while training continues — it must only touch the snapshot, never the live model or KB — and at the first step boundary after it finished `install(state)` runs
/// on the training thread (swap the retriever's KB and index). A throwing build leaves the old state in
/// use; its error is recorded. At most one refresh runs at a time; triggers while busy are ignored.
///
///     let r = BackgroundRefresh(snapshot: { ctx.stateDict().map { ($0.name, $0.tensor.copied()) } },
///                               build: { weights in try buildKB(weights) },     // @Sendable, background
///                               install: { kb in retriever.swap(kb) })
///     trainer.refresh = r
public final class BackgroundRefresh<Snapshot, State>: RefreshDriver, @unchecked Sendable {
    private let snapshot: () throws -> Snapshot
    private let build: (Snapshot) throws -> State
    private let install: (State) throws -> Void
    private let clock: @Sendable () -> Double
    private let lock = NSLock()
    private let group = DispatchGroup()
    private var running: (startStep: Int, startTime: Double)?
    private var finished: (result: Result<State, Error>, seconds: Double)?

    public init(snapshot: @escaping () throws -> Snapshot, build: @escaping (Snapshot) throws -> State,
                install: @escaping (State) throws -> Void,
                clock: @escaping @Sendable () -> Double = { Double(DispatchTime.now().uptimeNanoseconds) * 1e-9 }) {
        self.snapshot = snapshot
        self.build = build
        self.install = install
        self.clock = clock
    }

    public var isBusy: Bool { lock.withLock { running != nil } }

    public func trigger(step: Int) -> Bool {
        let busy = lock.withLock { running != nil }
        guard !busy else { return false }
        let t0 = clock()
        let snap: Snapshot
        do { snap = try snapshot() } catch {
            let seconds = self.clock() - t0
            lock.withLock { running = (step, t0); finished = (.failure(error), seconds) }
            return true
        }
        lock.withLock { running = (step, t0) }
        let job = Handoff((build: self.build, snapshot: snap))
        let now = self.clock
        let precision = Precision.requested  // the refresh computes in the training thread's precision
        group.enter()
        DispatchQueue.global().async { [self] in
            let result = Result { try Precision.with(precision) { try job.value.build(job.value.snapshot) } }
            let seconds = now() - t0
            lock.withLock { finished = (result, seconds) }
            group.leave()
        }
        return true
    }

    public func poll(step: Int) -> RefreshRecord? {
        let done: (start: Int, result: Result<State, Error>, seconds: Double)? = lock.withLock {
            guard let r = running, let f = finished else { return nil }
            running = nil
            finished = nil
            return (r.startStep, f.result, f.seconds)
        }
        guard let done else { return nil }
        var record = RefreshRecord(startStep: done.start, endStep: step, seconds: done.seconds, error: nil)
        do { try install(try done.result.get()) } catch { record.error = "\(error)" }
        return record
    }

    public func waitForCompletion() { group.wait() }
}

/// Moves a value to the refresh thread. Safe because the training thread never touches the snapshot or the
/// build closure's captures again until the result is handed back under the lock.
private struct Handoff<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
