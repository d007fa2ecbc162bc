/// Rectangular linear sum assignment, the shortest-augmenting-path method of
/// Crouse (2016) exactly as scipy's `linear_sum_assignment` implements it, so
/// that ties resolve the same way as in TrackEval.
///
/// Shared by the metrics (VPSEval) and the tracker (VPSTracking): one solver.
public enum LinearAssignment {
    /// Minimises (or maximises) the total cost of a row-major `rows`×`cols`
    /// matrix. Returns min(rows, cols) pairs (row, col) sorted by row.
    public static func solve(_ cost: [Double], rows: Int, cols: Int, maximize: Bool = false) -> [(row: Int, col: Int)] {
        precondition(cost.count == rows * cols, "cost matrix does not match \(rows)x\(cols)")
        if rows == 0 || cols == 0 { return [] }
        var nr = rows, nc = cols
        let transpose = nc < nr
        var c = cost
        if transpose {
            c = [Double](repeating: 0, count: rows * cols)
            for i in 0..<rows { for j in 0..<cols { c[j * rows + i] = cost[i * cols + j] } }
            swap(&nr, &nc)
        }
        if maximize { for i in c.indices { c[i] = -c[i] } }

        var u = [Double](repeating: 0, count: nr), v = [Double](repeating: 0, count: nc)
        var spc = [Double](repeating: .infinity, count: nc)
        var path = [Int](repeating: -1, count: nc)
        var col4row = [Int](repeating: -1, count: nr), row4col = [Int](repeating: -1, count: nc)
        var SR = [Bool](repeating: false, count: nr), SC = [Bool](repeating: false, count: nc)
        var remaining = [Int](repeating: 0, count: nc)

        for curRow in 0..<nr {
            // augmenting path from curRow
            var minVal = 0.0
            var numRemaining = nc
            for it in 0..<nc { remaining[it] = nc - it - 1 }
            for k in 0..<nr { SR[k] = false }
            for k in 0..<nc { SC[k] = false; spc[k] = .infinity }
            var sink = -1
            var i = curRow
            while sink == -1 {
                var index = -1
                var lowest = Double.infinity
                SR[i] = true
                for it in 0..<numRemaining {
                    let j = remaining[it]
                    let r = minVal + c[i * nc + j] - u[i] - v[j]
                    if r < spc[j] { path[j] = i; spc[j] = r }
                    if spc[j] < lowest || (spc[j] == lowest && row4col[j] == -1) {
                        lowest = spc[j]
                        index = it
                    }
                }
                minVal = lowest
                if minVal == .infinity { return [] } // infeasible; cannot happen with finite costs
                let j = remaining[index]
                if row4col[j] == -1 { sink = j } else { i = row4col[j] }
                SC[j] = true
                numRemaining -= 1
                remaining[index] = remaining[numRemaining]
            }
            u[curRow] += minVal
            for k in 0..<nr where SR[k] && k != curRow { u[k] += minVal - spc[col4row[k]] }
            for j in 0..<nc where SC[j] { v[j] -= minVal - spc[j] }
            var j = sink
            while true {
                let r = path[j]
                row4col[j] = r
                swap(&col4row[r], &j)
                if r == curRow { break }
            }
        }
        if transpose {
            let order = (0..<nr).sorted { col4row[$0] < col4row[$1] }
            return order.map { (row: col4row[$0], col: $0) }
        }
        return (0..<nr).map { (row: $0, col: col4row[$0]) }
    }
}
