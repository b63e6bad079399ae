import Foundation
import Index
import Support

/// kb.json: what the folder holds and which encoder weights produced the embeddings.
public struct KBManifest: Codable, Equatable, Sendable {
    public struct EncoderInfo: Codable, Equatable, Sendable {
        public var fingerprint: String
        public var dimension: Int
    }
    public struct IndexInfo: Codable, Equatable, Sendable {
        public var kind: String
        public var m: Int?
        public var efConstruction: Int?
        public var efSearch: Int?
    }

    public var format = "ragtime-kb"
    public var version = 1
    public var source: String?
    public var sourceFormat: RawFormat?
    public var documents: Int
    public var skippedRows: Int
    public var wordsPerPassage: Int
    public var passages: Int
    public var encoder: EncoderInfo?
    public var index: IndexInfo?

    public init(source: String?, sourceFormat: RawFormat?, documents: Int, skippedRows: Int,
                wordsPerPassage: Int, passages: Int) {
        self.source = source
        self.sourceFormat = sourceFormat
        self.documents = documents
        self.skippedRows = skippedRows
        self.wordsPerPassage = wordsPerPassage
        self.passages = passages
    }
}

/// The KB folder: `passages.tsv` (header `id<TAB>title<TAB>text`, fields escaped `\\ \t \n \r`),
/// `embeddings.safetensors` (F32 `embeddings [N, d]`), `index.faiss`, `kb.json`.
/// `save` writes a complete new folder beside the target and renames it into place (AtomicFolder), so a
/// failure or crash leaves either the old KB or the new one, never a mix; a stale file of an earlier save (an
/// index the new KB does not have) is not carried over.
extension KnowledgeBase {
    static let passagesFile = "passages.tsv"
    static let embeddingsFile = "embeddings.safetensors"
    static let indexFile = "index.faiss"
    static let manifestFile = "kb.json"

    public func save(to folder: URL) throws {
        let owned: Set<String> = [Self.passagesFile, Self.embeddingsFile, Self.indexFile, Self.manifestFile]
        do {
            try AtomicFolder.update(folder, owns: owned) { temp in
                try Data(Self.encodePassages(passages).utf8).write(to: temp.appendingPathComponent(Self.passagesFile))
                if let embeddings, let d = dimension {
                    try EmbeddingsFile.write(embeddings, rows: count, cols: d,
                                             metadata: ["encoder_fingerprint": manifest.encoder?.fingerprint ?? ""],
                                             to: temp.appendingPathComponent(Self.embeddingsFile))
                }
                if let index { try FaissFile.write(index, to: temp.appendingPathComponent(Self.indexFile)) }
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                try encoder.encode(manifest).write(to: temp.appendingPathComponent(Self.manifestFile))
            }
        } catch let error as KBError {
            throw error
        } catch let failure as AtomicFolder.Failure {
            throw KBError.io(path: failure.path, message: failure.message)
        } catch {
            throw KBError.io(path: folder.path, message: AtomicFolder.describe(error))
        }
    }

    public static func load(from folder: URL) throws -> KnowledgeBase {
        func read(_ name: String) throws -> Data {
            let url = folder.appendingPathComponent(name)
            do { return try Data(contentsOf: url) } catch {
                throw KBError.io(path: url.path, message: FileErrors.reason(error))
            }
        }
        let manifestURL = folder.appendingPathComponent(manifestFile)
        let manifest: KBManifest
        do { manifest = try JSONDecoding.decode(KBManifest.self, from: try read(manifestFile), file: nil) } catch let e as KBError {
            throw e
        } catch {
            throw KBError.corrupt(path: manifestURL.path, message: "\(error)")
        }
        guard manifest.format == "ragtime-kb", manifest.version == 1 else {
            throw KBError.corrupt(path: manifestURL.path, message: "format \(manifest.format) version \(manifest.version) is not ragtime-kb version 1")
        }
        let passagesPath = folder.appendingPathComponent(passagesFile).path
        guard let passagesText = String(data: try read(passagesFile), encoding: .utf8) else {
            throw KBError.corrupt(path: passagesPath, message: "not valid UTF-8")
        }
        let passages = try decodePassages(passagesText, path: passagesPath)
        guard passages.count == manifest.passages else {
            throw KBError.corrupt(path: passagesPath, message: "\(passages.count) passages, kb.json says \(manifest.passages)")
        }
        let kb = KnowledgeBase(passages: passages, manifest: manifest)
        var embeddings: [Float]?
        var index: (any VectorIndex)?
        if let enc = manifest.encoder {
            let path = folder.appendingPathComponent(embeddingsFile).path
            let t = try EmbeddingsFile.read(folder.appendingPathComponent(embeddingsFile))
            guard t.rows == passages.count, t.cols == enc.dimension else {
                throw KBError.corrupt(path: path, message: "embeddings are [\(t.rows), \(t.cols)], expected [\(passages.count), \(enc.dimension)]")
            }
            embeddings = t.values
        }
        if manifest.index != nil {
            let url = folder.appendingPathComponent(indexFile)
            let loaded: any VectorIndex
            do { loaded = try FaissFile.read(from: url) } catch let e as IndexError {
                throw KBError.corrupt(path: url.path, message: e.description)
            }
            guard loaded.count == passages.count, loaded.dimension == manifest.encoder?.dimension else {
                throw KBError.corrupt(path: url.path, message: "index holds \(loaded.count) vectors of dimension \(loaded.dimension), expected \(passages.count) of \(manifest.encoder?.dimension ?? 0)")
            }
            try checkIndex(loaded, manifest.index!, embeddings: embeddings, path: url.path)
            index = loaded
        }
        kb.restore(embeddings: embeddings, index: index)
        return kb
    }

