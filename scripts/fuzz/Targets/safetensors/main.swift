import Foundation
import FuzzSupport
import VPSCheckpoint

// Safetensors bytes → `Safetensors.decode`.
Fuzz.main { bytes in
    Fuzz.rejectsCleanly { _ = try Safetensors.decode(Data(bytes)) }
}
