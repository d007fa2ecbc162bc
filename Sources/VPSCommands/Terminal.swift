import Dispatch
import Foundation
import VPSCore
import VPSPipeline

/// Ctrl-C handling for a run: the first SIGINT asks the pipeline to stop taking
/// frames (the frames in flight finish and outputs close cleanly); a second one
/// removes temporary outputs and exits at once with code 130.
final class InterruptHandler {
    private let source: DispatchSourceSignal
    /// SIGINTs so far; the handler may run on any thread of the global queue.
    private var count = 0
    private let lock = NSLock()

    init(token: CancellationToken, quiet: Bool) {
        signal(SIGINT, SIG_IGN)
        source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler { [unowned self] in
            let count = self.lock.withLock {
                self.count += Int(max(1, self.source.data))
                return self.count
            }
            if count == 1 {
                token.cancel()
                if !quiet { Console.note("interrupt: finishing the frames in flight (Ctrl-C again to abort)") }
            } else {
                TemporaryFiles.shared.removeAll()
                Console.note("aborted")
                _exit(130)
            }
        }
        source.resume()
    }

    func uninstall() {
        source.cancel()
        signal(SIGINT, SIG_DFL)
    }
}

/// Progress on stderr. On a terminal, a one-line bar redrawn in place:
/// frames done/total, fps and ETA. Elsewhere (a log file, a pipe), plain
/// lines `vps: progress: N/TOTAL frames` after the first frame and at each
/// further tenth of the total (every 100 frames when the total is unknown),
/// so a log shows that frames are flowing and how far the run got.
final class ProgressBar {
    enum Style { case off, bar, lines }
    private let total: Int?
    private let style: Style
    private let start = Date()
    private var lastDraw = Date.distantPast

    init(total: Int?, style: Style) {
        self.total = total
        self.style = style
    }

    convenience init(total: Int?, enabled: Bool) {
        self.init(total: total, style: enabled ? .bar : .off)
    }

    /// `.bar` on a terminal, `.lines` elsewhere, `.off` when `quiet`.
    static func style(quiet: Bool) -> Style { quiet ? .off : Console.stderrIsTerminal ? .bar : .lines }

    func update(_ done: Int) {
        switch style {
        case .off: return
        case .lines:
            let step: Bool
            if let total, total > 0 { step = done * 10 / total > (done - 1) * 10 / total } else { step = done % 100 == 0 }
            if done == 1 || step { Console.note("progress: \(done)" + (total.map { "/\($0)" } ?? "") + " frames") }
            return
        case .bar: break
        }
        let now = Date()
        guard now.timeIntervalSince(lastDraw) >= 0.1 || done == total else { return }
        lastDraw = now
        let elapsed = now.timeIntervalSince(start)
        let fps = elapsed > 0 ? Double(done) / elapsed : 0
        var line: String
        if let total, total > 0 {
            let frac = min(1, Double(done) / Double(total))
            let width = 24
            let filled = Int(frac * Double(width))
            let bar = String(repeating: "=", count: filled) + String(repeating: " ", count: width - filled)
            let eta = fps > 0 ? Double(max(0, total - done)) / fps : 0
            line = String(format: "[%@] %d/%d frames  %.1f fps  ETA %d:%02d", bar, done, total, fps, Int(eta) / 60, Int(eta) % 60)
        } else {
            line = String(format: "%d frames  %.1f fps", done, fps)
        }
        FileHandle.standardError.write(Data("\r\(line)\u{1B}[K".utf8))
    }

    func finish() {
        guard style == .bar else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}