    /// The index agrees with kb.json and with the embeddings file: its kind (and HNSW's M) is the one kb.json
    /// names, and every stored vector equals its row of `embeddings.safetensors` bit for bit (a full comparison:
    /// N·d floats, ~10 ms for the 34,622-passage SQuAD KB; a flipped byte in either file is caught here).
    static func checkIndex(_ index: any VectorIndex, _ info: KBManifest.IndexInfo, embeddings: [Float]?, path: String) throws {
        switch (info.kind, index) {
        case ("flat", is FlatIndex): break
        case ("hnsw", let h as HNSWIndex):
            if let m = info.m, m != h.m { throw KBError.corrupt(path: path, message: "HNSW M is \(h.m), kb.json says \(m)") }
        default:
            throw KBError.corrupt(path: path, message: "kb.json names a \"\(info.kind)\" index, the file holds \(type(of: index)) (kinds: flat, hnsw)")
        }
        guard let embeddings else { throw KBError.corrupt(path: path, message: "an index without embeddings (kb.json has no encoder)") }
        let d = index.dimension
        for id in 0..<index.count
        where !index.vector(at: id).elementsEqual(embeddings[id * d ..< (id + 1) * d], by: { $0.bitPattern == $1.bitPattern }) {
            throw KBError.corrupt(path: path, message: "stored vector \(id) differs from row \(id) of \(embeddingsFile)")
        }
    }

    static func escape(_ s: String) -> String {
        StringEscaping.escape(s) { u in
            switch u {
            case "\\": return "\\\\"
            case "\t": return "\\t"
            case "\n": return "\\n"
            case "\r": return "\\r"
            default: return nil
            }
        }
    }

    static func unescape(_ s: Substring) -> String? {
        var out = String.UnicodeScalarView()
        var it = s.unicodeScalars.makeIterator()
        while let c = it.next() {
            guard c == "\\" else { out.append(c); continue }
            switch it.next() {
            case "\\": out.append("\\")
            case "t": out.append("\t")
            case "n": out.append("\n")
            case "r": out.append("\r")
            default: return nil
            }
        }
        return String(out)
    }

    static func encodePassages(_ passages: [Passage]) -> String {
        var out = "id\ttitle\ttext\n"
        for (i, p) in passages.enumerated() { out += "\(i)\t\(escape(p.title))\t\(escape(p.text))\n" }
        return out
    }

    static func decodePassages(_ text: String, path: String) throws -> [Passage] {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.first == "id\ttitle\ttext" else { throw KBError.corrupt(path: path, message: "missing header line id<TAB>title<TAB>text") }
        if lines.last == "" { lines.removeLast() }
        var out: [Passage] = []
        for (n, line) in lines.dropFirst().enumerated() {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard f.count == 3, Int(f[0]) == n, let title = unescape(f[1]), let body = unescape(f[2]) else {
                throw KBError.corrupt(path: path, message: "line \(n + 2) is not \"\(n)<TAB>title<TAB>text\" with valid escapes")
            }
            out.append(Passage(title: title, text: body))
        }
        return out
    }
}

/// Shard files for multi-process encoding: `embeddings-shard-00002-of-00008.safetensors`, each holding
/// its rows and (in metadata) the shard, the row range, the total and the encoder fingerprint.
public enum ShardFiles {
    public static func name(_ shard: Shard) -> String {
        String(format: "embeddings-shard-%05d-of-%05d.safetensors", shard.index, shard.count)
    }

    public static func write(_ s: EmbeddingShard, to folder: URL) throws {
        do { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) } catch {
            throw KBError.io(path: folder.path, message: FileErrors.reason(error))
        }
        try EmbeddingsFile.write(s.embeddings, rows: s.range.count, cols: s.dimension,
                                 metadata: ["shard": "\(s.shard.index)", "shards": "\(s.shard.count)",
                                            "start": "\(s.range.lowerBound)", "end": "\(s.range.upperBound)",
                                            "total": "\(s.total)", "encoder_fingerprint": s.fingerprint],
                                 to: folder.appendingPathComponent(name(s.shard)))
    }

    /// Reads every shard file in `folder` (sorted by shard number); `PassageEncoding.merge` checks coverage.
    public static func readAll(in folder: URL) throws -> [EmbeddingShard] {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: folder.path) } catch {
            throw KBError.io(path: folder.path, message: FileErrors.reason(error))
        }
        return try names.filter { $0.hasPrefix("embeddings-shard-") && $0.hasSuffix(".safetensors") }.sorted().map { n in
            let url = folder.appendingPathComponent(n)
            let t = try EmbeddingsFile.read(url)
            let m = t.metadata
            guard let i = Int(m["shard"] ?? ""), let c = Int(m["shards"] ?? ""), let start = Int(m["start"] ?? ""),
                  let end = Int(m["end"] ?? ""), let total = Int(m["total"] ?? ""), let fp = m["encoder_fingerprint"],
                  end - start == t.rows, end >= start else {
                throw KBError.corrupt(path: url.path, message: "shard metadata missing or inconsistent with its \(t.rows) rows")
            }
            return EmbeddingShard(shard: try Shard(index: i, count: c), range: start ..< end, total: total,
                                  dimension: t.cols, fingerprint: fp, embeddings: t.values)
        }
    }
}
