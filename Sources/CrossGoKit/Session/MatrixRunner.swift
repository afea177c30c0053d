// The one engine for (item x target) jobs: a bound on concurrency, start and end events with timing,
// results in plan order, and cancellation that lets running jobs clean up and starts no new ones.
import Foundation

/// What a job can say while it runs.
public struct JobHandle: Sendable {
    public let id: JobID
    let reporter: any Reporter

    /// The job moved to another phase ("verify", "run").
    public func phase(_ name: String) { reporter.report(.jobPhase(id, phase: name)) }
    /// A test2json event of this job.
    public func test(_ event: TestEvent) { reporter.report(.test(id, event)) }
}

/// What the runner hands back: one output per planned job, in plan order; nil for jobs never started
/// because the run was cancelled.
public struct MatrixResult<Output: Sendable>: Sendable {
    public var outputs: [Output?]
    public var interrupted: Bool
    public var elapsed: Double
    /// The outputs of jobs that ran, in plan order.
    public var completed: [Output] { outputs.compactMap { $0 } }
}

/// Runs jobs at most `concurrency` at a time, starting them in plan order (on `Concurrency.bounded`), with their events.
public struct MatrixRunner: Sendable {
    public var concurrency: Int
    public var reporter: any Reporter

    public init(concurrency: Int, reporter: any Reporter) {
        self.concurrency = max(1, concurrency)
        self.reporter = reporter
    }

    /// Runs `work` for every job. `firstPhase` names the phase a job starts in; `end` turns a job's output
    /// into its finished event (the runner adds the time). When the calling task is cancelled, running jobs
    /// see `Task.isCancelled` (and their child processes get SIGINT), no new job starts, and the result says
    /// `interrupted`.
    public func run<Job: Sendable, Output: Sendable>(
        _ jobs: [Job],
        id: @escaping @Sendable (Job) -> JobID,
        firstPhase: String,
        work: @escaping @Sendable (Job, JobHandle) async -> Output,
        end: @escaping @Sendable (Output) -> JobEnd
    ) async -> MatrixResult<Output> {
        let started = Date()
        let reporter = self.reporter
        let outputs = await Concurrency.bounded(jobs, limit: concurrency) { job -> Output? in
            let jobID = id(job)
            let clock = Date()
            reporter.report(.jobStarted(jobID, phase: firstPhase))
            let output = await work(job, JobHandle(id: jobID, reporter: reporter))
            var finished = end(output)
            finished.elapsed = finished.elapsed > 0 ? finished.elapsed : Date().timeIntervalSince(clock)
            reporter.report(.jobFinished(jobID, finished))
            return output
        }
        return MatrixResult(outputs: outputs, interrupted: Task.isCancelled, elapsed: Date().timeIntervalSince(started))
    }
}
