import ArgumentParser

/// The `hmmkit` command-line tool: a thin front end over the HMMKit libraries.
@main
struct HMMKitCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "hmmkit",
    abstract: "Linux's Heterogeneous Memory Management, made executable.",
    subcommands: [Demo.self],
    defaultSubcommand: Demo.self)
}
