import CHMMKit
import Glibc
import Fuzzing
import MemoryModel
import Scenarios

/// `hmmkit_fuzz()`: the C driver under `hmmkit fuzz`'s scenario generator. Each case is the
/// generator's case (`ScenarioGenerator`, device commands off: the C driver is the device), run
/// statement by statement on a fresh machine; once its first process exists the driver's
/// `setup` runs, and after every statement the driver takes `accesses_per_step` device
/// accesses at pages of that process's VMAs (drawn from the case's seed, toward 2M edges),
/// then the safety oracle and the model's invariants are checked.
enum CFuzzer {
  /// Runs the fuzzer; the number of findings.
  static func run(_ config: hmmkit_fuzz_config, _ ops: hmmkit_fuzz_ops, _ context: UnsafeMutableRawPointer?,
                  _ out: inout hmmkit_fuzz_result) -> Int32 {
    let configuration = FuzzConfiguration(seed: UInt64(config.seed), steps: Int(config.steps), policies: [])
    var first = ""
    for index in 0..<Int(config.cases) {
      let fuzzCase = ScenarioGenerator.generate(configuration, index: index)
      if config.verbose != 0 { CAPI.printError("hmmkit fuzz --seed \(config.seed): case \(index)\n\(fuzzCase.text)\n") }
      var random = SplitMix64(seed: SplitMix64.caseSeed(run: UInt64(config.seed), index: index) ^ 0xC0DE_D21E)
      let session = ScenarioSession(options: ScenarioRunner.Options(memoryBytes: 64 << 20, checkInvariants: false))
      let machine = CMachine(session: session)
      var mirrored: CProcess?
      var finding: String?
      out.cases_run += 1
      for (step, command) in fuzzCase.commands.enumerated() {
        _ = session.execute(command)
        out.steps_run += 1
        if mirrored == nil, let space = session.process(named: "p1") {
          machine.register()
          let process = machine.process(for: space)
          mirrored = process
          if let setup = ops.setup, setup(machine.handle, process.handle, context) != 0 {
            finding = "setup failed"
            break
          }
        }
        if let process = mirrored, !process.space.hasExited, let fault = ops.fault {
          for _ in 0..<Int(config.accesses_per_step) {
            guard let (address, write) = pick(process.space, &random) else { break }
            out.accesses += 1
            if fault(context, UInt(address.rawValue), write) != 0 { out.accesses_failed += 1 }
          }
        }
        let violations = machine.oracleViolations() + machine.invariantViolations(incremental: true)
        if let violation = violations.first {
          finding = "step \(step + 1) (\(ScenarioPrinter.line(command))): \(violation)"
          break
        }
      }
      if finding == nil, mirrored != nil, let violation = machine.invariantViolations().first { finding = "at the end: \(violation)" }
      if mirrored != nil { ops.teardown?(context) }
      machine.destroy()
      if let finding {
        out.findings += 1
        if out.first_case < 0 {
          out.first_case = Int32(index)
          first = "hmmkit_fuzz seed \(config.seed) case \(index): \(finding)"
          if let path = config.reproducer.map({ String(cString: $0) }) {
            let text = ScenarioPrinter.text(fuzzCase.commands, header: [
              "hmmkit_fuzz seed \(config.seed) case \(index) (a C driver's device accesses ran between the steps)",
              finding,
            ])
            if write(text, to: path) {
              first += "\nthe case is in \(path)"
            } else {
              CAPI.report("hmmkit_fuzz", "cannot write the reproducer \(path): \(String(cString: strerror(errno)))")
            }
          } else {
            first += "\n--- the case (set config.reproducer to write it whole):\n\(fuzzCase.text)"
          }
        }
        if config.stop_at_finding != 0 { break }
      }
    }
    withUnsafeMutableBytes(of: &out.message) { raw in
      CAPI.copy(first, to: raw.baseAddress!.assumingMemoryBound(to: CChar.self), size: raw.count)
    }
    return Int32(out.findings)
  }

  /// Writes `text` to the file at `path`; false when it cannot.
  static func write(_ text: String, to path: String) -> Bool {
    guard let file = fopen(path, "w") else { return false }
    let bytes = Array(text.utf8)
    let written = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
    return fclose(file) == 0 && written == bytes.count
  }

  /// A page of one of the process's VMAs (first or last page of a 2M, a random page) and
  /// whether to write.
  static func pick(_ space: AddressSpace, _ random: inout SplitMix64) -> (VirtualAddress, Bool)? {
    let vmas = space.vmas
    guard !vmas.isEmpty else { return nil }
    let vma = random.pick(vmas)
    let pages = vma.size >> 12
    guard pages > 0 else { return nil }
    var page = random.below(pages)
    let huge: UInt64 = 512
    switch random.below(4) {
    case 0: page = page / huge * huge
    case 1: page = min(pages - 1, page / huge * huge + huge - 1)
    default: break
    }
    return (vma.start + page << 12, random.percent(50))
  }
}

/// `hmmkit_fuzz()`.
@_cdecl("hmmkit_fuzz")
public func capiFuzz(_ config: UnsafePointer<hmmkit_fuzz_config>?, _ ops: UnsafePointer<hmmkit_fuzz_ops>?,
                     _ context: UnsafeMutableRawPointer?, _ result: UnsafeMutablePointer<hmmkit_fuzz_result>?) -> Int32 {
  let function = "hmmkit_fuzz"
  guard let config else { return CAPI.fail(function, "config is NULL", .EINVAL) }
  guard let ops, ops.pointee.fault != nil else { return CAPI.fail(function, "ops and ops->fault are required", .EINVAL) }
  guard config.pointee.cases > 0, config.pointee.steps > 0 else { return CAPI.fail(function, "cases and steps must be positive", .EINVAL) }
  guard config.pointee.cases <= 100_000, config.pointee.steps <= 10_000, config.pointee.accesses_per_step <= 1000 else {
    return CAPI.fail(function, "at most 100000 cases of 10000 steps with 1000 accesses each", .EINVAL)
  }
  guard CExplorer.active == nil, CAPI.invalidateDepth == 0 else { return CAPI.fail(function, "called from inside an exploration or a callback", .EBUSY) }
  var out = hmmkit_fuzz_result()
  out.first_case = -1
  let findings = CFuzzer.run(config.pointee, ops.pointee, context, &out)
  result?.pointee = out
  return findings
}
