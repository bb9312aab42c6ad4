extension FrameTable {
  /// [inv] Whether chunk `chunk` holds exactly its baseline's descriptors (the table's
  /// ``FrameTemplate``, FrameTable+Baseline.swift): set to the baseline and not written (or
  /// handed out for writing) since, whether or not ``clearWritten()`` ran. The invariant check
  /// takes such a chunk's scan from ``InvariantBaseline``.
  @inline(__always)
  func holdsBaseline(chunk: Int) -> Bool { pristine[chunk] == Self.baseline && unwritten[chunk] != 0 }
}
