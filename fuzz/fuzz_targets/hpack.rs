#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| healthprobe::fuzzing::run("hpack", data));
