import Dispatch

/// The reproducible counterpart of `BackgroundRefresh`: at a trigger the snapshot is taken, the new state
/// built and installed right away, on the training thread, before the step's forward pass. Training pauses
/// for the build, but results no longer depend on thread timing (exact resume holds with refreshes). The
/// record (start = end = the trigger step) is handed out by the next `poll`. A failing snapshot, build or
/// install leaves the old state and records why.
public final class SynchronousRefresh<Snapshot, State>: RefreshDriver {
    private let snapshot: () throws -> Snapshot
    private let build: (Snapshot) throws -> State
    private let install: (State) throws -> Void
    private let clock: () -> Double
    private var pending: RefreshRecord?

    public init(snapshot: @escaping () throws -> Snapshot, build: @escaping (Snapshot) throws -> State,
                install: @escaping (State) throws -> Void,
                clock: @escaping () -> Double = { Double(DispatchTime.now().uptimeNanoseconds) * 1e-9 }) {
        self.snapshot = snapshot
        self.build = build
        self.install = install
        self.clock = clock
    }

    public func trigger(step: Int) -> Bool {
        let t0 = clock()
        var record = RefreshRecord(startStep: step, endStep: step, seconds: 0, error: nil)
        do { try install(try build(try snapshot())) } catch { record.error = "\(error)" }
        record.seconds = clock() - t0
        pending = record
        return true
    }

    public func poll(step: Int) -> RefreshRecord? {
        defer { pending = nil }
        return pending
    }

    public func waitForCompletion() {}
}
