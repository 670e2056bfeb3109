//! Number fields of the inputs: times (seconds or RFC 3339) and magnitudes, with a fast path
//! for plain decimals that gives the same f64 as the general parser.

use crate::error::InputErrorKind;

/// Parses a time: a finite number of seconds `>= 0`, or an RFC 3339 timestamp (seconds
/// since the Unix epoch, fractional seconds kept).
pub fn parse_time(text: &str) -> std::result::Result<f64, InputErrorKind> {
    if let Some(v) = fast_decimal(text) {
        return Ok(v);
    }
    let t = text.trim();
    let value = match t.parse::<f64>() {
        Ok(v) => v,
        Err(_) => match chrono::DateTime::parse_from_rfc3339(t) {
            Ok(dt) => dt.timestamp() as f64 + f64::from(dt.timestamp_subsec_nanos()) * 1e-9,
            Err(_) => {
                return Err(InputErrorKind::BadTime {
                    found: t.to_string(),
                });
            }
        },
    };
    if !value.is_finite() {
        return Err(InputErrorKind::NotFinite {
            found: t.to_string(),
        });
    }
    if value < 0.0 {
        return Err(InputErrorKind::NegativeTime(value));
    }
    Ok(value)
}

/// The common case of a number field, parsed without the general float parser: ASCII digits
/// with at most one `.`, at most 15 digits in all, nothing else (no sign, exponent or space).
/// The digits then form an integer m < 2^53 and the value is m / 10^k with 10^k ≤ 10^15, both
/// exact in f64, so the one division is correctly rounded: the same f64 as `str::parse`
/// (Clinger's fast path). `None` for anything else, which takes the general path.
#[inline]
pub fn fast_decimal(text: &str) -> Option<f64> {
    let b = text.as_bytes();
    if b.is_empty() || b.len() > 16 {
        return None;
    }
    let (mut m, mut digits, mut frac, mut dot) = (0u64, 0u32, 0u32, false);
    let mut rest = b;
    // Eight leading digits (a Unix time has ten) in one go.
    if let Some((eight, tail)) = b.split_first_chunk::<8>() {
        let x = u64::from_le_bytes(*eight);
        if all_digits(x) {
            (m, digits, rest) = (parse_eight_digits(x), 8, tail);
        }
    }
    for &c in rest {
        match c {
            b'0'..=b'9' => {
                m = m * 10 + u64::from(c - b'0');
                digits += 1;
                if dot {
                    frac += 1;
                }
            }
            b'.' if !dot => dot = true,
            _ => return None,
        }
    }
    if digits == 0 || digits > 15 {
        return None;
    }
    let v = m as f64;
    if frac == 0 {
        return Some(v);
    }
    const POW10: [f64; 16] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
    ];
    Some(v / POW10[frac as usize])
}

/// Whether all eight bytes of `x` are ASCII digits.
fn all_digits(x: u64) -> bool {
    const HIGH: u64 = 0xF0F0_F0F0_F0F0_F0F0;
    const ZEROS: u64 = 0x3030_3030_3030_3030;
    // High nibbles 3, and no low nibble above 9 (adding 6 would carry into the high nibble;
    // bytes 0x30..=0x3F plus 6 stay below 0x100, so no carry crosses bytes).
    x & HIGH == ZEROS && x.wrapping_add(0x0606_0606_0606_0606) & HIGH == ZEROS
}

/// The value of eight ASCII digits, the first in the lowest byte.
fn parse_eight_digits(x: u64) -> u64 {
    let x = x - 0x3030_3030_3030_3030;
    let x = (x.wrapping_mul(10) + (x >> 8)) & 0x00FF_00FF_00FF_00FF;
    let x = (x.wrapping_mul(100) + (x >> 16)) & 0x0000_FFFF_0000_FFFF;
    (x.wrapping_mul(10000) + (x >> 32)) & 0xFFFF_FFFF
}

/// Parses a magnitude (follower count): a finite number `>= 0`, written as `str::parse::<f64>`
/// reads it (no surrounding spaces).
pub fn parse_magnitude(text: &str) -> std::result::Result<f64, InputErrorKind> {
    let value = fast_decimal(text)
        .map_or_else(|| text.parse::<f64>(), Ok)
        .map_err(|_| InputErrorKind::NotANumber {
            found: text.to_string(),
        })?;
    check_magnitude(value, text)
}

