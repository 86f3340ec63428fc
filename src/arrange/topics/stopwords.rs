//! Common words of Indonesian and English that say nothing about a story: left out when
//! comparing titles (story clusters) and when proposing topics. Words are folded (see
//! [`crate::arrange::topics::fold`]). Touches nothing.

use std::collections::HashSet;
use std::sync::LazyLock;

/// Folded Indonesian stop words: function words, verbs of saying, dates, news boilerplate.
pub const INDONESIAN: &str = "\
    ada adalah agar akan aku anda antara apa apakah atas atau bagaimana bagi bahkan bahwa baik banyak baru \
    beberapa begitu belum berapa berikut bersama bisa bukan dalam dan dapat dari demikian dengan di dia diri dua \
    guna harus hal hanya hari hingga ia ialah ini itu jadi jam jelang jika juga justru kalau kami kamu karena \
    kata katanya ke kembali kemudian kepada ketika kini kita lagi lain lalu lebih maka masih melalui membuat \
    memiliki mengatakan menjadi menurut mereka merupakan meski meskipun mungkin namun nanti oleh orang pada \
    padahal para perlu pernah pihak pukul pula pun saat saja sama sampai sang sangat satu saya sebagai sebelum \
    sebelumnya sebuah sebut secara sedang sejak sekarang sekitar selain selama sementara semua seorang seperti \
    serta setelah setiap siapa soal sudah supaya tak tanpa tapi telah tengah tentang terhadap terkait tersebut \
    tetapi tiga tidak tutur ujar ungkap untuk usai waktu yaitu yakni yang baca selengkapnya berita terkini simak \
    klik senin selasa rabu kamis jumat sabtu minggu januari februari maret april mei juni juli agustus september \
    oktober november desember pekan bulan tahun menit detik pagi siang sore malam kemarin besok wib wita wit \
    besar demi kali nya";

/// Folded English stop words: function words, dates, news boilerplate.
pub const ENGLISH: &str = "\
    a about after again against ago all also amid among an and any are around as at back be because been before \
    being between both but by can could day days did do does during each even every first for from had has have \
    he her here him his how however if in into is it its just last like many meanwhile more most mr mrs ms much \
    must my new news no not now of off on once one only or other our out over per said say says she should since \
    so some still such than that the their them then there these they this those through to today told too two \
    under until up us very via vs was we week were what when where which while who whom whose why will with \
    would year years yes yesterday you your monday tuesday wednesday thursday friday saturday sunday january \
    february march april may june july august september october november december breaking update live \
    exclusive watch down i yet";

static WORDS: LazyLock<HashSet<&'static str, crate::arrange::topics::FastHash>> = LazyLock::new(|| {
    INDONESIAN
        .split_whitespace()
        .chain(ENGLISH.split_whitespace())
        .collect()
});

/// Whether a folded word is a stop word.
pub fn is_stop_word(folded: &str) -> bool {
    WORDS.contains(folded)
}

/// The stop words' [`word_hash`]es.
static HASHES: LazyLock<HashSet<u64, crate::arrange::topics::FastHash>> =
    LazyLock::new(|| WORDS.iter().map(|w| word_hash(w.as_bytes())).collect());

/// A folded word's 64-bit hash, by which clusters know words.
pub fn word_hash(folded: &[u8]) -> u64 {
    xxhash_rust::xxh3::xxh3_64(folded)
}

/// [`is_stop_word`] for a folded word's [`word_hash`].
pub fn is_stop_hash(hash: u64) -> bool {
    HASHES.contains(&hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folded_and_found() {
        assert!(WORDS.iter().all(|w| *w == crate::arrange::topics::fold(w)));
        assert!(is_stop_word("yang") && is_stop_word("the") && is_stop_word("kamis"));
        assert!(!is_stop_word("rusia") && !is_stop_word("pyongyang"));
    }
}
