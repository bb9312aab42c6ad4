/// The `gup_test` ioctls (`mm/gup_test.h`) a scenario can issue on an open
/// `/sys/kernel/debug/gup_test` file; each takes the pages, checks them and releases them at once.
public enum GUPTestCommand: String, Sendable, Hashable, CaseIterable {
  /// `GUP_FAST_BENCHMARK`: `get_user_pages_fast()`, then `put_page()`.
  case gupFast = "gup-fast"
  /// `PIN_FAST_BENCHMARK`: `pin_user_pages_fast()`, then `unpin_user_pages()`.
  case pinFast = "pin-fast"
  /// `PIN_LONGTERM_BENCHMARK`: `pin_user_pages()` with `FOLL_LONGTERM` added, then unpin.
  case pinLongterm = "pin-longterm"
  /// `GUP_BASIC_TEST`: `get_user_pages()`, then `put_page()`.
  case gupBasic = "gup-basic"
  /// `PIN_BASIC_TEST`: `pin_user_pages()`, then `unpin_user_pages()`.
  case pinBasic = "pin-basic"

  /// Whether the ioctl pins (`FOLL_PIN`) rather than gets (`FOLL_GET`).
  public var pins: Bool { self == .pinFast || self == .pinLongterm || self == .pinBasic }
}
