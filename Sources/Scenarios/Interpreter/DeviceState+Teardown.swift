import DeviceMirror
import HMM
import MemoryModel

extension DeviceState {
  /// Drops every reference a run's devices, files and notifiers hold on the machine's address
  /// spaces and theirs on them (devices and interval notifiers refer to each other, and the
  /// safety oracle to both, also after the processes exited), so that the machine is freed when
  /// the run ends: a fuzz worker runs thousands of runs in one process.
  func tearDown(_ spaces: [AddressSpace]) {
    for device in devices.values { device.stopMirroring() }
    for file in files.values { file.close() }
    for notifier in notifiers.values { notifier.remove() }
    for space in spaces { space.unregister(oracle) }
    devices.removeAll()
    files.removeAll()
    notifiers.removeAll()
    dmirrorDevices.removeAll()
    buffers.removeAll()
    results.removeAll()
    violations.removeAll()
    watchedSpaces.removeAll()
  }
}
