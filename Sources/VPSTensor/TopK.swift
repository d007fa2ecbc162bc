/// Selection of the largest values, as a stable descending sort would order
/// them: larger value first, equal values by lower index.
public enum TopK {
    /// Indices of the `k` largest of `values[0..<count]` (all of them if
    /// `k ≥ count`), in that order. O(n log k): a bounded heap keeps the best
    /// k seen so far, and most values are rejected by one comparison with its
    /// worst member.
    public static func indices(_ values: UnsafePointer<Float>, count n: Int, k: Int) -> [Int] {
        let k = min(k, n)
        if k <= 0 { return [] }
        // Min-heap on (value, −index): the root is the worst kept element
        // (smallest value; among equal values, the highest index).
        var heap: [(v: Float, i: Int)] = []
        heap.reserveCapacity(k)
        func worse(_ a: (v: Float, i: Int), _ b: (v: Float, i: Int)) -> Bool { a.v < b.v || (a.v == b.v && a.i > b.i) }
        for i in 0..<n {
            let v = values[i]
            if heap.count < k {
                heap.append((v, i))
                var c = heap.count - 1
                while c > 0 {
                    let p = (c - 1) / 2
                    if worse(heap[c], heap[p]) { heap.swapAt(c, p); c = p } else { break }
                }
            } else if v > heap[0].v {
                // A later index never beats an equal value, so only strictly
                // larger values replace the root.
                heap[0] = (v, i)
                var p = 0
                while true {
                    let l = 2 * p + 1, r = l + 1
                    var m = p
                    if l < k && worse(heap[l], heap[m]) { m = l }
                    if r < k && worse(heap[r], heap[m]) { m = r }
                    if m == p { break }
                    heap.swapAt(p, m)
                    p = m
                }
            }
        }
        heap.sort { worse($1, $0) }
        return heap.map(\.i)
    }
}
