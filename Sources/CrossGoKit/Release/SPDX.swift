// SPDX 2.3 JSON: the document types (only the fields crossgo writes), building one from an artifact's module graph,
// and reading back the facts `SBOM.check` compares.
import Crypto
import Foundation

enum SPDX {
    static let noAssertion = "NOASSERTION"
    static let artifactPackageID = "SPDXRef-Package-artifact"
    static let artifactFileID = "SPDXRef-File-artifact"

    struct Document: Codable, Equatable {
        var spdxVersion: String
        var dataLicense: String?
        var spdxID: String?
        var name: String?
        var documentNamespace: String?
        var creationInfo: CreationInfo?
        var packages: [Package]?
        var files: [File]?
        var relationships: [Relationship]?

        enum CodingKeys: String, CodingKey {
            case spdxVersion, dataLicense, spdxID = "SPDXID", name, documentNamespace, creationInfo, packages, files, relationships
        }
    }

    struct CreationInfo: Codable, Equatable {
        var created: String
        var creators: [String]
        var comment: String?
    }

    struct Package: Codable, Equatable {
        var spdxID: String
        var name: String
        var versionInfo: String?
        var downloadLocation: String
        var filesAnalyzed: Bool?
        var packageVerificationCode: VerificationCode?
        var hasFiles: [String]?
        var checksums: [Checksum]?
        var licenseConcluded: String?
        var licenseDeclared: String?
        var copyrightText: String?
        var externalRefs: [ExternalRef]?
        var primaryPackagePurpose: String?
        var comment: String?
        var annotations: [Annotation]?

        enum CodingKeys: String, CodingKey {
            case spdxID = "SPDXID", name, versionInfo, downloadLocation, filesAnalyzed, packageVerificationCode, hasFiles, checksums,
                 licenseConcluded, licenseDeclared, copyrightText, externalRefs, primaryPackagePurpose, comment, annotations
        }
    }

    struct VerificationCode: Codable, Equatable { var packageVerificationCodeValue: String }

    struct File: Codable, Equatable {
        var spdxID: String
        var fileName: String
        var checksums: [Checksum]
        var fileTypes: [String]?
        var licenseConcluded: String?
        var copyrightText: String?

        enum CodingKeys: String, CodingKey { case spdxID = "SPDXID", fileName, checksums, fileTypes, licenseConcluded, copyrightText }
    }

    struct Checksum: Codable, Equatable {
        var algorithm: String
        var checksumValue: String
    }

    struct ExternalRef: Codable, Equatable {
        var referenceCategory: String
        var referenceType: String
        var referenceLocator: String
    }

    struct Annotation: Codable, Equatable {
        var annotationDate: String
        var annotationType: String
        var annotator: String
        var comment: String
    }

    struct Relationship: Codable, Equatable {
        var spdxElementId: String
        var relationshipType: String
        var relatedSpdxElement: String
    }

