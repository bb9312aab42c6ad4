import MemoryModel

/// What a device read of `count` bytes returned, kept as the contents of the pages it read
/// rather than as bytes, so that two devices' reads of one range compare page by page without
/// copying 4 KiB a page (the policy differential compares every device's read of a range).
public struct DeviceReadout: Sendable {
  /// The offset of the first byte within the first page.
  public let offset: Int
  /// How many bytes were read.
  public let count: Int
  /// The contents of each page the read touched, in order, as they were when it read them.
  public let pages: [PageData]

  /// Creates a readout of `count` bytes starting `offset` bytes into the first of `pages`.
  /// - Parameters:
  ///   - offset: where the first byte lies within the first page (0..<4096).
  ///   - count: how many bytes the read returned.
  ///   - pages: the pages' contents, one for each page the bytes touch.
  public init(offset: Int, count: Int, pages: [PageData]) {
    self.offset = offset
    self.count = count
    self.pages = pages
  }

  /// The bytes, as ``Device/read(_:count:)`` returns them.
  public var bytes: [UInt8] {
    var result: [UInt8] = []
    result.reserveCapacity(count)
    var position = 0
    for (k, page) in pages.enumerated() {
      let inPage = k == 0 ? offset : 0
      let n = min(count &- position, 4096 &- inPage)
      page.append(inPage, n, to: &result)
      position &+= n
    }
    return result
  }

  /// Nil when `other` holds the same bytes as this readout; otherwise the index of the first of
  /// `other`'s bytes that this one lacks or holds differently (0 when `other`'s bytes are a
  /// shorter prefix of these), as the byte arrays' comparison found it.
  /// - Parameter other: the readout to compare with.
  public func firstDifference(from other: DeviceReadout) -> Int? {
    guard offset == other.offset, count == other.count, pages.count == other.pages.count else {
      let mine = bytes
      let theirs = other.bytes
      if mine == theirs { return nil }
      return theirs.indices.first { $0 >= mine.count || theirs[$0] != mine[$0] } ?? 0
    }
    var position = 0
    for k in pages.indices {
      let inPage = k == 0 ? offset : 0
      let n = min(count &- position, 4096 &- inPage)
      let a = pages[k]
      let b = other.pages[k]
      if a != b && !(inPage == 0 && n == 4096 && a.sameBytes(as: b)) {
        for i in 0..<n where a.byte(at: inPage &+ i) != b.byte(at: inPage &+ i) { return position &+ i }
      }
      position &+= n
    }
    return nil
  }
}
