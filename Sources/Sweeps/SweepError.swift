/// What went wrong with a sweep: a bad sweep file, a job that does not exist or could not run,
/// an output directory that cannot be used. The description is one or more sentences that name
/// the file, field or job.
public struct SweepError: Error, CustomStringConvertible, Sendable {
  /// What went wrong.
  public var description: String

  /// An error saying `description`.
  public init(_ description: String) { self.description = description }
}
