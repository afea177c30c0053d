// The one exit table: every command's status is decided here, from its outcome or from the error that ended it.

/// How crossgo ends. Written in the README; every command follows it.
///
/// | code | meaning |
/// |---|---|
/// | 0 | success |
/// | 1 | something failed: a target, a test, a requested run that could not happen |
/// | 2 | usage or input error: a bad flag, target, package pattern or crossgo.yaml |
/// | 3 | environment error: no usable `go`, `go env` failed, an output that cannot be written |
/// | 130 | interrupted (SIGINT or SIGTERM) |
///
/// The doctor keeps its own documented meaning of 1 and 2: warnings only, and at least one error.
public enum ExitStatus: Int32, Sendable, Codable, CaseIterable {
    case ok = 0
    case failed = 1
    case usage = 2
    case environment = 3
    case interrupted = 130

    /// The word used in JSON summaries.
    public var name: String {
        switch self {
        case .ok: return "ok"
        case .failed: return "failed"
        case .usage: return "usage-error"
        case .environment: return "environment-error"
        case .interrupted: return "interrupted"
        }
    }

    /// The status an error ends a command with. Errors that know their class say so (`ClassifiedError`);
    /// anything else is a failure of the work itself.
    public static func of(_ error: any Error) -> ExitStatus {
        if let classified = error as? any ClassifiedError { return classified.exitStatus }
        if error is CancellationError { return .interrupted }
        return .failed
    }
}

/// An error that knows which row of the exit table it belongs to.
public protocol ClassifiedError: Error, CustomStringConvertible {
    var exitStatus: ExitStatus { get }
}

/// Bad input that is not a target, a plan or crossgo.yaml problem (those have their own types).
public struct UsageError: ClassifiedError, Equatable {
    public var description: String
    public var exitStatus: ExitStatus { .usage }
    public init(_ description: String) { self.description = description }
}

/// The machine or the toolchain cannot do what was asked: no go, an unwritable folder, a go query that failed.
public struct EnvironmentError: ClassifiedError, Equatable {
    public var description: String
    public var exitStatus: ExitStatus { .environment }
    public init(_ description: String) { self.description = description }
}

extension TargetError: ClassifiedError {
    public var exitStatus: ExitStatus { .usage }
}

extension ConfigError: ClassifiedError {
    public var exitStatus: ExitStatus { .usage }
}

extension PlanError: ClassifiedError {
    public var exitStatus: ExitStatus { .usage }
}

extension ToolchainError: ClassifiedError {
    public var exitStatus: ExitStatus { .environment }
}

extension ProgramError: ClassifiedError {
    public var exitStatus: ExitStatus { .environment }
}

extension ExitStatus {
    /// The doctor's rows of the exit table: 0 all ok, 1 warnings only, 2 at least one error.
    public static func doctor(errors: Int, warnings: Int) -> ExitStatus {
        errors > 0 ? .usage : warnings > 0 ? .failed : .ok
    }

    /// The word the doctor's JSON summary uses for its status: ok, warnings, errors.
    public static func doctorName(errors: Int, warnings: Int) -> String {
        errors > 0 ? "errors" : warnings > 0 ? "warnings" : "ok"
    }
}
