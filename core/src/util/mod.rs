//! Small helpers shared by several command groups.

pub mod glob;
pub mod lcs;
pub mod longdouble;
pub mod lzf;
pub mod sample;
