//! The `septet` command-line tool.
fn main() {
    println!("septet {}", septet::simd::active());
}
