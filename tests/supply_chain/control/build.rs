//! The same embedding as healthprobe's build.

#[path = "../../../build/dependencies.rs"]
mod dependencies;

fn main() {
    dependencies::embed();
}
