//! Parity harness (see tests/).
