//! Small helpers shared by several command groups.

pub mod glob;
pub mod lcs;
pub mod longdouble;
pub mod lzf;
pub mod pqsort;
pub mod sample;
pub mod sort;
pub mod strtod;
pub mod vecmap;