    static func document(subject: SBOMSubject, graph: GoModuleGraph, created: Date, toolVersion: String) -> Document {
        let time = SBOM.timestamp(created)
        let tool = "Tool: crossgo-\(toolVersion)"
        func annotations(_ properties: [(String, String)]) -> [Annotation]? {
            properties.isEmpty ? nil : properties.map {
                Annotation(annotationDate: time, annotationType: "OTHER", annotator: tool, comment: "\($0.0)=\($0.1)")
            }
        }
        // One file: the verification code is the SHA-1 of its SHA-1 (SPDX 2.3 clause 7.9).
        let verification = hex(Insecure.SHA1.hash(data: Array(subject.sha1.utf8)))
        let artifact = Package(
            spdxID: artifactPackageID, name: subject.fileName, versionInfo: graph.main?.version, downloadLocation: noAssertion,
            filesAnalyzed: true, packageVerificationCode: VerificationCode(packageVerificationCodeValue: verification),
            hasFiles: [artifactFileID], checksums: [Checksum(algorithm: "SHA256", checksumValue: subject.sha256)],
            licenseConcluded: noAssertion, licenseDeclared: noAssertion, copyrightText: noAssertion, externalRefs: nil,
            primaryPackagePurpose: "APPLICATION", comment: "The \(subject.target) artifact, as built; its modules are read from its Go build info.",
            annotations: annotations(artifactProperties(subject)))
        let file = File(spdxID: artifactFileID, fileName: "./" + subject.fileName,
                        checksums: [Checksum(algorithm: "SHA1", checksumValue: subject.sha1), Checksum(algorithm: "SHA256", checksumValue: subject.sha256)],
                        fileTypes: ["BINARY"], licenseConcluded: noAssertion, copyrightText: noAssertion)

        var packages = [artifact]
        for c in graph.all {
            var comment: String?
            if let required = c.required, let replacement = c.replacement {
                switch replacement {
                case .module(let path, let version): comment = "go.mod replaces \(required.path) \(required.version) with \(path) \(version)"
                case .directory(let dir): comment = "go.mod replaces \(required.path) \(required.version) with the directory \(dir)"
                }
            }
            packages.append(Package(
                spdxID: spdxID(c.ref), name: c.name, versionInfo: c.version, downloadLocation: noAssertion, filesAnalyzed: false,
                packageVerificationCode: nil, hasFiles: nil, checksums: nil, licenseConcluded: noAssertion, licenseDeclared: noAssertion,
                copyrightText: noAssertion,
                externalRefs: [ExternalRef(referenceCategory: "PACKAGE-MANAGER", referenceType: "purl", referenceLocator: c.purl)],
                primaryPackagePurpose: c.role == .main ? "APPLICATION" : "LIBRARY", comment: comment, annotations: annotations(c.properties)))
        }

        var relationships = [
            Relationship(spdxElementId: "SPDXRef-DOCUMENT", relationshipType: "DESCRIBES", relatedSpdxElement: artifactPackageID),
            Relationship(spdxElementId: artifactPackageID, relationshipType: "CONTAINS", relatedSpdxElement: artifactFileID),
        ]
        let libraries = (graph.dependencies + [graph.stdlib]).map { spdxID($0.ref) }
        let root: String
        if let main = graph.main {
            relationships.append(Relationship(spdxElementId: artifactPackageID, relationshipType: "DEPENDS_ON", relatedSpdxElement: spdxID(main.ref)))
            relationships.append(Relationship(spdxElementId: artifactFileID, relationshipType: "GENERATED_FROM", relatedSpdxElement: spdxID(main.ref)))
            root = spdxID(main.ref)
        } else {
            root = artifactPackageID
        }
        for lib in libraries { relationships.append(Relationship(spdxElementId: root, relationshipType: "DEPENDS_ON", relatedSpdxElement: lib)) }

        return Document(
            spdxVersion: "SPDX-2.3", dataLicense: "CC0-1.0", spdxID: "SPDXRef-DOCUMENT", name: subject.fileName,
            documentNamespace: "urn:uuid:" + SBOM.uuid5(SBOM.identityName(.spdx, subject: subject, created: created, toolVersion: toolVersion)),
            creationInfo: CreationInfo(created: time, creators: [tool],
                                       comment: "Read from the artifact's Go build info, which lists every module linked in but not which imports which."),
            packages: packages, files: [file], relationships: relationships)
    }

    /// `crossgo:module:example.com/x` -> `SPDXRef-Package-module-example.com-x-1a2b3c4d`: readable, and unique through
    /// the hash of the whole reference (two paths that only differ in characters SPDX IDs cannot hold stay apart).
    static func spdxID(_ ref: String) -> String {
        let body = ref.hasPrefix("crossgo:") ? String(ref.dropFirst("crossgo:".count)) : ref
        var safe = ""
        for scalar in body.unicodeScalars {
            let ok = (scalar >= "a" && scalar <= "z") || (scalar >= "A" && scalar <= "Z") || (scalar >= "0" && scalar <= "9") || scalar == "." || scalar == "-"
            safe.unicodeScalars.append(ok ? scalar : "-")
        }
        return "SPDXRef-Package-\(safe)-\(hex(SHA256.hash(data: Array(ref.utf8)).prefix(4)))"
    }

    static func facts(_ doc: Document) throws(SBOMError) -> SBOMFacts {
        let packages = doc.packages ?? []
        guard let describedID = doc.relationships?.first(where: { $0.spdxElementId == (doc.spdxID ?? "SPDXRef-DOCUMENT") && $0.relationshipType == "DESCRIBES" })?.relatedSpdxElement,
              let artifact = packages.first(where: { $0.spdxID == describedID }) else {
            throw SBOMError("SPDX document without a described package (the artifact)")
        }
        var properties: [String: String] = [:]
        for a in artifact.annotations ?? [] {
            guard let eq = a.comment.firstIndex(of: "=") else { continue }
            properties[String(a.comment[..<eq])] = properties[String(a.comment[..<eq])] ?? String(a.comment[a.comment.index(after: eq)...])
        }
        var modules: [String: Set<String>] = [:]
        for p in packages where p.spdxID != artifact.spdxID { modules[p.name, default: []].insert(p.versionInfo ?? "") }
        return SBOMFacts(sha256: artifact.checksums?.first { $0.algorithm == "SHA256" }?.checksumValue.lowercased(),
                         goVersion: properties["crossgo:go.version"], goos: properties["crossgo:build:GOOS"],
                         goarch: properties["crossgo:build:GOARCH"], modules: modules)
    }
}
