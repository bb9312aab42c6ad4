/// What `fork`, `exit`, `kill` and `waitpid` leave for later steps: parents, children that ended
/// and wait for their parent (zombies), and the status each process's last `waitpid` returned.
struct ProcessControlState {
  /// The parent of each forked process, by name.
  var parents: [String: String] = [:]
  /// Processes that ended and are not reaped yet: their pid and how they ended.
  var ended: [String: (pid: Int, status: Expectation.WaitStatus)] = [:]
  /// The last `waitpid` of each process: the child reaped and its status.
  var waited: [String: (child: String, status: Expectation.WaitStatus)] = [:]
}
