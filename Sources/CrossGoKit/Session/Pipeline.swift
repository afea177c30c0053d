// Stages as data: a session that makes things one after another (release, merge) is a list of stages, each a name,
// a gate and what it does. One runner wraps every stage once — the `stage NAME: status: detail (x s)` event, timing,
// a skip with its reason, a failure with its message, interruption — so that "sign last, only if everything passed"
// is a property of the list, not of line order.
import Foundation

/// What the stages of one run share: the record of the stages so far, and whether everything so far passed.
protocol PipelineWork: AnyObject {
    /// Every stage that ran (or was skipped), in order.
    var stages: [ReleaseStage] { get set }
    /// Whether everything before passed: the gate of `.everythingPassed` stages.
    var everythingPassed: Bool { get }
    /// Why not, for the detail of a stage its gate skipped ("stage(s) archives failed").
    var whatFailed: String { get }
}

/// What a stage did.
struct StageResult: Sendable {
    var status: ReleaseStage.Status
    var detail: String
    static func done(_ detail: String) -> StageResult { StageResult(status: .done, detail: detail) }
    static func skipped(_ detail: String) -> StageResult { StageResult(status: .skipped, detail: detail) }
    static func failed(_ detail: String) -> StageResult { StageResult(status: .failed, detail: detail) }
}

/// One stage: a name, when it may run, and what it does.
struct Stage<Work: PipelineWork> {
    typealias Result = StageResult

    enum Gate {
        /// Runs whatever happened before.
        case always
        /// Runs only when everything before passed (signing and sealing: nothing unverified is signed).
        case everythingPassed
    }

    var name: String
    var gate: Gate = .always
    /// What an error it throws means; nil: what the pipeline says.
    var thrown: Pipeline.Thrown?
    var run: (Work) async throws -> StageResult
}

/// Runs stages in order, each wrapped once.
struct Pipeline {
    /// What a stage's thrown error means.
    enum Thrown {
        /// The stage failed with the error's message; the stages after it still run (their gates decide).
        case failsTheStage
        /// The run ends with the error (a usage or environment error that says what to fix).
        case endsTheRun
    }

    var reporter: any Reporter
    var clock: @Sendable () -> Date = { Date() }
    var thrown: Thrown = .failsTheStage

    /// Runs `stages` over `work`; false when an interrupt stopped them (the interrupted stage is not recorded).
    func run<Work: PipelineWork>(_ stages: [Stage<Work>], _ work: Work) async throws -> Bool {
        for stage in stages {
            if Task.isCancelled { return false }
            let started = clock()
            let result: StageResult
            if stage.gate == .everythingPassed, !work.everythingPassed {
                result = .skipped("not done: \(work.whatFailed), and nothing unverified is \(stage.name == "sign" ? "signed" : "sealed")")
            } else {
                do {
                    result = try await stage.run(work)
                } catch {
                    if Task.isCancelled || error is CancellationError || error is InterruptedError { return false }
                    if (stage.thrown ?? thrown) == .endsTheRun { throw error }
                    result = .failed("\(error)")
                }
            }
            if Task.isCancelled { return false }
            let seconds = clock().timeIntervalSince(started)
            work.stages.append(ReleaseStage(name: stage.name, status: result.status, detail: result.detail))
            reporter.report(.notice("stage \(stage.name): \(result.status.rawValue): \(result.detail)"
                + (result.status == .done ? String(format: " (%.1f s)", seconds) : ""), level: result.status == .failed ? "warning" : "info"))
        }
        return true
    }
}
