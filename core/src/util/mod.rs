//! Small helpers shared by several command groups.

pub mod glob;
pub mod longdouble;
pub mod lcs;
