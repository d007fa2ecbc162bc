import VPSCore
import VPSFormats

/// Segmentation and Tracking Quality as deeplab2's
/// `evaluation/numpy/segmentation_and_tracking_quality.py` computes it.
///
/// - Semantic classes are the label set's categories; gt void is the ignore
///   label (its pixels leave the IoU term), predicted void is the extra
///   "ignore" column, so predicting void where the gt has a class costs both a
///   false negative and, as in the reference, an extra zero-IoU class.
/// - Association (AQ) runs over thing pixels: gt tubes are non-crowd thing
///   segments (crowd = instance 0 in deeplab2; `isCrowd` here), predictions are
///   thing segments outside gt crowd regions.
///   AQ = Σ_gt 1/|gt| Σ_pred TPA·TPA/(TPA+FPA+FNA), divided by the number of gt tubes.
/// - SQ is the mean class IoU; STQ = √(AQ·SQ). Counts are exact integers here
///   (the reference sums float32 counts, identical below 2²⁴ pixels per tube).
public struct STQAccumulator: Sendable {
    public let categories: [Category]
    let classIndex: [Int: Int]
    let isThing: [Bool]
    /// Per sequence: confusion (C+1)², gt tube sizes, pred sizes, intersections.
    struct Sequence: Sendable {
        var name: String
        var confusion: [Double]
        var gt: [Int: Int] = [:]
        var pred: [Int: Int] = [:]
        var inter: [FrameOverlap.Pair: Int] = [:]
        var length = 0
    }
    var sequences: [Sequence] = []

    public init(categories: [Category]) {
        self.categories = categories
        var idx: [Int: Int] = [:]
        for (i, c) in categories.enumerated() { idx[c.id] = i }
        classIndex = idx
        isThing = categories.map(\.isThing)
    }

    var size: Int { categories.count + 1 }

    public mutating func beginVideo(name: String) {
        sequences.append(Sequence(name: name, confusion: Array(repeating: 0, count: size * size)))
    }

    /// Feeds the next frame of the current video.
    public mutating func add(_ f: FrameOverlap) throws {
        if sequences.isEmpty { beginVideo(name: "0") }
        let C = categories.count
        var gtInfo: [Int: (cls: Int, crowd: Bool)] = [0: (C, false)]
        for s in f.gtSegments {
            guard let c = classIndex[s.categoryId] else {
                throw VPSError.invalidArgument("ground-truth segment \(s.id) has category \(s.categoryId), which is not in the label set")
            }
            gtInfo[s.id] = (c, s.isCrowd)
        }
        var predCls: [Int: Int] = [0: C]
        for s in f.predSegments { predCls[s.id] = classIndex[s.categoryId] ?? C }
        var seq = sequences.removeLast()
        seq.length += 1
        for (key, n) in f.pairs {
            guard let g = gtInfo[key.gt] else {
                throw VPSError.invalidArgument("ground-truth id \(key.gt) has no segments_info entry")
            }
            let p = predCls[key.pred] ?? C
            if g.cls != C { seq.confusion[g.cls * size + p] += Double(n) }
            let gtThing = g.cls != C && isThing[g.cls]
            let predThing = p != C && isThing[p]
            let crowd = gtThing && g.crowd
            let labelMask = gtThing && !crowd
            let predMask = predThing && !crowd
            if predMask { seq.pred[key.pred, default: 0] += n }
            if labelMask { seq.gt[key.gt, default: 0] += n }
            if labelMask && predMask { seq.inter[key, default: 0] += n }
        }
        sequences.append(seq)
    }

    static func meanIoU(_ m: [Double], _ size: Int) -> Double {
        var sum = 0.0, n = 0
        for c in 0..<size {
            var row = 0.0, col = 0.0
            for j in 0..<size { row += m[c * size + j]; col += m[j * size + c] }
            let tp = m[c * size + c]
            let union = tp + (col - tp) + (row - tp)
            if union != 0 { n += 1 }
            sum += tp / max(union, 1e-15)
        }
        return sum / Double(n)
    }

    static func association(_ s: Sequence) -> Double {
        var outer = 0.0
        var inner: [Int: Double] = [:]
        for (key, tpa) in s.inter.sorted(by: { $0.key < $1.key }) {
            let gtSize = Double(s.gt[key.gt]!), prSize = Double(s.pred[key.pred]!)
            let t = Double(tpa)
            inner[key.gt, default: 0] += t * (t / (t + (prSize - t) + (gtSize - t)))
        }
        for (g, size) in s.gt.sorted(by: { $0.key < $1.key }) { outer += 1 / Double(size) * (inner[g] ?? 0) }
        return outer
    }

    public func result() -> STQResult {
        var per: [STQSequenceResult] = []
        var aqSum = 0.0, tubes = 0
        var total = Array(repeating: 0.0, count: size * size)
        for s in sequences {
            let aqOuter = Self.association(s)
            aqSum += aqOuter
            tubes += s.gt.count
            for i in total.indices { total[i] += s.confusion[i] }
            let aq = aqOuter / max(Double(s.gt.count), 1e-15)
            let iou = Self.meanIoU(s.confusion, size)
            per.append(STQSequenceResult(name: s.name, stq: (aq * iou).squareRoot(), aq: aq, iou: iou, length: s.length))
        }
        let aq = aqSum / max(Double(tubes), 1e-15)
        let iou = Self.meanIoU(total, size)
        return STQResult(stq: (aq * iou).squareRoot(), aq: aq, iou: iou, sequences: per)
    }
}

/// STQ of one sequence (fractions 0…1; `iou` is the segmentation term SQ).
public struct STQSequenceResult: Equatable, Sendable, Codable {
    public var name: String
    public var stq: Double
    public var aq: Double
    public var iou: Double
    public var length: Int
}

/// STQ over all sequences: AQ pooled over all gt tubes, IoU over the summed confusion.
public struct STQResult: Equatable, Sendable, Codable {
    public var stq: Double
    public var aq: Double
    public var iou: Double
    public var sequences: [STQSequenceResult]
}
