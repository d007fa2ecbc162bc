/// PyTorch's CPU `Tensor.sort(descending=True)` (unstable, the default):
/// libstdc++'s `std::sort` over (value, index) pairs with ATen's
/// `KeyValueCompDesc` (NaN first, then larger values first).
///
/// Equal values come out in the order that introsort leaves them in, which
/// is not index order once there are more than 16 of them. torchvision
/// sorts this way where `batched_nms` runs category by category (more than
/// 1000 boxes on CPU) and orders the kept boxes by score, so with tied
/// scores (near-certain detections, saturated RPN objectness) which boxes
/// survive a top-k cut depends on it.
///
/// The algorithm is GCC's: introsort with depth limit 2·⌊log₂ n⌋, median of
/// three (first + 1, middle, last − 1) moved to the front, Hoare partition,
/// heap sort when the depth runs out, stopping at 16 elements, then a final
/// insertion sort.
public enum TorchSort {
    /// The permutation `torch.sort(values, descending=True)` returns as indices.
    public static func descendingOrder(_ values: [Float]) -> [Int] {
        var a = values.enumerated().map { Pair(value: $0.element, index: $0.offset) }
        let n = a.count
        guard n > 0 else { return [] }
        a.withUnsafeMutableBufferPointer { p in
            introsortLoop(p, 0, n, depth: 2 * (Int.bitWidth - 1 - n.leadingZeroBitCount))
            if n > threshold {
                insertionSort(p, 0, threshold)
                for i in threshold..<n { unguardedLinearInsert(p, i) }
            } else {
                insertionSort(p, 0, n)
            }
        }
        return a.map(\.index)
    }

    struct Pair { var value: Float; var index: Int }
    typealias Buffer = UnsafeMutableBufferPointer<Pair>
    static let threshold = 16

    /// ATen's `KeyValueCompDesc`: a goes before b.
    @inline(__always)
    static func before(_ a: Pair, _ b: Pair) -> Bool {
        (a.value.isNaN && !b.value.isNaN) || a.value > b.value
    }

    static func introsortLoop(_ p: Buffer, _ first: Int, _ last: Int, depth: Int) {
        var last = last, depth = depth
        while last - first > threshold {
            if depth == 0 {
                heapSort(p, first, last)
                return
            }
            depth -= 1
            moveMedianToFirst(p, first, first + 1, first + (last - first) / 2, last - 1)
            let cut = unguardedPartition(p, first + 1, last, pivot: first)
            introsortLoop(p, cut, last, depth: depth)
            last = cut
        }
    }

    static func moveMedianToFirst(_ p: Buffer, _ result: Int, _ a: Int, _ b: Int, _ c: Int) {
        let pick: Int
        if before(p[a], p[b]) {
            pick = before(p[b], p[c]) ? b : before(p[a], p[c]) ? c : a
        } else {
            pick = before(p[a], p[c]) ? a : before(p[b], p[c]) ? c : b
        }
        p.swapAt(result, pick)
    }

    static func unguardedPartition(_ p: Buffer, _ first: Int, _ last: Int, pivot: Int) -> Int {
        var first = first, last = last
        while true {
            while before(p[first], p[pivot]) { first += 1 }
            last -= 1
            while before(p[pivot], p[last]) { last -= 1 }
            if !(first < last) { return first }
            p.swapAt(first, last)
            first += 1
        }
    }

    static func insertionSort(_ p: Buffer, _ first: Int, _ last: Int) {
        guard last - first > 1 else { return }
        for i in (first + 1)..<last {
            if before(p[i], p[first]) {
                let v = p[i]
                var j = i
                while j > first { p[j] = p[j - 1]; j -= 1 }
                p[first] = v
            } else {
                unguardedLinearInsert(p, i)
            }
        }
    }

    static func unguardedLinearInsert(_ p: Buffer, _ last: Int) {
        let v = p[last]
        var last = last, next = last - 1
        while before(v, p[next]) {
            p[last] = p[next]
            last = next
            next -= 1
        }
        p[last] = v
    }

    /// `std::__adjust_heap` then `std::__push_heap` on p[first ..< first + length].
    static func adjustHeap(_ p: Buffer, _ first: Int, hole: Int, length: Int, value: Pair) {
        let top = hole
        var hole = hole, second = hole
        while second < (length - 1) / 2 {
            second = 2 * (second + 1)
            if before(p[first + second], p[first + second - 1]) { second -= 1 }
            p[first + hole] = p[first + second]
            hole = second
        }
        if length & 1 == 0 && second == (length - 2) / 2 {
            second = 2 * (second + 1)
            p[first + hole] = p[first + second - 1]
            hole = second - 1
        }
        var parent = (hole - 1) / 2
        while hole > top && before(p[first + parent], value) {
            p[first + hole] = p[first + parent]
            hole = parent
            parent = (hole - 1) / 2
        }
        p[first + hole] = value
    }

    /// `std::__partial_sort(first, last, last)`: make_heap, then sort_heap.
    static func heapSort(_ p: Buffer, _ first: Int, _ last: Int) {
        let n = last - first
        if n >= 2 {
            var parent = (n - 2) / 2
            while true {
                adjustHeap(p, first, hole: parent, length: n, value: p[first + parent])
                if parent == 0 { break }
                parent -= 1
            }
        }
        var last = last
        while last - first > 1 {
            last -= 1
            let v = p[last]
            p[last] = p[first]
            adjustHeap(p, first, hole: 0, length: last - first, value: v)
        }
    }
}
