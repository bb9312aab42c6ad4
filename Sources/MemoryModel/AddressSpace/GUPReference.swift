/// How `get_user_pages()` holds each page it returns: `FOLL_GET` (a plain reference, dropped by
/// `put_page()`) or `FOLL_PIN` (a DMA pin, dropped by `unpin_user_page()`).
public enum GUPReference: Sendable, Hashable {
  /// `FOLL_GET`: one reference on the folio.
  case get
  /// `FOLL_PIN`: `GUP_PIN_COUNTING_BIAS` (1024) references on a small folio; one reference and
  /// one `_pincount` on a large folio.
  case pin
}
