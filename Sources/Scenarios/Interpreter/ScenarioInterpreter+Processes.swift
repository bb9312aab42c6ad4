import MemoryModel

/// Processes that end and are waited for: `exit` (`_exit(0)`), `kill` (a fatal signal: the
/// model's processes install no handlers), `waitpid` and `expect PROC wait`.
extension ScenarioInterpreter {
  /// Ends `name`: its address space is torn down (`exit_mmap`), then its files are released
  /// (`exit_files`: a gup_test file unpins what it holds); the process waits for its parent.
  func end(_ name: Identifier, status: Expectation.WaitStatus) throws(StepFailure) {
    let space = try process(name)
    space.exit()
    processes[name.name] = nil
    for (fileName, file) in devices.gupFiles where file.process == name.name {
      releasePins(of: file)
      devices.gupFiles[fileName] = nil
      devices.gupClosed.insert(fileName)
    }
    processControl.ended[name.name] = (space.pid, status)
  }

  /// `kill(pid, signal)`: a live target ends with the signal; a target that ended and is not
  /// reaped yet (a zombie) takes the signal without effect; a reaped one is `ESRCH`.
  func kill(_ name: Identifier, _ target: Identifier, _ signal: Command.Signal) throws(StepFailure) {
    if processes[target.name] != nil { return try end(target, status: .signaled(signal)) }
    if processControl.ended[target.name] != nil { return }
    throw StepFailure(error: CommandError(name: "ESRCH", errno: Errno(rawValue: 3), reason: "kill: no process \(target)"))
  }

  /// `waitpid(pid, &status, 0)` by `name` for its child `child`: reaps it and keeps its status.
  /// A child still running would block; the model runs one step at a time, so that is an error
  /// naming what to do.
  func waitpid(_ name: Identifier, _ child: Identifier, into result: inout StepResult) throws(StepFailure) {
    guard processControl.parents[child.name] == name.name else {
      throw StepFailure(error: CommandError(name: "ECHILD", errno: Errno(rawValue: 10), reason: "waitpid: \(child) is not a child of \(name) (or was reaped already)"))
    }
    guard let ended = processControl.ended[child.name] else {
      throw StepFailure(error: CommandError(
        name: "EDEADLK", errno: Errno(rawValue: 35),
        reason: "waitpid: \(child) is still running and would block \(name) forever here; end it first ('\(child): exit' or '\(name): kill \(child) SIGKILL')"))
    }
    processControl.ended[child.name] = nil
    processControl.parents[child.name] = nil
    processControl.waited[name.name] = (child.name, ended.status)
    result.output.append("waitpid \(child) = \(ended.pid), \(ended.status)")
  }

  /// `expect PROC wait == ...`: `WIFEXITED`/`WEXITSTATUS` or `WIFSIGNALED`/`WTERMSIG` of the status
  /// the last `waitpid` of PROC returned.
  func evaluateWait(_ name: Identifier, _ expected: Expectation.WaitStatus, into result: inout StepResult) {
    result.expected = "\(name) wait == \(expected)"
    guard let waited = processControl.waited[name.name] else {
      result.status = .failed
      result.actual = "\(name) has not waited for a child"
      return
    }
    result.actual = "\(name) wait == \(waited.status) (child \(waited.child))"
    let holds: Bool
    switch (expected, waited.status) {
    case (.exited(let code), .exited(let actual)): holds = code == nil || code == actual
    case (.signaled(let signal), .signaled(let actual)): holds = signal == nil || signal == actual
    default: holds = false
    }
    if !holds { result.status = .failed }
  }
}
