import Foundation
import VPSCheckpoint
import VPSCore
import VPSDetection
import VPSTensor
import XCTest
import TestSupport

final class LoadingTests: XCTestCase {
    func testEveryMismatchIsReportedByName() throws {
        let f = try ParityFixture.load("r18_fpn")
        var d = f.stateDict()
        d.tensors["rpn.head.cls_logits.bias"] = nil
        d.tensors["roi_heads.box_head.fc7.weight"] = TensorEntry(shape: [1024, 1000], values: [Float](repeating: 0, count: 1_024_000))
        d.tensors["backbone.body.bn1.weight"]!.dtype = .i64
        d.tensors["extra.thing"] = TensorEntry(shape: [2], values: [1, 2])
        d.tensors["backbone.body.bn1.num_batches_tracked"] = TensorEntry(shape: [], dtype: .i64, values: [3])
        XCTAssertThrowsError(try MaskRCNN(config: f.config, weights: d)) { error in
            guard case CheckpointError.mismatches(let m) = error else { return XCTFail("wrong error \(error)") }
            XCTAssertEqual(m.count, 4, m.joined(separator: "\n"))
            let text = m.joined(separator: "\n")
            for name in ["rpn.head.cls_logits.bias", "roi_heads.box_head.fc7.weight", "backbone.body.bn1.weight", "extra.thing"] {
                XCTAssertTrue(text.contains(name), "\(name) not reported in:\n\(text)")
            }
            XCTAssertTrue(text.contains("[1024, 1000]") && text.contains("[1024, 1024]"), text)
        }
        // A config with other widths rejects these weights too.
        var slim = f.config
        slim.backbone.fpnChannels = 128
        XCTAssertThrowsError(try MaskRCNN(config: slim, weights: f.stateDict()))
    }

    func testBatchNormFoldingUsesConfiguredEps() {
        // conv 1×1, 1→1, w = 2; BN γ = 3, β = 1, mean = 0.5, var = 0.25.
        var d = StateDict()
        d.tensors["c.weight"] = TensorEntry(shape: [1, 1, 1, 1], values: [2])
        d.tensors["bn.weight"] = TensorEntry(shape: [1], values: [3])
        d.tensors["bn.bias"] = TensorEntry(shape: [1], values: [1])
        d.tensors["bn.running_mean"] = TensorEntry(shape: [1], values: [0.5])
        d.tensors["bn.running_var"] = TensorEntry(shape: [1], values: [0.25])
        let x = Tensor(shape: [1, 1, 1, 1], layout: .nhwc, values: [1.5])
        for eps in [0.0, 0.75] {
            let conv = ParameterReader(d, batchNormEps: eps).convBN("c", "bn", in: 1, out: 1, kernel: 1, relu: false)
            let expected = Float((2 * 1.5 - 0.5) / (0.25 + eps).squareRoot() * 3 + 1)
            XCTAssertEqual(conv(x).array[0], expected, accuracy: 1e-5, "eps \(eps)")
        }
    }

    func testSafetensorsCheckpointCarriesConfig() throws {
        let f = try ParityFixture.load("r18_fpn")
        var d = StateDict()
        d.tensors["backbone.fpn.inner_blocks.0.0.weight"] = TensorEntry(shape: [1], values: [1])
        let dir = TestMedia.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/checkpoint.safetensors"
        try ModelCheckpoint.write(d, config: f.config, to: path)
        let (config, back) = try ModelCheckpoint.load(path: path)
        XCTAssertEqual(config, f.config)
        XCTAssertEqual(back.tensors["backbone.fpn.inner_blocks.0.0.weight"]?.values, [1])
        XCTAssertThrowsError(try ModelCheckpoint.load(path: path + ".missing"))
    }

