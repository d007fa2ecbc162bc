import FuzzSupport
import VPSPipeline

// Pipeline YAML text → `PipelineSpec.parse`.
Fuzz.main { bytes in
    let text = String(decoding: bytes, as: UTF8.self)
    Fuzz.rejectsCleanly { _ = try PipelineSpec.parse(yaml: text, origin: "fuzz.yaml") }
}
