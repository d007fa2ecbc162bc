import FuzzSupport
import VPSFormats

// A file as `vps eval` and `vps convert` read it → `InstanceReader.readYouTubeVIS`,
// then its first frames painted into panoptic frames.
Fuzz.main { bytes in
    let path = Fuzz.file("input", bytes)
    Fuzz.rejectsCleanly { try Fuzz.paint(try InstanceReader.readYouTubeVIS(path)) }
}
