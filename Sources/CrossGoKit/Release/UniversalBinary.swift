// The universal macOS binary of a release: thin darwin slices read from disk, merged by GoBinary's writer,
// written atomically with mode 0755.
import Foundation
import GoBinary

/// Slices that cannot be merged end the universal stage as a failure of the work (exit 1): they come from
/// crossgo's own builds.
extension FatMachOError: ClassifiedError {
    public var exitStatus: ExitStatus { .failed }
}

/// Writes a universal Mach-O file from thin darwin builds of one program.
public enum UniversalBinary {
    /// Reads `slices` (thin Mach-O files), checks and merges them (see `FatMachOWriter`), and writes the result to
    /// `output` through a temporary sibling and a rename, with mode 0755. Returns the fat header's entries.
    /// Throws `FatMachOError` (exit 1) for slices that do not make one universal program, `EnvironmentError` (exit 3)
    /// for files that cannot be read or written.
    @discardableResult
    public static func write(slices: [URL], to output: URL) throws -> [FatArch] {
        var inputs: [FatMachOWriter.Slice] = []
        for url in slices {
            do {
                inputs.append(FatMachOWriter.Slice(name: url.path, bytes: [UInt8](try Data(contentsOf: url))))
            } catch {
                throw EnvironmentError("\(url.path): cannot read: \((error as NSError).localizedDescription)")
            }
        }
        let layout = try FatMachOWriter.plan(inputs)
        let bytes = try FatMachOWriter.build(inputs)
        let temp = output.deletingLastPathComponent().appendingPathComponent(Builder.partialPrefix + "\(UUID().uuidString.prefix(8))-\(output.lastPathComponent)")
        do {
            try Data(bytes).write(to: temp)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: temp.path)
            guard rename(temp.path, output.path) == 0 else {
                throw EnvironmentError("\(output.path): cannot write: \(String(cString: strerror(errno)))")
            }
        } catch let error as EnvironmentError {
            try? FileManager.default.removeItem(at: temp)
            throw error
        } catch {
            try? FileManager.default.removeItem(at: temp)
            throw EnvironmentError("\(output.path): cannot write: \((error as NSError).localizedDescription)")
        }
        return layout.arches
    }
}
