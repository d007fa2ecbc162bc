import XCTest
import VPSTensor
import TestSupport

final class EngineTests: XCTestCase {
    func testConvMatchesNaiveAcrossShapes() {
        var rng = TestRNG(state: 1)
        // (c, o, k, stride, pad, dil, h, w)
        let cases = [(3, 8, 7, 2, 3, 1, 19, 23), (16, 32, 3, 1, 1, 1, 9, 11), (8, 4, 1, 2, 0, 1, 10, 7),
                     (5, 6, 3, 1, 2, 2, 8, 8), (64, 64, 3, 2, 1, 1, 13, 14)]
        for (c, o, k, s, p, d, h, w) in cases {
            let x = rng.array(2 * c * h * w), wt = rng.array(o * c * k * k), b = rng.array(o)
            let ref = Naive.conv(x, n: 2, c: c, h: h, w: w, weight: wt, bias: b, o: o, k: k, stride: s, pad: p, dil: d)
            let conv = Conv2d(inChannels: c, outChannels: o, kernel: k, stride: s, padding: p, dilation: d, weight: wt, bias: b)
            let y = conv(nhwc(x, [2, c, h, w]))
            XCTAssertEqual(y.shape, [2, o, ref.oh, ref.ow])
            XCTAssertLessThan(maxAbsDiff(y.converted(to: .nchw).array, ref.out), 1e-4, "conv c\(c) o\(o) k\(k) s\(s) p\(p) d\(d)")
            // A second call reuses the cached primitive and gives the same bytes.
            XCTAssertEqual(conv(nhwc(x, [2, c, h, w])).array, y.array)
        }
    }

    func testConvFusesResidualAndReLU() {
        var rng = TestRNG(state: 2)
        let (c, o, h, w) = (6, 10, 7, 9)
        let x = rng.array(c * h * w), wt = rng.array(o * c * 9), b = rng.array(o), res = rng.array(o * h * w)
        let ref = Naive.conv(x, n: 1, c: c, h: h, w: w, weight: wt, bias: b, o: o, k: 3, stride: 1, pad: 1, dil: 1)
        let expected = zip(ref.out, res).map { max($0 + $1, 0) }
        let conv = Conv2d(inChannels: c, outChannels: o, kernel: 3, padding: 1, relu: true, weight: wt, bias: b)
        let dst = nhwc(res, [1, o, h, w])
        conv.forward(nhwc(x, [1, c, h, w]), accumulatingInto: dst)
        XCTAssertLessThan(maxAbsDiff(dst.converted(to: .nchw).array, expected), 1e-4)
        XCTAssertTrue(dst.array.contains(0), "ReLU should clip some outputs")
        // Without the residual, ReLU alone.
        let plain = conv(nhwc(x, [1, c, h, w])).converted(to: .nchw).array
        XCTAssertLessThan(maxAbsDiff(plain, ref.out.map { max($0, 0) }), 1e-4)
    }

    func testTransposedConvMatchesNaive() {
        var rng = TestRNG(state: 3)
        let (c, o, h, w) = (12, 5, 6, 7)
        let x = rng.array(c * h * w), wt = rng.array(c * o * 4), b = rng.array(o)
        let ref = Naive.deconv(x, n: 1, c: c, h: h, w: w, weight: wt, bias: b, o: o, k: 2, stride: 2, pad: 0)
        let deconv = Conv2d(inChannels: c, outChannels: o, kernel: 2, stride: 2, transposed: true, weight: wt, bias: b)
        let y = deconv(nhwc(x, [1, c, h, w]))
        XCTAssertEqual(y.shape, [1, o, 12, 14])
        XCTAssertLessThan(maxAbsDiff(y.converted(to: .nchw).array, ref.out), 1e-4)
    }

    func testLinearMatchesNaive() {
        var rng = TestRNG(state: 4)
        let (rows, k, o) = (5, 37, 11)
        let x = rng.array(rows * k), wt = rng.array(o * k), b = rng.array(o)
        var ref = [Float](repeating: 0, count: rows * o)
        for r in 0..<rows { for j in 0..<o {
            var s = Double(b[j])
            for i in 0..<k { s += Double(x[r * k + i]) * Double(wt[j * k + i]) }
            ref[r * o + j] = max(Float(s), 0)
        } }
        let fc = Linear(inFeatures: k, outFeatures: o, relu: true, weight: wt, bias: b)
        let y = fc(Tensor(shape: [rows, k], layout: .matrix, values: x))
        XCTAssertLessThan(maxAbsDiff(y.array, ref), 1e-4)
        XCTAssertEqual(fc(Tensor(shape: [0, k], layout: .matrix)).shape, [0, o])
    }

