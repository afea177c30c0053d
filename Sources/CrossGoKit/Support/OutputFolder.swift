// The one place crossgo creates folders for its outputs (dist, --out, --results, --junit, report -o, bench,
// merge): each folder it creates holds a `.gitignore` of `*`, so that go's VCS stamping of a later build in the
// same checkout does not see crossgo's files as changes (vcs.modified=true).
import Foundation

/// Creates output folders and keeps the ones crossgo creates out of git.
public enum OutputFolder {
    static let ignoreText = "# Written by crossgo: its outputs stay out of git (and out of go's vcs.modified).\n*\n"

    /// Creates `folder` and any missing parents. The topmost folder this call creates gets a `.gitignore` holding
    /// `*` (which hides everything below it); `owned` also gives one to an existing folder that is crossgo's
    /// (it holds crossgo's manifest). A folder of the user's never gets one.
    public static func create(_ folder: String, owned: Bool = false, system: any HostSystem = liveSystem()) throws {
        var topmost: String?
        var path = (folder as NSString).standardizingPath
        while !path.isEmpty && !system.fileExists(path) {
            topmost = path
            let parent = (path as NSString).deletingLastPathComponent
            if parent == path { break }
            path = parent
        }
        try system.createDirectory(folder)
        for marked in [topmost, owned ? folder : nil].compactMap({ $0 }) where !system.fileExists(marked + "/.gitignore") {
            try? system.writeData(Data(ignoreText.utf8), to: marked + "/.gitignore")
        }
    }

    /// The file that stands where `folder` or one of its parents must be a folder (the usual reason a folder cannot be
    /// made, which Foundation's "could not be completed" hides); nil when there is none.
    public static func fileInTheWay(of folder: String, system: any HostSystem = liveSystem()) -> String? {
        var above = folder
        while !above.isEmpty, above != "/", above != "." {
            if system.fileExists(above) { return system.isDirectory(above) ? nil : above }
            above = (above as NSString).deletingLastPathComponent
        }
        return nil
    }

    /// Creates the folder that will hold `file` (see `create`).
    public static func createParent(of file: String, system: any HostSystem = liveSystem()) throws {
        try create((file as NSString).deletingLastPathComponent, system: system)
    }
}
