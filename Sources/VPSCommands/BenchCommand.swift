import ArgumentParser

/// `vps bench …`: benchmarks that print figures (never timed tests).
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure throughput: video I/O and flow (io), Mask R-CNN (model), a whole pipeline (pipeline).",
        subcommands: [BenchIOCommand.self, BenchModelCommand.self, BenchPipelineCommand.self])
}
