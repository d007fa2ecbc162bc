import VPSTensor

/// One residual block with its batch norms folded into the convolutions.
/// A bottleneck strides in its 3×3 convolution (torchvision's ResNet v1.5)
/// or, with `BackboneConfig.strideInOneByOne`, in its first 1×1 (Detectron2).
struct ResidualBlock {
    let convs: [Conv2d]          // 2 (basic) or 3 (bottleneck); the last has ReLU after the residual add
    let downsample: Conv2d?

    /// Runs the block. The input is consumed: it may be overwritten as the
    /// residual accumulator when there is no downsample.
    func callAsFunction(_ x: Tensor) -> Tensor {
        var h = x
        for c in convs.dropLast() { h = c(h) }
        let last = convs.last!
        let identity: Tensor
        if let downsample { identity = downsample(x) } else { identity = x }
        last.forward(h, accumulatingInto: identity)
        return identity
    }
}

/// torchvision's ResNet body up to layer4, returning C2…C5 (`.blocked8`).
public struct ResNetBody {
    let stem: Conv2d
    let pool = MaxPool2d(kernel: 3, stride: 2, padding: 1)
    let stages: [[ResidualBlock]]

    /// Builds from `backbone.body.*` parameters.
    public init(config c: BackboneConfig, reader r: ParameterReader, prefix: String = "backbone.body") {
        stem = r.convBN("\(prefix).conv1", "\(prefix).bn1", in: 3, out: c.stemChannels, kernel: 7, stride: 2, padding: 3, relu: true)
        var inplanes = c.stemChannels
        var stages: [[ResidualBlock]] = []
        for (s, (planes, count)) in zip(c.stageWidths, c.layers).enumerated() {
            var blocks: [ResidualBlock] = []
            for b in 0..<count {
                let stride = (s > 0 && b == 0) ? 2 : 1
                let p = "\(prefix).layer\(s + 1).\(b)"
                let outC = planes * c.expansion
                var ds: Conv2d?
                if b == 0 && (stride != 1 || inplanes != outC) {
                    ds = r.convBN("\(p).downsample.0", "\(p).downsample.1", in: inplanes, out: outC, kernel: 1, stride: stride, relu: false)
                }
                let convs: [Conv2d]
                switch c.block {
                case .basic:
                    convs = [r.convBN("\(p).conv1", "\(p).bn1", in: inplanes, out: planes, kernel: 3, stride: stride, padding: 1, relu: true),
                             r.convBN("\(p).conv2", "\(p).bn2", in: planes, out: planes, kernel: 3, padding: 1, relu: true)]
                case .bottleneck:
                    let (s1, s3) = c.strideInOneByOne ? (stride, 1) : (1, stride)
                    convs = [r.convBN("\(p).conv1", "\(p).bn1", in: inplanes, out: planes, kernel: 1, stride: s1, relu: true),
                             r.convBN("\(p).conv2", "\(p).bn2", in: planes, out: planes, kernel: 3, stride: s3, padding: 1, relu: true),
                             r.convBN("\(p).conv3", "\(p).bn3", in: planes, out: outC, kernel: 1, relu: true)]
                }
                blocks.append(ResidualBlock(convs: convs, downsample: ds))
                inplanes = outC
            }
            stages.append(blocks)
        }
        self.stages = stages
    }

    /// NCHW image batch → [C2, C3, C4, C5] (strides 4, 8, 16, 32).
    public func callAsFunction(_ x: Tensor) -> [Tensor] {
        var h = pool(stem(x))
        var outs: [Tensor] = []
        for stage in stages {
            for block in stage { h = block(h) }
            outs.append(h)
        }
        return outs
    }

}

/// torchvision's `FeaturePyramidNetwork` with `LastLevelMaxPool`:
/// outputs P2…P5 plus 'pool' (P5 subsampled by 2), all `.blocked8`.
public struct FPN {
    let inner: [Conv2d]
    let layer: [Conv2d]
    let pool = MaxPool2d(kernel: 1, stride: 2)

    public init(inChannels: [Int], outChannels: Int, reader r: ParameterReader, prefix: String = "backbone.fpn") {
        inner = inChannels.enumerated().map { i, c in r.conv("\(prefix).inner_blocks.\(i).0", in: c, out: outChannels, kernel: 1) }
        layer = inChannels.indices.map { i in r.conv("\(prefix).layer_blocks.\(i).0", in: outChannels, out: outChannels, kernel: 3, padding: 1) }
    }

    public func callAsFunction(_ xs: [Tensor]) -> [Tensor] {
        var lastInner = inner.last!(xs.last!)
        var results = [layer.last!(lastInner)]
        for i in stride(from: xs.count - 2, through: 0, by: -1) {
            // inner_lateral + nearest-upsampled top-down, fused as conv-with-sum.
            let acc = Resize.nearest(lastInner, height: xs[i].h, width: xs[i].w)
            inner[i].forward(xs[i], accumulatingInto: acc)
            lastInner = acc
            results.insert(layer[i](lastInner), at: 0)
        }
        results.append(pool(results.last!))
        return results
    }

}
