import FuzzSupport
import VPSCheckpoint

// The input is a Detectron2 `.pkl` (a model-zoo numpy pickle), read by the
// restricted unpickler that accepts only what numpy arrays need.
Fuzz.main { bytes in
    Fuzz.rejectsCleanly { _ = try Detectron2Pickle.decode(bytes) }
}
