import Crosscheck
import Scenarios

/// The running kernel as an oracle: a case's CPU-side commands run in the model and in real
/// helper processes (`hmmkit crosscheck`), and the first counted disagreement is a finding.
///
/// The one file that knows the crosscheck API (`Crosscheck.CrosscheckSession`): one session
/// (window, pipes) for the whole run, fresh helpers per case.
public final class KernelOracle {
  private let session: CrosscheckSession

  /// Why this machine cannot run the kernel oracle (not Linux, not root, THP `never`), or nil.
  public static func unavailabilityReason() -> String? { Crosscheck.unavailabilityReason() }

  /// Sets up the crosscheck session.
  /// - Throws: `Crosscheck.CrosscheckError` when crosschecks cannot run here.
  public init() throws {
    session = try CrosscheckSession()
  }

  deinit { session.close() }

  /// What one case gave: the first counted disagreement, and how many steps were compared.
  public struct Outcome: Sendable {
    /// The disagreement, as a finding.
    public var finding: FuzzFinding?
    /// Steps compared with the kernel.
    public var comparedSteps: Int
    /// Steps run.
    public var steps: Int
  }

  /// Runs `steps` (CPU-side commands) in the model and for real.
  public func run(_ steps: [FuzzStep]) -> Outcome {
    let commands = steps.flatMap(\.commands)
    var statements: [Statement] = []
    statements.reserveCapacity(commands.count)
    for (index, command) in commands.enumerated() {
      let location = SourceLocation(file: "fuzz.hmm", line: index + 1, column: 1)
      statements.append(Statement(command: command, text: ScenarioPrinter.line(command), location: location))
    }
    let report = session.run(statements: statements, file: "fuzz.hmm")
    guard let disagreement = report.disagreements.first else {
      return Outcome(finding: nil, comparedSteps: report.comparedSteps, steps: commands.count)
    }
    let detail = "\(disagreement.step) (line \(disagreement.line)): \(disagreement.attribute) at \(disagreement.location): model \(disagreement.model), kernel \(disagreement.kernel)"
    let keyword = disagreement.line >= 1 && disagreement.line <= commands.count ? commands[disagreement.line - 1].keyword : "?"
    let finding = FuzzFinding(kind: .kernel, step: max(0, min(steps.count - 1, disagreement.line - 1)), detail: detail,
                              signature: "kernel \(keyword) \(disagreement.attribute)")
    return Outcome(finding: finding, comparedSteps: report.comparedSteps, steps: commands.count)
  }
}
