/// What GUP callers hold on one folio: the invariant checker's ledger (Linux keeps only the
/// counts in the folio; the model also keeps who holds them, to check the counts add up).
struct GUPHolds: Sendable, Equatable {
  /// References taken on the folio by `FOLL_GET` and `FOLL_PIN` (pins of small folios count
  /// `GUP_PIN_COUNTING_BIAS` each).
  var references: Int32 = 0
  /// Pins held (each also counted in ``references``).
  var pins: Int32 = 0
}
