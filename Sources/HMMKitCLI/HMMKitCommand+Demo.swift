import ArgumentParser
import MemoryModel

extension HMMKitCommand {
  /// `hmmkit demo`: the memory model at work on built-in defaults.
  struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show the memory model at work.")
    func run() throws {}
  }
}
