// CycloneDX 1.6 JSON: the document types (only the fields crossgo writes), building one from an artifact's module
// graph, and reading back the facts `SBOM.check` compares.
import Foundation

enum CycloneDX {
    static let specVersion = "1.6"

    struct Document: Codable, Equatable {
        var schema: String? = "http://cyclonedx.org/schema/bom-1.6.schema.json"
        var bomFormat = "CycloneDX"
        var specVersion: String
        var serialNumber: String?
        var version: Int?
        var metadata: Metadata?
        var components: [Component]?
        var dependencies: [Dependency]?
        var compositions: [Composition]?

        enum CodingKeys: String, CodingKey {
            case schema = "$schema", bomFormat, specVersion, serialNumber, version, metadata, components, dependencies, compositions
        }
    }

    struct Metadata: Codable, Equatable {
        var timestamp: String?
        var lifecycles: [Lifecycle]?
        var tools: Tools?
        var component: Component?
    }

    struct Lifecycle: Codable, Equatable { var phase: String }
    struct Tools: Codable, Equatable { var components: [Component]? }

    struct Component: Codable, Equatable {
        var type: String
        var bomRef: String?
        var name: String
        var version: String?
        var purl: String?
        var hashes: [Hash]?
        var pedigree: Pedigree?
        var properties: [Property]?

        enum CodingKeys: String, CodingKey { case type, bomRef = "bom-ref", name, version, purl, hashes, pedigree, properties }
    }

    struct Hash: Codable, Equatable {
        var alg: String
        var content: String
    }

    struct Pedigree: Codable, Equatable { var ancestors: [Component]? }

    struct Property: Codable, Equatable {
        var name: String
        var value: String?
    }

    struct Dependency: Codable, Equatable {
        var ref: String
        var dependsOn: [String]?
    }

    struct Composition: Codable, Equatable {
        var aggregate: String
        var assemblies: [String]?
        var dependencies: [String]?
    }

    static let artifactRef = "crossgo:artifact"

    static func document(subject: SBOMSubject, graph: GoModuleGraph, created: Date, toolVersion: String) -> Document {
        let artifact = Component(
            type: "application", bomRef: artifactRef, name: subject.fileName, version: graph.main?.version,
            purl: nil, hashes: [Hash(alg: "SHA-256", content: subject.sha256)], pedigree: nil,
            properties: artifactProperties(subject).map { Property(name: $0.0, value: $0.1) })
        let tool = Component(type: "application", bomRef: nil, name: "crossgo", version: toolVersion, purl: nil, hashes: nil, pedigree: nil, properties: nil)
        let metadata = Metadata(timestamp: SBOM.timestamp(created), lifecycles: [Lifecycle(phase: "post-build")],
                                tools: Tools(components: [tool]), component: artifact)

        let components = graph.all.map(component)
        let libraries = (graph.dependencies + [graph.stdlib]).map(\.ref)
        var dependencies: [Dependency] = []
        if let main = graph.main {
            dependencies.append(Dependency(ref: artifactRef, dependsOn: [main.ref]))
            dependencies.append(Dependency(ref: main.ref, dependsOn: libraries))
        } else {
            dependencies.append(Dependency(ref: artifactRef, dependsOn: libraries))
        }
        // Every module that contributed code is listed (build info records them all), unless cgo linked C code in.
        let cgo = subject.buildInfo.setting("CGO_ENABLED") == "1"
        let compositions = [
            Composition(aggregate: cgo ? "incomplete" : "complete", assemblies: [artifactRef], dependencies: nil),
            // Go does not record which dependency imports which: their own edges are unknown.
            Composition(aggregate: "unknown", assemblies: nil, dependencies: libraries),
        ]
        return Document(
            specVersion: specVersion,
            serialNumber: "urn:uuid:" + SBOM.uuid5(SBOM.identityName(.cycloneDX, subject: subject, created: created, toolVersion: toolVersion)),
            version: 1, metadata: metadata, components: components, dependencies: dependencies, compositions: compositions)
    }

    static func component(_ c: GoComponent) -> Component {
        var pedigree: Pedigree?
        if let required = c.required, case .module = c.replacement {
            let purl = Purl.golang(required.path, version: required.version.isEmpty ? nil : required.version)
            pedigree = Pedigree(ancestors: [Component(type: "library", bomRef: nil, name: required.path, version: required.version,
                                                      purl: purl, hashes: nil, pedigree: nil, properties: nil)])
        }
        let properties = c.properties.map { Property(name: $0.0, value: $0.1) }
        return Component(type: c.role == .main ? "application" : "library", bomRef: c.ref, name: c.name, version: c.version, purl: c.purl,
                         hashes: nil, pedigree: pedigree, properties: properties.isEmpty ? nil : properties)
    }

    static func facts(_ doc: Document) throws(SBOMError) -> SBOMFacts {
        guard let artifact = doc.metadata?.component else { throw SBOMError("CycloneDX document without metadata.component (the artifact)") }
        func property(_ name: String) -> String? { artifact.properties?.first { $0.name == name }?.value }
        var modules: [String: Set<String>] = [:]
        for c in doc.components ?? [] { modules[c.name, default: []].insert(c.version ?? "") }
        return SBOMFacts(sha256: artifact.hashes?.first { $0.alg == "SHA-256" }?.content.lowercased(),
                         goVersion: property("crossgo:go.version"), goos: property("crossgo:build:GOOS"),
                         goarch: property("crossgo:build:GOARCH"), modules: modules)
    }
}
