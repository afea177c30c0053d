// Reads the revision stamped into the build (Sources/CBuildStamp).
import CBuildStamp

enum BuildStamp {
    /// The short git revision, or "" for an unstamped build.
    static var revision: String { String(cString: crossgo_build_revision()) }
}
