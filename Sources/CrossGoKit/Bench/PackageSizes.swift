// Size by package of a Go binary, read from its bytes.
import Foundation
import GoBinary

/// Sizes by package, and how they were read.
public struct PackageSizes: Sendable {
    public var method: String
    public var packages: [PackageSize]
    public var textAndData: Int?

    public static func read(path: String) throws -> PackageSizes {
        throw UsageError("size by package is not implemented for this format yet")
    }
}
