// Go's semver rules against golang.org/x/mod/semver's published test table, and Go release names as versions.
import Testing
@testable import GoBinary

@Suite("Go semver")
struct GoSemverTests {
    /// x/mod/semver's semver_test.go table: each version and its canonical form ("" = invalid). The valid
    /// ones are listed in increasing order, equal canonical forms being equal.
    static let table: [(String, String)] = [
        ("bad", ""), ("v1-alpha.beta.gamma", ""), ("v1-pre", ""), ("v1+meta", ""), ("v1-pre+meta", ""),
        ("v1.2-pre", ""), ("v1.2-pre+meta", ""),
        ("v1.0.0-alpha", "v1.0.0-alpha"), ("v1.0.0-alpha.1", "v1.0.0-alpha.1"), ("v1.0.0-alpha.beta", "v1.0.0-alpha.beta"),
        ("v1.0.0-beta", "v1.0.0-beta"), ("v1.0.0-beta.2", "v1.0.0-beta.2"), ("v1.0.0-beta.11", "v1.0.0-beta.11"),
        ("v1.0.0-rc.1", "v1.0.0-rc.1"), ("v1", "v1.0.0"), ("v1.0", "v1.0.0"), ("v1.0.0", "v1.0.0"),
        ("v1.2", "v1.2.0"), ("v1.2.0", "v1.2.0"), ("v1.2.3-456", "v1.2.3-456"), ("v1.2.3-456.789", "v1.2.3-456.789"),
        ("v1.2.3-456-789", "v1.2.3-456-789"), ("v1.2.3-456a", "v1.2.3-456a"), ("v1.2.3-pre", "v1.2.3-pre"),
        ("v1.2.3-pre+meta", "v1.2.3-pre"), ("v1.2.3-pre.1", "v1.2.3-pre.1"), ("v1.2.3-zzz", "v1.2.3-zzz"),
        ("v1.2.3", "v1.2.3"), ("v1.2.3+meta", "v1.2.3"), ("v1.2.3+meta-pre", "v1.2.3"), ("v1.2.3+meta-pre.sha.256a", "v1.2.3"),
    ]

    @Test("Canonical forms and invalid versions, as x/mod/semver")
    func canonical() {
        for (version, canonical) in Self.table {
            #expect(GoSemver(version)?.canonical ?? "" == canonical, "\(version)")
        }
        for bad in ["1.2.3", "v01.2.3", "v1.02.3", "v1.2.03", "v1.2.3-01", "v1.2.3-", "v1.2.3+", "v1.2.3-a..b", "v1.2.3.4", "v"] {
            #expect(GoSemver(bad) == nil, "\(bad)")
        }
    }

    @Test("Order follows the table: prereleases first, numeric identifiers below alphanumeric ones, build metadata ignored")
    func order() {
        let valid = Self.table.filter { !$0.1.isEmpty }.compactMap { GoSemver($0.0) }
        #expect(valid.count == 24)
        for (i, a) in valid.enumerated() {
            for (j, b) in valid.enumerated() {
                let want = a.canonical == b.canonical ? 0 : (i < j ? -1 : 1)
                #expect(GoSemver.compare(a, b) == want, "\(a) vs \(b)")
            }
        }
    }

    @Test("Pseudo-versions and +incompatible compare as x/mod/semver does")
    func moduleForms() throws {
        let older = try #require(GoSemver("v0.0.0-20200219091948-cb0a6d8edb6c"))
        let newer = try #require(GoSemver("v0.0.0-20200220183623-bac4c82f6975"))
        #expect(older < newer)
        #expect(newer < GoSemver("v0.0.0")!)
        // A pseudo-version on a later base (vX.Y.(Z+1)-0.yyyymmddhhmmss-hash) sorts after vX.Y.Z and before vX.Y.(Z+1).
        let based = try #require(GoSemver("v0.3.8-0.20221001000000-abcdefabcdef"))
        #expect(GoSemver("v0.3.7")! < based && based < GoSemver("v0.3.8")!)
        let incompatible = try #require(GoSemver("v2.1.0+incompatible"))
        #expect(incompatible.canonical == "v2.1.0")
        #expect(incompatible.description == "v2.1.0+incompatible")
        #expect(GoSemver.compare(incompatible, GoSemver("v2.1.0")!) == 0)
        #expect(incompatible < GoSemver("v2.2.0")!)
    }

    @Test("Go release names become versions: go1.22.1, go1.21, go1.21rc1, go1.19beta2, experiments; devel is none")
    func releases() {
        let cases: [(String, String?)] = [
            ("go1.22.1", "v1.22.1"), ("go1.21", "v1.21.0"), ("go1.21.0", "v1.21.0"), ("go1.21rc1", "v1.21.0-rc.1"),
            ("go1.19beta2", "v1.19.0-beta.2"), ("go1.9.2rc2", "v1.9.2-rc.2"), ("go1", "v1.0.0"),
            ("go1.22.1 X:boringcrypto", "v1.22.1"), ("go1.26.6", "v1.26.6"), ("go1.27.3", "v1.27.3"),
            ("devel go1.23-abcdef Tue Jan 2 2024", nil), ("1.22.1", nil), ("go1.22.x", nil), ("gofoo", nil), ("go1.21rc", nil),
        ]
        for (name, want) in cases {
            #expect(GoReleaseVersion.semver(name)?.canonical == want, "\(name)")
        }
        #expect(GoReleaseVersion.databaseVersion("go1.22.1") == "1.22.1")
        #expect(GoReleaseVersion.databaseVersion("go1.21rc1") == "1.21.0-rc.1")
        // A release candidate is before its release and after the previous minor's patches.
        #expect(GoReleaseVersion.semver("go1.21rc1")! < GoReleaseVersion.semver("go1.21.0")!)
        #expect(GoReleaseVersion.semver("go1.20.14")! < GoReleaseVersion.semver("go1.21rc1")!)
    }
}
