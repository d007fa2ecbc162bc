import FuzzSupport
import VPSFormats

// MOTChallenge text → `InstanceReader.readMOT`.
Fuzz.main { bytes in
    let path = Fuzz.file("input", bytes)
    Fuzz.rejectsCleanly { _ = try InstanceReader.readMOT(path) }
}