pub(crate) fn check_magnitude(value: f64, text: &str) -> std::result::Result<f64, InputErrorKind> {
    if !value.is_finite() {
        return Err(InputErrorKind::NotFinite {
            found: text.to_string(),
        });
    }
    if value < 0.0 {
        return Err(InputErrorKind::NegativeMagnitude(value));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    #[test]
    fn fast_decimal_equals_the_general_parser() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        let mut cases: Vec<String> = [
            "0",
            "5.",
            ".5",
            "007",
            "1609212588",
            "1609212588.25",
            "999999999999999",
            "0.000000000000001",
            "123456789.123456",
            "9007199254740993",
            "1e5",
            "-3",
            " 4",
            ".",
            "",
            "1.2.3",
            "1609212588.0000001",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for _ in 0..20_000 {
            let n = rng.random_range(1..=17);
            let mut t: String = (0..n)
                .map(|_| char::from(b'0' + rng.random_range(0..10u8)))
                .collect();
            if rng.random_bool(0.5) {
                t.insert(rng.random_range(0..=t.len()), '.');
            }
            cases.push(t.clone());
            // One byte next to the digits in ASCII (`/`, `:`, `?`, ...) among them: the
            // eight-at-a-time digit check must refuse it.
            let near = [
                b'/',
                b':',
                b';',
                b'?',
                b'@',
                b' ',
                b'e',
                b'\x10',
                b'\x39' + 16,
            ];
            let at = rng.random_range(0..t.len());
            let mut bytes = t.into_bytes();
            bytes[at] = near[rng.random_range(0..near.len())];
            cases.push(String::from_utf8(bytes).expect("ASCII"));
        }
        for t in &cases {
            // The fast path takes exactly these: 1 to 15 ASCII digits with at most one `.`,
            // 16 bytes at most.
            let digits = t.bytes().filter(u8::is_ascii_digit).count();
            let eligible = t.len() <= 16
                && t.bytes().all(|c| c.is_ascii_digit() || c == b'.')
                && t.bytes().filter(|&c| c == b'.').count() <= 1
                && (1..=15).contains(&digits);
            match super::fast_decimal(t) {
                Some(v) => {
                    assert!(eligible, "{t:?} is not for the fast path");
                    assert_eq!(v.to_bits(), t.parse::<f64>().unwrap().to_bits(), "{t:?}");
                }
                None => assert!(!eligible, "{t:?} takes the general path only when it must"),
            }
        }
    }

    use super::*;

    #[test]
    fn times_parse_as_seconds_or_rfc3339() {
        assert_eq!(parse_time("12.5"), Ok(12.5), "seconds");
        assert_eq!(parse_time("1970-01-01T00:01:00Z"), Ok(60.0), "RFC 3339");
        assert_eq!(
            parse_time("1970-01-01T01:00:00.5+01:00"),
            Ok(0.5),
            "offset and fraction"
        );
        assert!(
            matches!(parse_time("tomorrow"), Err(InputErrorKind::BadTime { .. })),
            "junk"
        );
        assert!(
            matches!(parse_time("NaN"), Err(InputErrorKind::NotFinite { .. })),
            "NaN"
        );
        assert!(
            matches!(parse_time("inf"), Err(InputErrorKind::NotFinite { .. })),
            "inf"
        );
        assert_eq!(
            parse_time("-1"),
            Err(InputErrorKind::NegativeTime(-1.0)),
            "negative"
        );
    }

    #[test]
    fn magnitudes_must_be_finite_and_non_negative() {
        assert_eq!(
            parse_magnitude("0"),
            Ok(0.0),
            "zero is accepted (read as 1 later)"
        );
        assert_eq!(
            parse_magnitude("-3"),
            Err(InputErrorKind::NegativeMagnitude(-3.0)),
            "neg"
        );
        assert!(
            matches!(parse_magnitude("x"), Err(InputErrorKind::NotANumber { .. })),
            "x"
        );
    }
}