    func testMaxPoolMatchesNaive() {
        var rng = TestRNG(state: 5)
        let (c, h, w) = (4, 9, 8)
        let x = rng.array(c * h * w)
        let pool = MaxPool2d(kernel: 3, stride: 2, padding: 1)
        let y = pool(nhwc(x, [1, c, h, w]))
        XCTAssertEqual(y.shape, [1, c, 5, 4])
        for ch in 0..<c { for oy in 0..<5 { for ox in 0..<4 {
            var m = -Float.infinity
            for ky in 0..<3 { for kx in 0..<3 {
                let iy = oy * 2 - 1 + ky, ix = ox * 2 - 1 + kx
                if iy >= 0 && iy < h && ix >= 0 && ix < w { m = max(m, x[(ch * h + iy) * w + ix]) }
            } }
            XCTAssertEqual(y[0, ch, oy, ox], m)
        } } }
        // kernel 1, stride 2: FPN's LastLevelMaxPool is a subsampling.
        let sub = MaxPool2d(kernel: 1, stride: 2)(nhwc(x, [1, c, h, w]))
        XCTAssertEqual(sub.shape, [1, c, 5, 4])
        XCTAssertEqual(sub[0, 2, 3, 1], x[(2 * h + 6) * w + 2])
    }

    func testLayoutRoundTrip() {
        var rng = TestRNG(state: 6)
        let x = rng.array(2 * 3 * 4 * 5)
        let t = Tensor(shape: [2, 3, 4, 5], layout: .nchw, values: x)
        let n = t.converted(to: .nhwc)
        XCTAssertEqual(n[1, 2, 3, 4], t[1, 2, 3, 4])
        XCTAssertEqual(n.data[((1 * 4 + 3) * 5 + 4) * 3 + 2], x[((1 * 3 + 2) * 4 + 3) * 5 + 4])
        XCTAssertEqual(n.converted(to: .nchw).array, x)
    }
}

/// `BufferPool`: released large buffers are handed out again by exact size;
/// the idle bytes never exceed the limit, a buffer that does not fit evicts
/// buffers of other sizes, and small buffers bypass the pool.
final class BufferPoolTests: XCTestCase {
    let mb = 1 << 20

    func testRecyclesBySizeWithinTheLimit() {
        let pool = BufferPool(limit: 3 * mb)
        let a = pool.take(byteCount: mb)
        XCTAssertTrue(a.fresh)
        pool.give(a.pointer, byteCount: mb)
        XCTAssertEqual(pool.heldBytes, mb)
        let again = pool.take(byteCount: mb)
        XCTAssertFalse(again.fresh)
        XCTAssertEqual(again.pointer, a.pointer, "the released buffer comes back")
        XCTAssertEqual(pool.heldBytes, 0)
        // Another size is not served from it.
        pool.give(again.pointer, byteCount: mb)
        let other = pool.take(byteCount: 2 * mb)
        XCTAssertTrue(other.fresh)
        XCTAssertEqual(pool.heldBytes, mb)
        // Four 1 MB buffers released into a 3 MB pool: three are kept, the fourth is freed.
        let more = (0..<3).map { _ in pool.take(byteCount: mb) }
        XCTAssertEqual(more.map(\.fresh), [false, true, true])
        more.forEach { pool.give($0.pointer, byteCount: mb) }
        pool.give(pool.take(byteCount: 4 * mb).pointer, byteCount: 4 * mb)  // larger than the limit: freed
        XCTAssertEqual(pool.heldBytes, 3 * mb)
        pool.give(UnsafeMutableRawPointer.allocate(byteCount: mb, alignment: 64), byteCount: mb)
        XCTAssertEqual(pool.heldBytes, 3 * mb, "the limit holds")
        // A 2 MB buffer evicts two 1 MB ones (another size) to fit.
        pool.give(other.pointer, byteCount: 2 * mb)
        XCTAssertEqual(pool.heldBytes, 3 * mb)
        let last = [pool.take(byteCount: 2 * mb), pool.take(byteCount: mb), pool.take(byteCount: mb)]
        XCTAssertEqual(last.map(\.fresh), [false, false, true], "the 2 MB buffer and one 1 MB buffer were kept, the other two evicted")
        XCTAssertEqual(pool.heldBytes, 0)
        zip(last, [2 * mb, mb, mb]).forEach { pool.give($0.pointer, byteCount: $1) }
    }

    func testSmallBuffersBypassThePool() {
        let pool = BufferPool(limit: 3 * mb)
        let small = BufferPool.minimumBytes - 64
        let a = pool.take(byteCount: small)
        XCTAssertTrue(a.fresh)
        pool.give(a.pointer, byteCount: small)
        XCTAssertEqual(pool.heldBytes, 0)
        let b = pool.take(byteCount: small)
        XCTAssertTrue(b.fresh)
        pool.give(b.pointer, byteCount: small)
    }
}
