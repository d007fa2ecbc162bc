import Foundation

extension MaskRCNNConfig {
    /// This config with the keys of a user's JSON config file laid over it
    /// (`--model-config FILE`): objects merge key by key, anything else
    /// replaces. A `.pth` carries no config, so this is how a user says what
    /// one holds, e.g. a torchvision model fine-tuned from an ImageNet
    /// backbone: `{"backbone": {"batchNormEps": 1e-5}, "classNames": [...]}`.
    /// Unknown keys are refused by name, so a typo never passes silently.
    public func merging(jsonFile path: String) throws -> MaskRCNNConfig {
        func bad(_ m: String) -> Error { DetectionError.invalidConfig("\(path): \(m)") }
        guard let data = FileManager.default.contents(atPath: path) else { throw bad("cannot be read") }
        guard let user = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw bad("is not a JSON object")
        }
        let base = try JSONSerialization.jsonObject(with: JSONEncoder().encode(self)) as! [String: Any]
        let merged: [String: Any]
        do { merged = try Self.merge(user, into: base, known: Self.knownKeys, at: "") } catch DetectionError.invalidConfig(let m) {
            throw bad(m)
        }
        let config: MaskRCNNConfig
        do {
            config = try JSONDecoder().decode(MaskRCNNConfig.self, from: JSONSerialization.data(withJSONObject: merged))
        } catch {
            throw bad("does not describe a model config (\(Self.describe(error)))")
        }
        try config.validate()
        return config
    }

    /// The keys a config file may set, per object path ("" is the top level).
    static let knownKeys: [String: Set<String>] = [
        "": ["architecture", "backbone", "transform", "anchors", "rpn", "roiHeads", "classNames", "categoryIds",
             "trackHead", "semanticHead"],
        "backbone": ["block", "layers", "stemChannels", "stageWidths", "fpnChannels", "batchNormEps", "strideInOneByOne"],
        "transform": ["minSize", "maxSize", "mean", "std", "sizeDivisible", "channelOrder", "pixelRange", "resize"],
        "anchors": ["sizes", "aspectRatios", "roundCellAnchors", "strides"],
        "rpn": ["preNMSTopN", "postNMSTopN", "nmsThreshold", "scoreThreshold", "minSize", "minSizeExclusive", "nmsOnLogits"],
        "roiHeads": ["boxPoolSize", "maskPoolSize", "samplingRatio", "representationSize", "maskLayers",
                     "boxCoderWeights", "scoreThreshold", "nmsThreshold", "detectionsPerImage", "maskThreshold",
                     "alignedRoIs", "levelEpsInsideLog", "levelEps", "minBoxSide", "clipAndDropEmptyBoxes", "maskPaste"],
        "trackHead": ["poolSize", "fcDims"],
        "semanticHead": ["convDims", "commonStride", "groupNormGroups", "classNames", "categoryIds", "combine"],
        "semanticHead.combine": ["overlapThreshold", "stuffAreaThreshold", "instanceScoreThreshold"],
    ]

    static func merge(_ user: [String: Any], into base: [String: Any], known: [String: Set<String>],
                      at path: String) throws -> [String: Any] {
        var out = base
        for (key, value) in user {
            let full = path.isEmpty ? key : "\(path).\(key)"
            guard known[path]?.contains(key) ?? true else {
                let valid = known[path]!.sorted().joined(separator: ", ")
                throw DetectionError.invalidConfig("unknown key '\(full)' (valid: \(valid))")
            }
            if let object = value as? [String: Any], known[full] != nil {
                out[key] = try merge(object, into: base[key] as? [String: Any] ?? [:], known: known, at: full)
            } else {
                out[key] = value
            }
        }
        return out
    }

    static func describe(_ error: Error) -> String {
        switch error {
        case DecodingError.typeMismatch(_, let c), DecodingError.valueNotFound(_, let c), DecodingError.dataCorrupted(let c):
            let at = c.codingPath.map(\.stringValue).joined(separator: ".")
            return at.isEmpty ? c.debugDescription : "\(at): \(c.debugDescription)"
        case DecodingError.keyNotFound(let k, let c):
            return "missing \((c.codingPath.map(\.stringValue) + [k.stringValue]).joined(separator: "."))"
        default:
            return "\(error)"
        }
    }
}
