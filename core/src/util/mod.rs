//! Small helpers shared by several command groups.

pub mod glob;
pub mod lzf;
