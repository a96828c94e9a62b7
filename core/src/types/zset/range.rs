//! Score and lexicographic ranges (Redis's `zrangespec` and `zlexrangespec`).

use std::cmp::Ordering;

/// A score interval; each end inclusive or exclusive.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScoreRange {
    /// Lower bound.
    pub min: f64,
    /// Upper bound.
    pub max: f64,
    /// The lower bound is exclusive (`(min`).
    pub minex: bool,
    /// The upper bound is exclusive (`(max`).
    pub maxex: bool,
}

impl ScoreRange {
    /// `zslValueGteMin`.
    #[inline]
    pub fn gte_min(&self, v: f64) -> bool {
        if self.minex {
            v > self.min
        } else {
            v >= self.min
        }
    }

    /// `zslValueLteMax`.
    #[inline]
    pub fn lte_max(&self, v: f64) -> bool {
        if self.maxex {
            v < self.max
        } else {
            v <= self.max
        }
    }

    /// Whether no score can be inside (`min > max`, or equal with an exclusive end).
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.min > self.max || (self.min == self.max && (self.minex || self.maxex))
    }
}

/// One end of a lex range: `-`, `+` or a member.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum LexBound<'a> {
    /// `-`: below every member.
    Min,
    /// `+`: above every member.
    Max,
    /// A member given with `[` or `(`.
    Str(&'a [u8]),
}

/// Redis's `sdscmplex`: `-` and `+` compare below/above everything, and equal to
/// themselves.
pub fn cmp_lex(a: LexBound, b: LexBound) -> Ordering {
    match (a, b) {
        (LexBound::Min, LexBound::Min) | (LexBound::Max, LexBound::Max) => Ordering::Equal,
        (LexBound::Min, _) | (_, LexBound::Max) => Ordering::Less,
        (LexBound::Max, _) | (_, LexBound::Min) => Ordering::Greater,
        (LexBound::Str(x), LexBound::Str(y)) => x.cmp(y),
    }
}

/// A lexicographic interval over members.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LexRange<'a> {
    /// Lower bound.
    pub min: LexBound<'a>,
    /// Upper bound.
    pub max: LexBound<'a>,
    /// The lower bound is exclusive (`(`, and always for `-`/`+`).
    pub minex: bool,
    /// The upper bound is exclusive.
    pub maxex: bool,
}

impl<'a> LexRange<'a> {
    /// `zslLexValueGteMin`.
    #[inline]
    pub fn gte_min(&self, member: &[u8]) -> bool {
        let c = cmp_lex(LexBound::Str(member), self.min);
        if self.minex {
            c == Ordering::Greater
        } else {
            c != Ordering::Less
        }
    }

    /// `zslLexValueLteMax`.
    #[inline]
    pub fn lte_max(&self, member: &[u8]) -> bool {
        let c = cmp_lex(LexBound::Str(member), self.max);
        if self.maxex {
            c == Ordering::Less
        } else {
            c != Ordering::Greater
        }
    }

    /// Whether no member can be inside.
    pub fn is_empty(&self) -> bool {
        match cmp_lex(self.min, self.max) {
            Ordering::Greater => true,
            Ordering::Equal => self.minex || self.maxex,
            Ordering::Less => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lex_bounds_compare_like_sdscmplex() {
        use LexBound::*;
        assert_eq!(cmp_lex(Min, Min), Ordering::Equal);
        assert_eq!(cmp_lex(Min, Max), Ordering::Less);
        assert_eq!(cmp_lex(Max, Str(b"")), Ordering::Greater);
        assert_eq!(cmp_lex(Str(b""), Min), Ordering::Greater);
        let r = LexRange { min: Min, max: Max, minex: true, maxex: true };
        assert!(r.gte_min(b"") && r.lte_max(b"\xff"));
        assert!(LexRange { min: Max, max: Min, minex: true, maxex: true }.is_empty());
        assert!(LexRange { min: Str(b"a"), max: Str(b"a"), minex: false, maxex: true }.is_empty());
        assert!(!LexRange { min: Str(b"a"), max: Str(b"a"), minex: false, maxex: false }.is_empty());
    }

    #[test]
    fn score_range_ends() {
        let r = ScoreRange { min: 1.0, max: 2.0, minex: true, maxex: false };
        assert!(!r.gte_min(1.0) && r.gte_min(1.5) && r.lte_max(2.0));
        assert!(ScoreRange { min: 1.0, max: 1.0, minex: false, maxex: true }.is_empty());
        assert!(!ScoreRange { min: -0.0, max: 0.0, minex: false, maxex: false }.is_empty());
    }
}
