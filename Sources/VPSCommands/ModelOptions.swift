import ArgumentParser
import VPSPipeline

/// The model options of `vps annotate` and `vps segment`.
struct ModelOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Model checkpoint: .safetensors with a vps config, a torchvision .pth (read as the COCO R50-FPN), "
            + "or a Detectron2 model-zoo .pkl (e.g. Panoptic FPN: COCO things and stuff).",
        discussion: "Default: vps's own model, trained on `vps synth` videos; it knows only the synthetic classes "
            + "(sky, ground, water; disc, box, triangle, diamond). For real footage pass COCO weights, e.g. "
            + "torchvision's maskrcnn_resnet50_fpn_coco-bf2d0c1e.pth, or Detectron2's panoptic_fpn_R_50_3x "
            + "model_final_c10459.pkl for stuff too. Search order of the default: $VPS_MODEL, "
            + "models/ beside the executable, ../share/vps/models, Samples/models of the checkout."))
    var weights: String?

    @Option(name: .customLong("model-config"), help: ArgumentHelp(
        "JSON model config laid over the checkpoint's (a .pth has none: over the COCO R50-FPN's).",
        discussion: "Only the keys given change, e.g. {\"backbone\": {\"batchNormEps\": 1e-5}, \"classNames\": [...]} "
            + "for a torchvision model fine-tuned from an ImageNet backbone."))
    var modelConfig: String?

    /// Points the pipeline's `features` stage at the checkpoint (the default model without --weights).
    func apply(to spec: inout PipelineSpec) throws {
        spec.override(stage: "features", key: "weights", value: .string(try DefaultModel.resolve(weights)))
        if let modelConfig { spec.override(stage: "features", key: "model_config", value: .string(modelConfig)) }
    }
}
