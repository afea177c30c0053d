// How many things crossgo does at a time when the user does not say (`--jobs`), decided in one place.
import Foundation

public enum Concurrency {
    /// The cores this process may use (at least 1).
    public static var cores: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }

    /// `go build`s at a time: see `Builder.defaultJobs` for the measurements behind it.
    public static var builds: Int { Builder.defaultJobs(cores: cores) }

    /// Test and bench binaries run (natively or under an emulator) at a time: one per core.
    public static var runners: Int { cores }

    /// Release stages' jobs (archives, SBOMs, packages, images) at a time: compression and file writing, at most 4
    /// (more only competes for the disk).
    public static var releaseStages: Int { min(4, cores) }

    /// Requests to a vulnerability database in flight at a time (network round trips, not cores).
    public static let databaseRequests = 8
}
