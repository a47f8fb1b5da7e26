// The process-start floor: a static Rust binary that does nothing, built with the same
// release profile as healthprobe. No probe can start and exit faster than this.
fn main() {}
