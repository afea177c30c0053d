// Runs programs with an argv array, an explicit environment, a capped capture and a timeout.
import Foundation
import Subprocess
#if canImport(System)
import System
#else
import SystemPackage
#endif

/// What a finished program left behind.
public struct ProgramResult: Sendable, Equatable {
    /// Exit code, or 128 + signal number when the program was killed by a signal.
    public var exitCode: Int32
    /// The signal that ended the program, if any.
    public var signal: Int32?
    public var stdout: String
    public var stderr: String
    public var succeeded: Bool { exitCode == 0 && signal == nil }

    public init(exitCode: Int32, signal: Int32? = nil, stdout: String, stderr: String) {
        self.exitCode = exitCode
        self.signal = signal
        self.stdout = stdout
        self.stderr = stderr
    }
}

/// A program could not be started, ran too long, or printed more than we keep.
public enum ProgramError: Error, CustomStringConvertible, Equatable {
    case cannotStart(program: String, reason: String)
    case timedOut(program: String, seconds: Double)

    public var description: String {
        switch self {
        case .cannotStart(let program, let reason): return "cannot run \(program): \(reason)"
        case .timedOut(let program, let seconds): return "\(program) did not finish within \(Int(seconds)) s and was stopped"
        }
    }
}

/// Environment changes for a child: values to set, and names to remove (nil).
public typealias EnvironmentChanges = [String: String?]

/// Runs a program to completion. stdout and stderr are each kept up to `limit` bytes.
public func runProgram(
    _ program: String,
    _ arguments: [String],
    environment: EnvironmentChanges = [:],
    replacingEnvironment: [String: String]? = nil,
    workingDirectory: String? = nil,
    timeout: Double? = nil,
    limit: Int = 64 << 20,
    input: String? = nil,
    argv0: String? = nil
) async throws -> ProgramResult {
    let executable: Executable = program.contains("/") ? .path(FilePath(program)) : .name(program)
    let env: Subprocess.Environment
    if let replacingEnvironment {
        var base: [Subprocess.Environment.Key: String] = [:]
        for (k, v) in replacingEnvironment { base[Subprocess.Environment.Key(stringLiteral: k)] = v }
        var changed = Subprocess.Environment.custom(base)
        if !environment.isEmpty { changed = changed.updating(keyed(environment)) }
        env = changed
    } else {
        env = Subprocess.Environment.inherit.updating(keyed(environment))
    }
    var options = PlatformOptions()
    // On cancellation (Ctrl-C, timeout) let the child clean up first, as `go` does on SIGINT.
    options.teardownSequence = [.send(signal: .interrupt, allowedDurationToNextStep: .seconds(2))]
    let platformOptions = options
    let work: @Sendable () async throws -> ProgramResult = {
        let result = try await Subprocess.run(
            executable,
            arguments: argv0.map { Arguments(executablePathOverride: $0, remainingValues: arguments) } ?? Arguments(arguments),
            environment: env,
            workingDirectory: workingDirectory.map { FilePath($0) },
            platformOptions: platformOptions,
            input: .string(input ?? ""),
            output: .bytes(limit: limit),
            error: .bytes(limit: limit)
        )
        let out = String(decoding: result.standardOutput, as: UTF8.self)
        let err = String(decoding: result.standardError, as: UTF8.self)
        switch result.terminationStatus {
        case .exited(let code):
            return ProgramResult(exitCode: Int32(truncatingIfNeeded: code), stdout: out, stderr: err)
        case .signaled(let sig):
            return ProgramResult(exitCode: 128 + Int32(truncatingIfNeeded: sig), signal: Int32(truncatingIfNeeded: sig), stdout: out, stderr: err)
        }
    }
    do {
        guard let timeout else { return try await work() }
        return try await withThrowingTaskGroup(of: ProgramResult?.self) { group in
            group.addTask { try await work() }
            group.addTask {
                try await Task.sleep(nanoseconds: UInt64(timeout * 1_000_000_000))
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let result = first else {
                throw ProgramError.timedOut(program: program, seconds: timeout)
            }
            return result
        }
    } catch let error as ProgramError {
        throw error
    } catch let error as SubprocessError {
        throw ProgramError.cannotStart(program: program, reason: "\(error)")
    }
}

private func keyed(_ changes: EnvironmentChanges) -> [Subprocess.Environment.Key: String?] {
    var out: [Subprocess.Environment.Key: String?] = [:]
    for (k, v) in changes { out[Subprocess.Environment.Key(stringLiteral: k)] = v }
    return out
}

/// A program that ran and did not succeed: what ran, how it ended, and the end of what it said.
public struct ProcessFailure: Error, CustomStringConvertible, Sendable, Equatable {
    /// The whole argv, program first.
    public var argv: [String]
    public var exitCode: Int32
    public var signal: Int32?
    /// The last lines of stderr (stdout when stderr was empty), at most `tailLines`.
    public var stderrTail: String

    public static let tailLines = 12

    public init(argv: [String], result: ProgramResult) {
        self.argv = argv
        exitCode = result.exitCode
        signal = result.signal
        let text = result.stderr.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? result.stdout : result.stderr
        stderrTail = text.split(separator: "\n", omittingEmptySubsequences: true).suffix(Self.tailLines).joined(separator: "\n")
    }

    /// "exited with status 1" or "was killed by signal 9".
    public var status: String {
        if let signal { return "was killed by signal \(signal)" }
        return "exited with status \(exitCode)"
    }

    /// The argv as a shell would show it (words with spaces quoted).
    public var commandLine: String {
        argv.map { $0.isEmpty || $0.contains(where: { " \t\"'$".contains($0) }) ? "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" : $0 }
            .joined(separator: " ")
    }

    public var description: String {
        let tail = stderrTail.isEmpty ? " (no output)" : ": " + stderrTail.replacingOccurrences(of: "\n", with: " | ")
        return "`\(commandLine)` \(status)\(tail)"
    }
}
