//! Uses smallvec, so that it is linked; the section comes from healthprobe's own source.

#[path = "../../../../src/sys/dependencies.rs"]
mod dependencies;

fn main() {
    let list: smallvec::SmallVec<[u8; 4]> = smallvec::SmallVec::from_slice(&[1, 2]);
    println!("{}", list.len());
}
