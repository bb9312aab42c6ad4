import Testing
@testable import MemoryModel

@Suite struct SmokeTests {
  @Test func thpWriteFaultThenMprotectSplits() throws {
    let system = makeSystem()
    let a = try system.createProcess(name: "A")
    let buf = try mapAnon(a, .mib(4))
    try a.touch(buf, .mib(4), write: true)
    let runs = a.snapshot(buf, buf + .mib(4))
    print(runs.map(\.description).joined(separator: "\n"))
    expectConsistent(system)
    try a.mprotect(buf + .mib(1), 4096, .read)
    print(a.snapshot(buf, buf + .mib(4)).map(\.description).joined(separator: "\n"))
    expectConsistent(system)
    let child = try a.fork(childName: "B")
    try child.touch(buf, 4096, write: true)
    print(child.snapshot(buf, buf + .mib(4)).map(\.description).joined(separator: "\n"))
    expectConsistent(system)
    let free = system.memory.freeFrameCount
    child.exit()
    a.exit()
    expectConsistent(system)
    print(free, system.memory.freeFrameCount, system.memory.frameCount)
  }
}
