import DeviceMirror
import HMM
import MemoryModel

/// Runs one workload under one policy: builds the process and its regions, mirrors it with one
/// device, interleaves the CPU's activity with the device's access stream, and prices every
/// event with a ``DeviceCostModel``.
public struct WorkloadRunner {
  /// A run that could not start (bad parameters, a region that does not fit).
  public struct RunError: Error, CustomStringConvertible {
    /// What went wrong.
    public var description: String
  }

  /// The workload.
  public var workload: WorkloadSpec
  /// The policy.
  public var policy: DevicePolicyChoice
  /// The ladder (nil: the policy's default).
  public var ladder: DevicePageSizes?
  /// The costs.
  public var cost: DeviceCostModel
  /// The seed of the access stream.
  public var seed: UInt64
  /// Simulated physical memory.
  public var memoryBytes: UInt64
  /// Called every 64Ki accesses with the fraction done.
  public var progress: ((Double) -> Void)?

  /// A runner.
  public init(workload: WorkloadSpec, policy: DevicePolicyChoice, ladder: DevicePageSizes? = nil, cost: DeviceCostModel = DeviceCostModel(),
              seed: UInt64 = 1, memoryBytes: UInt64 = 1 << 30, progress: ((Double) -> Void)? = nil) {
    self.workload = workload
    self.policy = policy
    self.ladder = ladder
    self.cost = cost
    self.seed = seed
    self.memoryBytes = memoryBytes
    self.progress = progress
  }

  /// Runs the workload.
  /// - Throws: ``RunError`` when the workload cannot be set up.
  public func run() throws(RunError) -> RunResult {
    let problems = workload.problems()
    guard problems.isEmpty else { throw RunError(description: problems.joined(separator: "; ")) }
    let system = MemorySystem(memoryBytes: memoryBytes)
    let space: AddressSpace
    var bases: [VirtualAddress] = []
    var sizes: [UInt64] = []
    var trace: [DeviceAccess] = []
    do {
      space = try system.createProcess(name: "P")
      if workload.pattern == .trace {
        let path = workload.trace ?? ""
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
          throw RunError(description: "workload '\(workload.name)': cannot read trace '\(path)': \(error.localizedDescription)")
        }
        let parsed: LackeyTrace
        do { parsed = try LackeyTrace(parsing: text, file: path) } catch { throw RunError(description: error.description) }
        let thp = workload.regions.first?.thp ?? true
        for span in parsed.spans {
          let base = try space.mmap(.init(length: span.end - span.start, protection: .readWrite, fixedAddress: span.start))
          if thp { try space.madvise(base, span.end - span.start, .hugepage) }
          bases.append(base)
          sizes.append(span.end - span.start)
        }
        if workload.regions.first?.populate ?? true {
          for (base, size) in zip(bases, sizes) { try? space.touch(base, size, write: true) }
        }
        trace = parsed.accesses.map { DeviceAccess(address: VirtualAddress($0.address), write: $0.write) }
      } else {
        for region in workload.regions {
          let base = try space.mmap(.init(length: region.size.bytes, protection: .readWrite, alignment: 2 << 20))
          if region.thp { try space.madvise(base, region.size.bytes, .hugepage) }
          if region.populate {
            do { try space.touch(base, region.size.bytes, write: true) } catch {
              throw RunError(description: "workload '\(workload.name)': populating region of \(region.size) failed: \(error) (raise the study's 'memory')")
            }
          }
          bases.append(base)
          sizes.append(region.size.bytes)
        }
      }
    } catch let error as RunError {
      throw error
    } catch {
      throw RunError(description: "workload '\(workload.name)': setting up the regions failed: \(error)")
    }
    let placement: Device.Placement = workload.placement == "migrate" ? .migrate : .system
    let device = policy.makeDevice(name: "dev", ownerID: 1, pageSizes: ladder, placement: placement,
                                   deviceMemoryBytes: placement == .migrate ? max(sizes.reduce(0, +), 2 << 20) * 2 : 0)
    let oracle = SafetyOracle()
    do { try device.mirror(space) } catch { throw RunError(description: "mirroring failed: \(error)") }
    oracle.watch(device)
    space.register(oracle)

    var result = RunResult(workload: workload.name, policy: policy.name, ladder: device.pageSizes.description, cost: cost.name, seed: seed)
    var meter = CostMeter(model: cost)
    meter.sync(device)
    var stream = AccessStream(spec: workload, bases: bases, sizes: sizes, seed: seed, trace: trace)
    var events = workload.cpu.sorted { $0.at < $1.at }[...]
    var activity = CPUActivity(space: space, bases: bases, sizes: sizes)
    let total = max(workload.accesses, 1)
    var done = 0
    func recordViolations() {
      let found = oracle.check()
      result.oracleViolations += found.count
      for v in found.prefix(max(0, 5 - result.violationExamples.count)) { result.violationExamples.append(v.description) }
    }
    while true {
      while let event = events.first, Double(done) >= event.at * Double(total) {
        events.removeFirst()
        meter.beforeCPU(device)
        activity.perform(event)
        meter.afterCPU(device)
        recordViolations()
      }
      guard let access = stream.next() else { break }
      let faultsBefore = device.counters.faults
      do {
        try device.access(access.address, write: access.write)
      } catch {
        result.failedFaults[error.errno.name, default: 0] += 1
      }
      if device.counters.faults != faultsBefore { meter.faulted(device) }
      done += 1
      if done & 0xFFFF == 0, let progress { progress(Double(done) / Double(total)) }
    }
    while let event = events.first {
      events.removeFirst()
      meter.beforeCPU(device)
      activity.perform(event)
      meter.afterCPU(device)
      recordViolations()
    }
    recordViolations()
    meter.finish(device)

    let c = device.counters
    result.accesses = c.accesses
    result.faults = c.faults
    result.tlbHits = c.tlbHits
    result.tlbMisses = c.tlbMisses
    result.tlbReach = device.tlb.reach
    result.invalidations = c.invalidations
    result.hmmEntries = c.entriesWalked
    result.pagesToDevice = device.migration.pagesToDevice
    for (size, count) in device.pageTable.counts where count > 0 { result.bytesMapped[size.description] = UInt64(count) * size.bytes }
    for (size, count) in c.mappingsCreated where count > 0 { result.mappingsCreated[size.description] = count }
    result.time = meter.time
    result.faultLatencies = meter.latencies.sorted()
    result.map = AddressSpaceMap.build(space: space, device: device, bases: bases, sizes: sizes)
    return result
  }
}

import Foundation
