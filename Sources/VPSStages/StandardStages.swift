import VPSPipeline

/// The stage table: every stage name that `pipelines/*.yaml` may use.
public enum StandardStages {
    public static let registry = StageRegistry([
        DecodeSource.definition,
        MotionStage.definition,
        FeaturesStage.definition,
        FuseStage.definition,
        DetectStage.definition,
        PropagateStage.definition,
        TrackStage.definition,
        PanopticStage.definition,
        LoadPanopticStage.definition,
        RenderStage.definition,
        ExportStage.definition,
        EncodeStage.definition,
    ])
}
