// The LiveLinux target: read-only snapshots of real Linux processes (see docs/live-mode.md).
