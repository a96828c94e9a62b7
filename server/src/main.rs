fn main() { println!("cinder-server: not built yet"); }
