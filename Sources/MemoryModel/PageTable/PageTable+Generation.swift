extension PageTable {
  /// A number that changes with every change to the table's entries or nodes: a checker that
  /// saw generation `g` and sees `g` again may trust what it found then (the safety oracle,
  /// which depends on the entries alone).
  public var changeGeneration: UInt64 { generation }
}
