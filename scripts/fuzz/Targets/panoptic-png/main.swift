import FuzzSupport
import VPSCore
import VPSFormats
import VPSVideo

// A panoptic PNG → `ImageFile.read` (FFmpeg), the id map (`PanopticPNG.decode`),
// segment areas and boxes, and the RLE of every segment.
Fuzz.main { bytes in
    let path = Fuzz.file("frame.png", bytes)
    Fuzz.rejectsCleanly {
        let img = try ImageFile.read(path)
        var frame = PanopticFrame(index: 0, width: img.width, height: img.height, ids: PanopticPNG.decode(img))
        frame.refreshGeometry()
        _ = frame.rles()
    }
}
