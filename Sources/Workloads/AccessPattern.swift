/// The shape of a device access stream.
public enum AccessPattern: String, Hashable, Sendable, Codable, CaseIterable {
  /// Streaming: consecutive `accessSize` steps over the regions, wrapping.
  case sequential
  /// Steps of `stride`, shifted by `accessSize` on each wrap so every slot is reached.
  case strided
  /// Uniform random slots.
  case random
  /// Zipf-distributed pages (exponent `zipfExponent`), hot pages scattered over the regions.
  case zipf
  /// A 5-point stencil over a row-major grid of 8-byte elements, `gridWidth` wide: four
  /// neighbour reads and the centre, then a write of the centre into the last region.
  case stencil2D = "stencil2d"
  /// A 7-point stencil over a `gridWidth`³-wide grid (rows of `gridWidth` elements).
  case stencil3D = "stencil3d"
  /// Reads an index array (the first region) sequentially and reads the data (the last
  /// region) at the indexed, random slot.
  case gather
  /// As `gather`, but writes the data slot.
  case scatter
  /// Follows a random cyclic permutation of `accessSize` nodes (Sattolo), one node per access.
  case pointerChase = "pointer-chase"
  /// C += A × B over three square matrices of 8-byte elements in `tile`-wide tiles, one access
  /// per `accessSize` of each tile row.
  case gemm
  /// Replays the data accesses of a `valgrind --tool=lackey --trace-mem=yes` log (`trace`).
  case trace
}
