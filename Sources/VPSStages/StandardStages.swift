import VPSPipeline

/// The stage table: every stage name that `pipelines/*.yaml` may use.
public enum StandardStages {
    public static let registry = StageRegistry([
        DecodeSource.definition,
        MotionStage.definition,
        DetectStage.definition,
        PanopticStage.definition,
        RenderStage.definition,
        InstanceExportStage.definition,
        EncodeStage.definition,
    ])
}
