import FuzzSupport
import VPSCheckpoint

// A whole `.pth` file (zip + pickle + storages) → `TorchCheckpoint.decode`.
Fuzz.main { bytes in
    Fuzz.rejectsCleanly { _ = try TorchCheckpoint.decode(bytes) }
}
