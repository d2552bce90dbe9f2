//! Text helpers for Vietnamese: accent folding for search.

/// Folds Vietnamese text to lower-case ASCII for accent-insensitive matching:
/// "Hà Nội" and "ha noi" both become "ha noi"; "Đ"/"đ" become "d".
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        for l in c.to_lowercase() {
            out.push(fold_char(l));
        }
    }
    out
}

fn fold_char(c: char) -> char {
    const GROUPS: &[(&str, char)] = &[
        ("àáảãạăằắẳẵặâầấẩẫậ", 'a'),
        ("èéẻẽẹêềếểễệ", 'e'),
        ("ìíỉĩị", 'i'),
        ("òóỏõọôồốổỗộơờớởỡợ", 'o'),
        ("ùúủũụưừứửữự", 'u'),
        ("ỳýỷỹỵ", 'y'),
        ("đ", 'd'),
    ];
    if c.is_ascii() {
        return c;
    }
    for (set, base) in GROUPS {
        if set.contains(c) {
            return *base;
        }
    }
    // Combining marks (text in NFD form) are dropped by mapping them to a
    // character the caller can strip; keep others unchanged.
    c
}

/// Folds and also removes combining diacritical marks, for text that arrives
/// decomposed (NFD), and collapses runs of whitespace.
pub fn search_key(s: &str) -> String {
    let folded: String = fold(s)
        .chars()
        .filter(|c| !('\u{0300}'..='\u{036f}').contains(c))
        .collect();
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_vietnamese() {
        assert_eq!(fold("Hà Nội"), "ha noi");
        assert_eq!(fold("ĐẮK LẮK"), "dak lak");
        assert_eq!(fold("Sở Tư pháp"), "so tu phap");
        assert_eq!(fold("hộ tịch"), "ho tich");
        assert_eq!(fold("Thừa Thiên Huế"), "thua thien hue");
        assert_eq!(fold("Quỳnh Phụ"), "quynh phu");
    }

    #[test]
    fn every_vietnamese_letter_folds_to_ascii() {
        let all = "aàáảãạăằắẳẵặâầấẩẫậeèéẻẽẹêềếểễệiìíỉĩịoòóỏõọôồốổỗộơờớởỡợuùúủũụưừứửữựyỳýỷỹỵdđ";
        for c in all.chars().chain(all.to_uppercase().chars()) {
            let f = fold(&c.to_string());
            assert!(f.is_ascii(), "{c} folded to {f}");
        }
    }

    #[test]
    fn search_key_handles_decomposed_text_and_spaces() {
        // "Hà Nội" in NFD: a + U+0300, o + U+0323 + U+0302 (ộ decomposed).
        let nfd = "Ha\u{300}  No\u{323}\u{302}i";
        assert_eq!(search_key(nfd), "ha noi");
        assert_eq!(search_key("  Hà   Nội "), "ha noi");
    }
}
