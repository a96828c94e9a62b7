//! Geospatial math behind the GEO commands, as Redis 7.0 computes it: 52-bit
//! interleaved geohashes (`hash`), the search areas and the distance tests (`helper`).
//! Pure functions on numbers; the commands live in `cmd::geo`.

pub mod hash;
pub mod helper;
