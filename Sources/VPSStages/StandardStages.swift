import VPSPipeline

/// The stage table: every stage name that `pipelines/*.yaml` may use.
public enum StandardStages {
    public static let registry = StageRegistry([
        DecodeSource.definition,
        MotionStage.definition,
        FeaturesStage.definition,
        DetectStage.definition,
        FlowRenderStage.definition,
        TrackStage.definition,
        ExportStage.definition,
        EncodeStage.definition,
    ])
}