    func testOldTorchvisionNamesAreUpgraded() {
        XCTAssertEqual(TorchvisionFormat.normalisedName("backbone.fpn.inner_blocks.2.weight"), "backbone.fpn.inner_blocks.2.0.weight")
        XCTAssertEqual(TorchvisionFormat.normalisedName("backbone.fpn.layer_blocks.0.bias"), "backbone.fpn.layer_blocks.0.0.bias")
        XCTAssertEqual(TorchvisionFormat.normalisedName("rpn.head.conv.weight"), "rpn.head.conv.0.0.weight")
        XCTAssertEqual(TorchvisionFormat.normalisedName("roi_heads.mask_head.mask_fcn3.bias"), "roi_heads.mask_head.2.0.bias")
        XCTAssertEqual(TorchvisionFormat.normalisedName("backbone.fpn.inner_blocks.2.0.weight"), "backbone.fpn.inner_blocks.2.0.weight")
        XCTAssertEqual(TorchvisionFormat.normalisedName("backbone.body.layer1.0.bn1.running_var"), "backbone.body.layer1.0.bn1.running_var")
    }

    /// A torchvision `.pth` through the real loader (`ModelCheckpoint.load`):
    /// `scripts/make_torchvision_pth_fixture.py` builds a Mask R-CNN from
    /// torchvision's own modules at the tiny size, with FrozenBatchNorm2d, saves
    /// its state dict with torch.save under torchvision's older names for the
    /// FPN, RPN conv and mask head, and fills it from the seeded generator.
    func testTorchvisionPthWithOldNamesLoads() throws {
        let path = TestPaths.fixture("checkpoints/tiny_maskrcnn_old_names.pth")
        // A .pth carries no config: it is read as torchvision's COCO R50-FPN,
        // with the batch-norm eps torchvision sets for its COCO weights (0).
        let (config, dict) = try ModelCheckpoint.load(path: path)
        XCTAssertEqual(config, MaskRCNNConfig.resnet50FPN())
        XCTAssertEqual(config.backbone.batchNormEps, 0)
        XCTAssertEqual(config.numClasses, 91)
        XCTAssertEqual(config.backbone, BackboneConfig.resnet(50))
        // These tiny weights do not fit that model, and the mismatch says so.
        XCTAssertThrowsError(try MaskRCNN(config: config, weights: dict)) { error in
            XCTAssertTrue("\(error)".contains("backbone.body.layer1.0.conv3.weight"), "\(error)")
        }

        // The old names come back upgraded, and every tensor holds the values
        // the script generated under the current name.
        let tiny = TinyModel.config()
        let (same, weights) = try ModelCheckpoint.load(path: path, fallback: tiny)
        XCTAssertEqual(same, tiny)
        for old in ["backbone.fpn.inner_blocks.0.weight", "backbone.fpn.layer_blocks.3.bias", "rpn.head.conv.weight",
                    "roi_heads.mask_head.mask_fcn1.weight"] {
            XCTAssertNil(weights.tensors[old], "\(old) was not upgraded")
        }
        let expected = try TinyModel.weights(tiny, seed: 14)
        XCTAssertEqual(Set(weights.tensors.keys), Set(expected.tensors.keys))
        for (name, e) in expected.tensors {
            XCTAssertEqual(weights.tensors[name]?.shape, e.shape, name)
            XCTAssertTrue(weights.tensors[name]?.values == e.values, "\(name): values differ")
        }
        // And the model builds from them: every name, shape and dtype checked.
        let model = try MaskRCNN(config: tiny, weights: weights)
        let reference = try MaskRCNN(config: tiny, weights: expected)
        var image = RGBImage(width: 80, height: 60)
        for i in image.pixels.indices { image.pixels[i] = UInt8((i * 37) % 251) }
        let a = model.forward(image).detections, b = reference.forward(image).detections
        XCTAssertFalse(a.isEmpty)
        XCTAssertEqual(a.map(\.label), b.map(\.label))
        XCTAssertEqual(a.map(\.score), b.map(\.score))
    }

    func testConfigValidation() throws {
        var c = MaskRCNNConfig.resnet50FPN()
        XCTAssertNoThrow(try c.validate())
        XCTAssertEqual(c.numClasses, 91)
        c.transform.maxSize = 10
        XCTAssertThrowsError(try c.validate())
        let json = try MaskRCNNConfig.resnet50FPN().jsonString()
        XCTAssertEqual(try MaskRCNNConfig.decode(json: json), MaskRCNNConfig.resnet50FPN())
    }
}
